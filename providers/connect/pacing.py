"""The one rate setting of Connect calls, and the client-side token buckets that keep it.

Connect allows 2 requests per second per API and account with a burst of 5 (its default
quota), so every Connect call of the user types passes a token bucket per API at that rate
with one token of slack (and botocore's adaptive retries absorb the rest). The rate is the
directory's ``RequestsPerSecond`` where a template gives one, :data:`DEFAULT_RATE` otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from providers.core.aws import RateLimiter

#: Connect's documented default quota: 2 requests per second per API.
DEFAULT_RATE = 2.0
#: The schema's bounds of ``RequestsPerSecond``.
MIN_RATE, MAX_RATE = 0.1, 1000.0
#: Connect's documented burst for its default quota of 2 requests/s per API: 5 requests.
DOCUMENTED_BURST = 5.0
#: The client-side bucket holds one token less than Connect's and refills at the allowed rate
#: itself. Connect sees each request a little after it was sent, which only gives its bucket
#: more time to refill, so the one-token slack absorbs any variation of network delay up to a
#: full token interval: paced at the documented rate, no request meets an empty bucket.
CLIENT_BURST = DOCUMENTED_BURST - 1.0

_limiters: dict[tuple[str, float], RateLimiter] = {}
_limiters_lock = threading.Lock()

#: ``call(operation, **kwargs)``: one Connect API call, paced, answering a plain dict.
Caller = Callable[..., dict[str, Any]]


def requests_per_second(value: Any = None) -> float:
    """The pace to use: ``value`` (``RequestsPerSecond``) when usable, else the default.

    Create and Update validate it against the schema (0.1 to 1000); Delete and rollback
    events carry properties nobody validated (rule 5), and a removal must not fail on them.
    """
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return DEFAULT_RATE
    return rate if MIN_RATE <= rate <= MAX_RATE else DEFAULT_RATE


def limiter(operation: str, rate: float) -> RateLimiter:
    """The process-wide token bucket of one Connect API (Lambda reuses warm processes)."""
    with _limiters_lock:
        key = (operation, rate)
        found = _limiters.get(key)
        if found is None:
            found = _limiters[key] = RateLimiter(rate, burst=CLIENT_BURST)
        return found


def paced(connect: Any, rate: float) -> Caller:
    """``call(operation, **kwargs)`` on ``connect``, each API held to ``rate``."""

    def call(operation: str, **kwargs: Any) -> dict[str, Any]:
        limiter(operation, rate).acquire()
        return dict(getattr(connect, operation)(**kwargs))

    return call
