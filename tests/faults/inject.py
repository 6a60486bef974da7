"""Fault injection into the providers' own boto3 clients, with botocore's event hooks.

A ``before-send`` handler that returns a response makes botocore skip the HTTP call and
treat that response as AWS's answer, so the providers' real retry configuration (adaptive
mode) sees genuine 5xx and throttling errors, each in the wire format of the service's
protocol, and the request then really goes to the emulator on the next attempt.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

#: What a throttled call looks like, per botocore protocol: (status, headers, body).
_THROTTLE: dict[str, tuple[int, dict[str, str], bytes]] = {
    "json": (
        400,
        {"x-amzn-ErrorType": "ThrottlingException", "Content-Type": "application/x-amz-json-1.1"},
        b'{"__type":"ThrottlingException","message":"Rate exceeded"}',
    ),
    "rest-json": (
        429,
        {"x-amzn-ErrorType": "ThrottlingException", "Content-Type": "application/json"},
        b'{"message":"Rate exceeded"}',
    ),
    "rest-xml": (
        503,
        {"Content-Type": "application/xml"},
        b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    ),
    "query": (
        400,
        {"Content-Type": "text/xml"},
        b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
        b"<Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>",
    ),
}
_KINDS = ("http500", "throttle", "http503", "http502")


class _Raw:
    """The slice of a urllib3 response that AWSResponse reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class FaultPlan:
    """Fail the first ``times`` attempts of the first ``operations`` distinct operations,
    rotating error kinds (bounded so that retry backoff keeps the suite fast)."""

    times: int = 1
    operations: int = 4
    only: Callable[[str], bool] = field(default=lambda _op: True)
    injected: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    _order: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def response_for(self, operation: str, protocol: str, url: str) -> AWSResponse | None:
        with self._lock:
            if operation not in self._order and len(self._order) < self.operations and self.only(operation):
                self._order.append(operation)
            if operation not in self._order or self.injected[operation] >= self.times:
                self.passed[operation] += 1
                return None
            kind = _KINDS[(self._order.index(operation) + self.injected[operation]) % len(_KINDS)]
            self.injected[operation] += 1
        if kind == "throttle":
            status, headers, body = _THROTTLE.get(protocol, _THROTTLE["json"])
        else:
            status, headers, body = int(kind[4:]), {}, b""
        return AWSResponse(url, status, headers, _Raw(body))

    @property
    def total(self) -> int:
        return sum(self.injected.values())


@contextlib.contextmanager
def aws_faults(plan: FaultPlan) -> Iterator[FaultPlan]:
    """Inject ``plan`` into every client the providers create while the block runs."""
    from providers.core import aws

    events = aws._session()  # botocore's Session registers hooks itself

    def remember_protocol(model: Any, context: dict[str, Any], **_: Any) -> None:
        context["gapfill_fault_protocol"] = model.service_model.protocol
        context["gapfill_fault_operation"] = f"{model.service_model.service_name}.{model.name}"

    def maybe_fail(request: Any, **_: Any) -> AWSResponse | None:
        context = getattr(request, "context", None) or {}
        operation = str(context.get("gapfill_fault_operation", "?"))
        return plan.response_for(operation, str(context.get("gapfill_fault_protocol", "json")), request.url)

    events.register("before-call", remember_protocol, unique_id="gapfill-fault-protocol")
    events.register("before-send", maybe_fail, unique_id="gapfill-fault-send")
    aws.reset_clients()
    try:
        yield plan
    finally:
        events.unregister("before-call", unique_id="gapfill-fault-protocol")
        events.unregister("before-send", unique_id="gapfill-fault-send")
        aws.reset_clients()


@contextlib.contextmanager
def aws_hook(event_name: str, handler: Callable[..., Any]) -> Iterator[None]:
    """Register any botocore hook on the providers' clients for the block."""
    from providers.core import aws

    events = aws._session()  # botocore's Session registers hooks itself
    events.register(event_name, handler, unique_id="gapfill-fault-hook")
    aws.reset_clients()
    try:
        yield
    finally:
        events.unregister(event_name, unique_id="gapfill-fault-hook")
        aws.reset_clients()
