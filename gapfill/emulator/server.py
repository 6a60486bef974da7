"""Start moto server on 127.0.0.1 and hand out its endpoint.

Everything reaches it exactly as it would reach AWS: boto3 over HTTP, selected with the
standard ``AWS_ENDPOINT_URL``. The Connect extension is installed before the first request
so that moto's server builds its Connect routes with our operations included.
"""

from __future__ import annotations

import contextlib
import os
import socket
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: Credentials and region for the emulator: moto accepts any; these are not secrets.
EMULATOR_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
#: moto's default account id (a documented placeholder, not a real account).
EMULATOR_ACCOUNT_ID = "123456789012"

#: A WSGI layer: takes the app it wraps, returns the app that serves in its place.
Layer = Callable[[Callable[..., Any]], Callable[..., Any]]


def layers() -> list[Layer]:
    """What every request passes before moto, outermost first: IAM evaluation of role-signed
    calls, then AWS's model of the request.

    Each concern is one small layer of its own module, listed here; a layer answers a request
    itself or hands it on unchanged.
    """
    from gapfill.emulator import model_validation
    from gapfill.emulator.iam.middleware import Authorizer

    return [Authorizer, model_validation.middleware]


def _server_class() -> type:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class LayeredMotoServer(ThreadedMotoServer):
        """moto's threaded server with :func:`layers` around its dispatcher."""

        def _server_entry(self) -> None:
            app: Callable[..., Any] = DomainDispatcherApplication(create_backend_app)
            for layer in reversed(layers()):
                app = layer(app)
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return LayeredMotoServer


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Emulator:
    """A running moto server; use as a context manager or call ``stop``."""

    port: int = 0
    _server: Any = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment that points boto3 (and the AWS CLI) at this emulator."""
        return {**EMULATOR_ENV, "AWS_ENDPOINT_URL": self.endpoint}

    @contextlib.contextmanager
    def applied(self, on_switch: Callable[[], None] | None = None) -> Iterator[Emulator]:
        """Point this process's boto3 at the emulator for the duration of the block.

        ``on_switch`` runs right after the environment changes, both ways: a caller that
        caches clients built from the environment (the providers do) passes its reset, so
        that the emulator never needs to know the code it is testing.
        """
        saved = {k: os.environ.get(k) for k in self.env()}
        os.environ.update(self.env())
        if on_switch is not None:
            on_switch()
        try:
            yield self
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            if on_switch is not None:
                on_switch()

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint, over HTTP)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback
            pass

    def start(self) -> Emulator:
        from gapfill.emulator import firehose, moto_outputs, redshift_data, s3_notifications
        from gapfill.emulator.connect import install

        install()
        firehose.install()
        s3_notifications.install()
        moto_outputs.install()
        redshift_data.install()
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if not self.port:
            self.port = free_port()
        self._server = _server_class()(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_emulator(port: int = 0) -> Emulator:
    """Start moto server (with the Connect extension) on 127.0.0.1:port (0 = any free)."""
    return Emulator(port=port).start()
