"""CloudFormation's side of the custom-resource protocol, played locally.

:class:`LocalCloudFormation` builds the events CloudFormation would send, serves a
loopback ResponseURL that records every PUT (body and headers), invokes
``providers.handler.lambda_handler`` with a Lambda-like context, runs any re-invocation
the function asks for (as Lambda would), and returns what came back. It is used by the
contract suite, ``gapfill invoke`` and ``gapfill deploy --local``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gapfill.emulator.server import EMULATOR_ACCOUNT_ID

DEFAULT_REGION = "us-east-1"


@dataclass
class Put:
    """One PUT received on the local ResponseURL."""

    token: str
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        return dict(json.loads(self.raw.decode()))


class ResponseServer:
    """A loopback HTTP server standing in for CloudFormation's pre-signed S3 URLs."""

    def __init__(self) -> None:
        self.puts: list[Put] = []
        self._cond = threading.Condition()
        #: Status codes to answer, in order, before answering 200 (fault injection).
        self.fail_next: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                with outer._cond:
                    status = outer.fail_next.pop(0) if outer.fail_next else 200
                    if status == 200:
                        token = self.path.rsplit("/", 1)[-1].split("?", 1)[0]
                        outer.puts.append(Put(token, {k.lower(): v for k, v in self.headers.items()}, raw))
                        outer._cond.notify_all()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url_for(self, token: str) -> str:
        # Shaped like a pre-signed URL so tests can prove its query string is never logged.
        return f"{self.base_url}/cfn-response/{token}?X-Amz-Signature=local{token[:8]}&X-Amz-Expires=7200"

    def puts_for(self, token: str) -> list[Put]:
        with self._cond:
            return [p for p in self.puts if p.token == token]

    def wait_for(self, token: str, timeout: float) -> list[Put]:
        end = time.time() + timeout
        with self._cond:
            while not any(p.token == token for p in self.puts) and time.time() < end:
                self._cond.wait(timeout=max(0.01, end - time.time()))
        return self.puts_for(token)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class LocalContext:
    """The attributes of Lambda's context object that gapfill uses."""

    timeout_seconds: float = 900.0
    function_name: str = "gapfill-local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.time)
    #: The ARN the function was invoked by (an alias ARN when the ServiceToken is one).
    invoked_arn: str = ""
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return self.invoked_arn or (
            f"arn:aws:lambda:{DEFAULT_REGION}:{EMULATOR_ACCOUNT_ID}:function:{self.function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.time()) * 1000))


@dataclass
class Answer:
    """What CloudFormation received for one request (all PUTs, to check there is one)."""

    event: dict[str, Any]
    puts: list[Put]
    invocations: int
    seconds: float
    #: The version the code that answered says it is (with a router: the routed build's).
    code_version: str = ""

    @property
    def body(self) -> dict[str, Any]:
        if not self.puts:
            raise AssertionError("no response was sent")
        return self.puts[0].body

    @property
    def status(self) -> str:
        return str(self.body["Status"]) if self.puts else "NO RESPONSE"

    @property
    def physical_id(self) -> str:
        return str(self.body.get("PhysicalResourceId", ""))

    @property
    def reason(self) -> str:
        return str(self.body.get("Reason", "")) if self.puts else "no response was sent"

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.body.get("Data") or {})

    @property
    def ok(self) -> bool:
        return len(self.puts) == 1 and self.status == "SUCCESS"


Handler = Callable[[dict[str, Any], Any], Any]
#: ServiceToken -> what Lambda runs for it (gapfill.local.providers_stack.Region.route).
Router = Callable[[str], Any]


def _default_handler() -> Handler:
    from providers.handler import lambda_handler

    return lambda_handler


