"""The protocol engine: one event in, exactly one response out (protocol rules 1-10).

``run`` never raises. Whatever happens (malformed event, unknown type, schema errors,
AWS errors, a provider bug, a provider module that fails to import, a hung AWS call) the
invocation ends with one PUT of SUCCESS or FAILED before the deadline, or hands its
waiting over to a re-invocation that will answer instead.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.core import aws, ids
from providers.core.aws import error_code, error_message
from providers.core.deadline import Backoff, Deadline
from providers.core.errors import (
    DeadlineExceededError,
    GapfillError,
    InvalidEventError,
    PropertyValidationError,
    made,
)
from providers.core.log import logger, redactor
from providers.core.provider import Pending, Provider, Request, Result
from providers.core.response import (
    Response,
    ResponseURLRejectedError,
    check_response_url,
    send,
    url_host,
)
from providers.core.schema import ResourceSchema, load_schema

CONTINUATION_KEY = "GapfillContinuation"
MAX_CONTINUATIONS = 200
REQUEST_TYPES = ("Create", "Update", "Delete")
_REQUIRED_STRINGS = ("RequestType", "ResourceType", "StackId", "RequestId", "LogicalResourceId")
_LOG_KEYS = ("RequestId", "StackId", "LogicalResourceId", "ResourceType", "RequestType")

ProviderResolver = Callable[[str], type[Provider]]
Reinvoker = Callable[[dict[str, Any], Any], None]


def _lambda_reinvoke(event: dict[str, Any], context: Any) -> None:
    """Default hand-over: invoke this same function asynchronously with the state."""
    from providers.core.aws import client

    arn = getattr(context, "invoked_function_arn", None)
    if not arn:
        raise GapfillError("cannot continue waiting: the Lambda context has no invoked_function_arn")
    client("lambda").invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps(event).encode())


_reinvoker: Reinvoker = _lambda_reinvoke


def set_reinvoker(func: Reinvoker | None) -> None:
    """Replace how waiting continues in a new invocation (the local runner queues it)."""
    global _reinvoker  # noqa: PLW0603 - one process-wide hook, set by the local runner
    _reinvoker = func or _lambda_reinvoke


@dataclass
class Continuation:
    """Where a re-invocation resumes: carried in the event under :data:`CONTINUATION_KEY`.

    Its encoding is written and read here only (:meth:`to_event`, :meth:`from_event`).
    """

    started_at: float
    attempt: int
    operation: str
    pending: Pending
    replacing: bool

    def to_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """``event`` with this continuation in it: the payload of the re-invocation."""
        payload = dict(event)
        payload[CONTINUATION_KEY] = {
            "startedAt": self.started_at,
            "attempt": self.attempt,
            "operation": self.operation,
            "replacing": self.replacing,
            "pending": {
                "physicalId": self.pending.physical_id,
                "waitingFor": self.pending.waiting_for,
                "state": self.pending.state,
            },
        }
        return payload

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Continuation | None:
        """The continuation an event carries, None for CloudFormation's own events."""
        raw = event.get(CONTINUATION_KEY)
        if raw is None:
            return None
        try:
            pending = raw["pending"]
            return cls(
                started_at=float(raw["startedAt"]),
                attempt=int(raw["attempt"]),
                operation=str(raw["operation"]),
                pending=Pending(
                    physical_id=str(pending["physicalId"]),
                    waiting_for=str(pending["waitingFor"]),
                    state=dict(pending.get("state") or {}),
                ),
                replacing=bool(raw.get("replacing", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidEventError(f"event field '{CONTINUATION_KEY}' is malformed") from exc


class _Responder:
    """Guarantees at most one PUT, shared by the main path and the watchdog."""

    def __init__(self, url: str, deadline: Deadline | None, invocation: aws.Invocation | None = None) -> None:
        self.url = url
        self.deadline = deadline
        #: Marked answered on the claim, so that no AWS write follows the answer (rule 11).
        self.invocation = invocation or aws.Invocation()
        self._lock = threading.Lock()
        self.answered = False
        #: The physical id of what exists so far (the last Pending's), for the watchdog's FAILED.
        self.existing_id: str | None = None

    def claim(self) -> bool:
        with self._lock:
            if self.answered:
                return False
            self.answered = True
            self.invocation.mark_answered()
            return True

    def answer(self, response: Response, started: float) -> None:
        if not self.claim():
            return
        response.reason = redactor.scrub(response.reason)
        response.data = redactor.scrub_value(response.data)
        body = response.to_body()
        budget = self.deadline.send_budget if self.deadline else None
        result = send(self.url, body, time_left=budget)
        fields = {
            "phase": "response",
            "Status": response.status,
            "PhysicalResourceId": response.physical_id,
            "response_host": url_host(self.url),
            "attempts": result.attempts,
            "bytes": len(body),
            "duration_ms": round((time.time() - started) * 1000, 1),
        }
        if response.status == "FAILED":
            fields["Reason"] = response.reason
        if result.ok:
            logger.info("response sent", extra=fields)
        else:
            logger.error("response could not be delivered", extra={**fields, "error": result.last_error})


def run(event: Any, context: Any, resolve: ProviderResolver) -> None:
    """Serve one custom-resource event. Never raises."""
    started = time.time()
    url = event.get("ResponseURL") if isinstance(event, Mapping) else None
    if not isinstance(url, str) or not url:
        logger.error("event has no ResponseURL: nothing can be answered", extra={"phase": "received"})
        return
    try:
        check_response_url(url)
    except ResponseURLRejectedError as exc:
        logger.error("ResponseURL rejected, no response sent", extra={"phase": "received", "error": str(exc)})
        return
    keys = {k: str(event.get(k, ""))[:512] for k in _LOG_KEYS}
    logger.append_keys(**keys)
    aws.begin_invocation()
    try:
        Serving(event, context, resolve, url, started).serve()
    except Exception:  # pragma: no cover - serve answers on every path; this is the last net
        logger.exception("gapfill internal error")
        responder = _Responder(url, None)
        responder.answer(_failed(event, "gapfill internal error; see the function's logs"), started)
    finally:
        aws.end_invocation()
        logger.remove_keys(list(_LOG_KEYS))
        redactor.clear()


def _failed(event: Mapping[str, Any], reason: str, physical_id: str | None = None) -> Response:
    request_id = str(event.get("RequestId", ""))
    pid = physical_id or event.get("PhysicalResourceId")
    if not isinstance(pid, str) or not pid:
        pid = ids.failed_create_id(request_id or "unknown")
    return Response(
        status="FAILED",
        physical_id=pid,
        stack_id=str(event.get("StackId", "")),
        request_id=request_id,
        logical_id=str(event.get("LogicalResourceId", "")),
        reason=reason,
    )


def parse_request(event: Mapping[str, Any]) -> Request:
    """Check the event's shape; every problem names the field."""
    problems = _envelope_problems(event)
    request_type = event.get("RequestType")
    physical_id = event.get("PhysicalResourceId")
    props = event.get("ResourceProperties", {})
    if props is None:
        props = {}
    if not isinstance(props, Mapping):
        problems.append("event field 'ResourceProperties' must be an object")
    old = event.get("OldResourceProperties")
    if request_type == "Update" and not isinstance(old, Mapping):
        problems.append("event field 'OldResourceProperties' must be an object for Update")
    if problems:
        raise InvalidEventError("; ".join(problems))
    return Request(
        request_type=str(request_type),
        resource_type=str(event["ResourceType"]),
        stack_id=str(event["StackId"]),
        request_id=str(event["RequestId"]),
        logical_id=str(event["LogicalResourceId"]),
        response_url=str(event["ResponseURL"]),
        physical_id=physical_id if isinstance(physical_id, str) and physical_id else None,
        raw_properties=props,
        raw_old_properties=old if isinstance(old, Mapping) else None,
        service_timeout=_service_timeout(props),
    )


def _envelope_problems(event: Mapping[str, Any]) -> list[str]:
    """What is wrong with the event's required strings, request type and physical id."""
    problems: list[str] = []
    for key in _REQUIRED_STRINGS:
        value = event.get(key)
        if value is None:
            problems.append(f"event is missing '{key}'")
        elif not isinstance(value, str) or not value:
            problems.append(f"event field '{key}' must be a non-empty string")
    request_type = event.get("RequestType")
    if isinstance(request_type, str) and request_type and request_type not in REQUEST_TYPES:
        problems.append(
            f"event field 'RequestType' is '{request_type[:40]}', expected Create, Update or Delete"
        )
    physical_id = event.get("PhysicalResourceId")
    if request_type in ("Update", "Delete") and (not isinstance(physical_id, str) or not physical_id):
        problems.append(f"event field 'PhysicalResourceId' is required for {request_type}")
    return problems


def _service_timeout(props: Mapping[str, Any]) -> float | None:
    """ServiceTimeout in seconds (1 to 3600), or None when the template does not set it."""
    raw_timeout = props.get("ServiceTimeout")
    if raw_timeout is None:
        return None
    try:
        timeout = float(raw_timeout)
    except (TypeError, ValueError):
        raise InvalidEventError("ServiceTimeout: must be a number of seconds") from None
    if not 1 <= timeout <= 3600:
        raise InvalidEventError("ServiceTimeout: must be between 1 and 3600 seconds")
    return timeout


def describe_exception(exc: BaseException) -> str:
    """A CloudFormation Reason for any exception: readable, AWS's own words first."""
    if isinstance(exc, GapfillError):
        return str(exc)
    code = error_code(exc)
    if code:
        operation = getattr(exc, "operation_name", "") or "AWS call"
        return f"{operation} failed: {code}: {error_message(exc)}"
    return f"{type(exc).__name__}: {exc}"


class Serving:
    """One event being served: serve, operate, wait and hand over are its steps, over the state
    they share (the event, the request, the provider's class and schema, the deadline, the
    continuation it resumes, and the responder that answers once)."""

    request: Request
    schema: ResourceSchema
    provider_cls: type[Provider]
    deadline: Deadline

    def __init__(
        self, event: Mapping[str, Any], context: Any, resolve: ProviderResolver, url: str, started: float
    ) -> None:
        self.event = event
        self.context = context
        self.resolve = resolve
        self.started = started
        self.responder = _Responder(url, None, aws.current_invocation())
        self.continuation: Continuation | None = None
        self.replacing = False

    # -- answers -----------------------------------------------------------------------------
    def succeed(self, result: Result) -> None:
        self.responder.answer(_success(self.request, result), self.started)

    def fail(self, reason: str, physical_id: str | None = None) -> None:
        self.responder.answer(_failed(self.event, reason, physical_id), self.started)

    # -- serve: the event's checks, the provider, the deadline -------------------------------
    def serve(self) -> None:
        try:
            self.request = parse_request(self.event)
            self.continuation = Continuation.from_event(self.event)
        except GapfillError as exc:
            logger.warning("malformed event", extra={"phase": "validate", "error": str(exc)})
            self.fail(str(exc))
            return
        request = self.request
        if request.request_type == "Delete" and ids.is_failed_create_id(request.physical_id):
            logger.info("delete of a create that made nothing", extra={"phase": "delete"})
            self.succeed(Result(str(request.physical_id)))
            return
        if not self._resolve():
            return
        started_at = self.continuation.started_at if self.continuation else self.started
        total = min(self.provider_cls.max_wait_seconds, (request.service_timeout or 3600.0) - 5.0)
        self.deadline = Deadline.from_context(
            self.context, started_at=started_at, total_seconds=max(1.0, total)
        )
        self.responder.deadline = self.deadline
        if self.continuation is not None:
            self.responder.existing_id = self.continuation.pending.physical_id
        watchdog = self._start_watchdog()
        try:
            self.operate()
        finally:
            watchdog.cancel()

    def _resolve(self) -> bool:
        """Find the provider class and its schema; False when that failed and was answered."""
        request = self.request
        try:
            self.provider_cls = self.resolve(request.resource_type)
            inline = self.provider_cls.schema_document
            self.schema = (
                ResourceSchema(request.resource_type, inline)
                if inline
                else load_schema(request.resource_type)
            )
        except Exception as exc:  # import errors of provider modules included
            reason = describe_exception(exc)
            logger.error("provider unavailable", extra={"phase": "resolve", "error": reason})
            if request.request_type == "Delete" and isinstance(exc, GapfillError):
                # An unknown type never created anything: let the stack delete cleanly.
                self.succeed(Result(str(request.physical_id)))
                return False
            self.fail(reason, _failure_id(request, None))
            return False
        return True

    def _start_watchdog(self) -> threading.Timer:
        """Answer FAILED just before the Lambda deadline if the work is still stuck in a call."""
        deadline = self.deadline
        delay = max(0.1, deadline.invocation_end - time.time() - max(1.0, deadline.reserve / 2))
        timer = threading.Timer(delay, self._on_deadline)
        timer.daemon = True
        timer.start()
        return timer

    def _on_deadline(self) -> None:
        logger.error("deadline reached while the provider was still working", extra={"phase": "watchdog"})
        reason = (
            "gapfill: the provider did not finish before the Lambda deadline; "
            "answered FAILED so that the stack does not hang"
        )
        # Whatever a Create already made (a Pending's id) is reported so that it is cleaned up.
        pid = _failure_id(self.request, None)
        existing = self.responder.existing_id
        if self.request.request_type == "Create" and existing and not ids.is_failed_create_id(existing):
            pid = existing
        self.fail(reason, pid)

    # -- operate: properties, the provider's call, the answer --------------------------------
    def operate(self) -> None:
        request = self.request
        op_started = time.time()
        try:
            provider = self._provider()
            outcome = self.wait(provider, self._first_outcome(provider))
            if outcome is None:
                return  # handed over to a re-invocation, which will answer
            _check_physical_id(request, outcome, self.replacing)
            logger.info(
                "operation completed",
                extra={
                    "phase": request.request_type.lower(),
                    "duration_ms": round((time.time() - op_started) * 1000, 1),
                },
            )
            self.succeed(outcome)
        except PropertyValidationError as exc:
            logger.warning("invalid properties", extra={"phase": "validate", "errors": exc.errors})
            self.fail(str(exc), _failure_id(request, exc))
        except Exception as exc:
            reason = describe_exception(exc)
            fields = {"phase": request.request_type.lower(), "error": reason}
            if isinstance(exc, GapfillError):
                logger.warning("operation failed", extra=fields)
            else:
                logger.exception("operation failed", extra=fields)
            self.fail(reason, _failure_id(request, exc))

    def _provider(self) -> Provider:
        """Prepared properties (validated unless Delete or resuming), the replacement decision."""
        request, schema, continuation = self.request, self.schema, self.continuation
        strict = request.request_type != "Delete"
        properties = schema.prepare(request.raw_properties, strict=strict and continuation is None)
        old = schema.prepare(request.raw_old_properties, strict=False) if request.raw_old_properties else {}
        redactor.add(schema.write_only_values(properties))
        redactor.add(schema.write_only_values(old))
        if request.request_type == "Update":
            changed = schema.create_only_changes(properties, old)
            self.replacing = bool(changed) if continuation is None else continuation.replacing
            if changed:
                logger.info("replacement", extra={"phase": "update", "createOnlyChanged": changed})
        return self.provider_cls(request, schema, properties, old, self.deadline, replacing=self.replacing)

    def _first_outcome(self, provider: Provider) -> Result | Pending | None:
        if self.continuation is not None:
            return self.continuation.pending
        if self.request.request_type == "Create" or self.replacing:
            return provider.create()
        if self.request.request_type == "Update":
            return provider.update()
        return provider.delete()

    # -- wait: poll while this invocation has time, then hand over ---------------------------
    def wait(self, provider: Provider, outcome: Result | Pending | None) -> Result | None:
        """The finished Result, or None when the waiting was handed over (or already answered)."""
        deadline, responder = self.deadline, self.responder
        backoff = Backoff()
        if self.continuation is not None and isinstance(outcome, Pending):
            outcome = _check(provider, outcome)
        while isinstance(outcome, Pending):
            responder.existing_id = outcome.physical_id
            if deadline.operation_left() <= 0:
                waited = round(time.time() - deadline.started_at)
                message = f"timed out after {waited}s waiting for {outcome.waiting_for}"
                raise DeadlineExceededError(message).with_id(outcome.physical_id)
            interval = outcome.retry_after if outcome.retry_after is not None else backoff.interval()
            interval = min(interval, max(0.0, deadline.operation_left()))
            if responder.answered:
                # The watchdog already answered FAILED while a call hung: a continuation would
                # send a second response, so the work stops here.
                logger.warning("already answered; not continuing the wait", extra={"phase": "wait"})
                return None
            if deadline.invocation_left() < interval + 1.0:
                with made(outcome.physical_id):  # a failed hand-over still names what exists
                    self.hand_over(outcome)
                responder.claim()  # handed over: the re-invocation answers, this one writes no more
                return None
            waiting = {"phase": "wait", "waitingFor": outcome.waiting_for, "sleep_s": round(interval, 2)}
            logger.info("waiting", extra=waiting)
            time.sleep(interval)
            outcome = _check(provider, outcome)
        if outcome is None:
            return Result(str(provider.physical_id))
        return outcome

    def hand_over(self, pending: Pending) -> None:
        """Continue the wait in a new invocation of this function, which will answer."""
        attempt = (self.continuation.attempt if self.continuation else 0) + 1
        if attempt > MAX_CONTINUATIONS:
            raise DeadlineExceededError(
                f"timed out waiting for {pending.waiting_for} ({attempt - 1} re-invocations)"
            ).with_id(pending.physical_id)
        continuation = Continuation(
            started_at=self.deadline.started_at,
            attempt=attempt,
            operation=str(self.event.get("RequestType")),
            pending=pending,
            replacing=self.replacing,
        )
        logger.info(
            "continuing in a new invocation",
            extra={"phase": "wait", "waitingFor": pending.waiting_for, "attempt": attempt},
        )
        _reinvoker(continuation.to_event(self.event), self.context)


def _check(provider: Provider, pending: Pending) -> Result | Pending:
    """Poll once; a failure while waiting still names what was made, for cleanup."""
    with made(pending.physical_id):
        return provider.check(pending)


def _failure_id(request: Request, exc: BaseException | None) -> str:
    """The physical id a FAILED response carries.

    Update and Delete keep the id CloudFormation holds. A Create reports what it already
    made (so CloudFormation's follow-up Delete cleans it up), else the made-nothing marker.
    """
    if request.request_type != "Create" and request.physical_id:
        return request.physical_id
    explicit = getattr(exc, "physical_id", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    return ids.failed_create_id(request.request_id)


def _success(request: Request, result: Result) -> Response:
    return Response(
        status="SUCCESS",
        physical_id=result.physical_id,
        stack_id=request.stack_id,
        request_id=request.request_id,
        logical_id=request.logical_id,
        data=dict(result.data),
        no_echo=result.no_echo,
    )


def _check_physical_id(request: Request, result: Result, replacing: bool) -> None:
    if not result.physical_id:
        raise GapfillError("provider returned an empty physical id")
    if request.request_type == "Update" and not replacing and result.physical_id != request.physical_id:
        raise GapfillError("provider changed the physical id during an in-place update")
    if request.request_type == "Update" and replacing and result.physical_id == request.physical_id:
        raise GapfillError("a replacement must return a new physical id")
