"""boto3 clients shaped for custom resources.

Adaptive retries absorb throttling (Connect allows about 2 requests per second per API),
short connect/read timeouts keep a stuck call from eating the Lambda deadline, and the
standard ``AWS_ENDPOINT_URL`` lets the same code talk to moto server in tests.
Clients are cached per process because Lambda reuses warm environments. They are botocore's
own (what ``boto3.client`` returns too): boto3's layer on top (resources, S3 transfers) is
never used by a provider and costs a cold start about 20 ms of imports, so it is not loaded.

Nothing after the answer (protocol rule 11): every client carries a ``before-call`` hook
that refuses any operation but a read once the invocation running on this thread has
answered (the watchdog answered FAILED while a call hung, or the work was handed over).
Enforced here, where the clients are made, so no provider can forget it.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any

from providers import __version__

#: In every AWS call (CloudTrail's userAgent): which gapfill release made it.
USER_AGENT = f"gapfill/{__version__}"
#: Operation name prefixes that only read; everything else counts as a write.
READ_PREFIXES = ("Get", "Describe", "List", "Search", "Head", "Lookup", "BatchGet", "Select")


class WriteAfterAnswerError(RuntimeError):
    """An AWS write attempted after the invocation answered; it was not sent."""


class Invocation:
    """One invocation's answered flag, shared with its watchdog thread."""

    def __init__(self) -> None:
        self._answered = threading.Event()

    @property
    def answered(self) -> bool:
        return self._answered.is_set()

    def mark_answered(self) -> None:
        self._answered.set()


_current = threading.local()


def begin_invocation() -> Invocation:
    """Start an invocation on this thread (the engine calls this once per event)."""
    invocation = Invocation()
    _current.invocation = invocation
    return invocation


def current_invocation() -> Invocation | None:
    return getattr(_current, "invocation", None)


def end_invocation() -> None:
    _current.invocation = None


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def _refuse_after_answer(model: Any, **_: Any) -> None:
    invocation = current_invocation()
    if invocation is not None and invocation.answered and not is_read(model.name):
        from providers.core.log import logger

        service = model.service_model.service_name
        logger.error(
            "AWS write refused after the answer",
            extra={"phase": "after-answer", "operation": f"{service}.{model.name}"},
        )
        raise WriteAfterAnswerError(f"{service}.{model.name} refused: this invocation has already answered")


@functools.cache
def _session() -> Any:
    """One botocore session per process: its loaders cache the service models it has read."""
    import botocore.session

    return botocore.session.Session()


_clients: dict[tuple[str, str | None, str | None, str | None], Any] = {}
_lock = threading.Lock()


def client(service: str, region: str | None = None) -> Any:
    """A cached boto3 client with adaptive retries and bounded timeouts."""
    from botocore.config import Config

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    access_key = os.environ.get("AWS_ACCESS_KEY_ID")
    key = (service, region, endpoint, access_key)
    with _lock:
        cached = _clients.get(key)
        if cached is not None:
            return cached
        config = Config(
            retries={
                "mode": "adaptive",
                "total_max_attempts": max(1, int(os.environ.get("GAPFILL_MAX_ATTEMPTS", "8"))),
            },
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra=USER_AGENT,
        )
        new = _session().create_client(service, region_name=region, config=config, **_env_credentials())
        new.meta.events.register("before-call", _refuse_after_answer, unique_id="gapfill-after-answer")
        _clients[key] = new
        return new


def _env_credentials() -> dict[str, str | None]:
    """The environment's credentials, read per client: the default chain reads them first too,
    but only once per session, and the local harness signs each function with its role's key."""
    from botocore.credentials import EnvProvider  # the SDK's own reader of the variables

    found = EnvProvider().load()
    if found is None:
        return {}
    frozen = found.get_frozen_credentials()
    return {
        "aws_access_key_id": frozen.access_key,
        "aws_secret_access_key": frozen.secret_key,
        "aws_session_token": frozen.token,
    }


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between emulators)."""
    with _lock:
        _clients.clear()


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, or ''."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


class RateLimiter:
    """Client-side token bucket: stay under an API's documented rate instead of bouncing
    off throttling errors (the adaptive retry mode then only handles the rest)."""

    def __init__(self, rate_per_second: float, burst: float = 1.0) -> None:
        self.rate = rate_per_second
        self.capacity = max(1.0, burst)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return
                wait = (1.0 - self.tokens) / self.rate
            time.sleep(wait)
