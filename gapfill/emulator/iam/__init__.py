"""IAM evaluated in the emulator: each function's calls are authorised by its shipped role.

:func:`authorizing_server` is moto's threaded server with :class:`.middleware.Authorizer` in
front of its WSGI app; :func:`signing_as` makes the calls of a block sign with a role's key.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from gapfill.emulator.iam.middleware import Authorizer, register
from gapfill.emulator.iam.roles import Role, load_role, provider_environment, provider_role

__all__ = [
    "Authorizer",
    "Role",
    "authorizing_server",
    "load_role",
    "provider_environment",
    "provider_role",
    "register",
    "signing_as",
]


def authorizing_server(**kwargs: Any) -> Any:
    """A ``ThreadedMotoServer`` whose app is wrapped by the authorizer."""
    from moto.moto_server import threaded_moto_server as threaded
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    class AuthorizingMotoServer(threaded.ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = Authorizer(DomainDispatcherApplication(create_backend_app))
            self._server = threaded.make_server(
                self._ip_address, self._port, app, True, request_handler=threaded.MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return AuthorizingMotoServer(**kwargs)


@contextlib.contextmanager
def signing_as(role: Role | None, environment: Mapping[str, str] | None = None) -> Iterator[None]:
    """Sign this process's boto3 calls (``providers.core.aws`` clients) with ``role``'s key, with
    the function's own ``environment`` variables set for the block."""
    if role is None:
        yield
        return
    changes = {"AWS_ACCESS_KEY_ID": register(role), **(environment or {})}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
