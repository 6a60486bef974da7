"""boto3 clients shaped for custom resources.

Adaptive retries absorb throttling (Connect allows about 2 requests per second per API),
short connect/read timeouts keep a stuck call from eating the Lambda deadline, and the
standard ``AWS_ENDPOINT_URL`` lets the same code talk to moto server in tests.
Clients are cached per process because Lambda reuses warm environments.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any

USER_AGENT = "gapfill/0.1"


@functools.cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


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
        made = _session().client(service, region_name=region, config=config, **_env_credentials())
        _clients[key] = made
        return made


def _env_credentials() -> dict[str, str | None]:
    """The environment's credentials, read per client: the default chain reads them first too,
    but only once per session, and the local harness signs each function with its role's key."""
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return {}
    return {
        "aws_access_key_id": key,
        "aws_secret_access_key": secret,
        "aws_session_token": os.environ.get("AWS_SESSION_TOKEN"),
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