class LocalCloudFormation:
    """Plays CloudFormation: builds events, serves the ResponseURL, runs re-invocations.

    ``function_timeout`` is the Lambda timeout given to each invocation's context, so tests
    can force hand-overs to re-invocations with a short one.
    """

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        stack_name: str = "gapfill-local",
        region: str = DEFAULT_REGION,
        function_timeout: float = 900.0,
        router: Router | None = None,
    ) -> None:
        self.handler = handler or _default_handler()
        #: Routes each event by its ServiceToken to a build (its code, alias and version);
        #: without one every event goes to ``handler``.
        self.router = router
        self.region = region
        self.stack_id = f"arn:aws:cloudformation:{region}:{EMULATOR_ACCOUNT_ID}:stack/{stack_name}/" + str(
            uuid.uuid5(uuid.NAMESPACE_URL, stack_name)
        )
        self.function_timeout = function_timeout
        self.server = ResponseServer()
        #: ``Custom::X`` -> the role its function signs as, instead of the shipped one (tests
        #: plant a missing permission or narrow an allow-list in a copy of a role).
        self.roles: dict[str, Any] = {}
        self._queue: list[dict[str, Any]] = []
        os.environ["GAPFILL_ALLOW_LOCAL_RESPONSE_URL"] = "1"

    def close(self) -> None:
        self.server.close()

    def __enter__(self) -> LocalCloudFormation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- events ---------------------------------------------------------------------------
    def event(
        self,
        request_type: str,
        resource_type: str,
        properties: Mapping[str, Any] | None,
        *,
        logical_id: str = "Resource",
        physical_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
        request_id: str | None = None,
        service_token: str | None = None,
    ) -> dict[str, Any]:
        token = (
            service_token
            or str((properties or {}).get("ServiceToken") or "")
            or f"arn:aws:lambda:{self.region}:{EMULATOR_ACCOUNT_ID}:function:gapfill-local"
        )
        props = {"ServiceToken": token, **stringify(dict(properties or {}))}
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": token,
            "ResponseURL": "",
            "StackId": self.stack_id,
            "RequestId": request_id or str(uuid.uuid4()),
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": props,
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            event["OldResourceProperties"] = {"ServiceToken": token, **stringify(dict(old_properties))}
        return event

    def send(self, event: dict[str, Any], *, wait: float = 5.0) -> Answer:
        """Invoke the handler with ``event`` (its ResponseURL filled in) and collect PUTs."""
        token = uuid.uuid4().hex
        event = dict(event)
        event["ResponseURL"] = self.server.url_for(token)
        started = time.time()
        target = self.router(str(event.get("ServiceToken", ""))) if self.router is not None else None
        activation = target.build.active() if target is not None else contextlib.nullcontext()
        with activation:
            invocations, code_version = self._invoke(event, target)
        puts = self.server.wait_for(token, wait if invocations else 0.1)
        time.sleep(0.05)  # a second PUT (a bug) would land now; collect it too
        puts = self.server.puts_for(token)
        return Answer(
            event=event,
            puts=puts,
            invocations=invocations,
            seconds=time.time() - started,
            code_version=code_version,
        )

    def _invoke(self, event: dict[str, Any], target: Any) -> tuple[int, str]:
        """Run the event and the re-invocations it asks for, as Lambda would: with the routed
        build's code (already active) or ``handler``, as the type's shipped role."""
        import providers
        from gapfill.emulator.iam import provider_environment, provider_role, signing_as
        from providers.core import engine

        handler = target.build.handler() if target is not None else self.handler
        context: dict[str, Any] = {"timeout_seconds": self.function_timeout}
        if target is not None:
            context |= {
                "function_name": target.function,
                "invoked_arn": str(event.get("ServiceToken", "")),
                "function_version": str(target.version or "$LATEST"),
            }
        invocations = 0
        engine.set_reinvoker(lambda payload, _ctx: self._queue.append(payload))
        try:
            pending = [event]
            while pending:
                current = pending.pop(0)
                invocations += 1
                kind = str(current.get("ResourceType", ""))
                # as its shipped role (the providers stack of this region) and environment
                role = self.roles.get(kind) or provider_role(kind, region=self.region)
                with signing_as(role, provider_environment(kind, role.parameters if role else None)):
                    handler(current, LocalContext(**context))
                pending.extend(self._queue)
                self._queue.clear()
        finally:
            engine.set_reinvoker(None)
        return invocations, str(providers.__version__)

    def create(self, resource_type: str, properties: Mapping[str, Any], **kw: Any) -> Answer:
        return self.send(self.event("Create", resource_type, properties, **kw))

    def update(
        self,
        resource_type: str,
        physical_id: str,
        properties: Mapping[str, Any],
        old_properties: Mapping[str, Any],
        **kw: Any,
    ) -> Answer:
        return self.send(
            self.event(
                "Update",
                resource_type,
                properties,
                physical_id=physical_id,
                old_properties=old_properties,
                **kw,
            )
        )

    def delete(
        self, resource_type: str, physical_id: str, properties: Mapping[str, Any], **kw: Any
    ) -> Answer:
        return self.send(self.event("Delete", resource_type, properties, physical_id=physical_id, **kw))


def stringify(value: Any) -> Any:
    """CloudFormation sends every scalar as a string; so does the local runner."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return {k: stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    return value
