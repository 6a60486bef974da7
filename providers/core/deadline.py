"""Time budgets (protocol rules 1 and 8).

An invocation must answer before the Lambda deadline and before CloudFormation's
``ServiceTimeout``. Waiting for asynchronous AWS work polls with short, backed-off intervals
while time remains, and otherwise hands over to a re-invocation of the function.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Protocol


class LambdaContextLike(Protocol):
    """The part of the Lambda context object the core uses."""

    def get_remaining_time_in_millis(self) -> int: ...


#: Seconds kept in reserve to send the response (with its retries) and log.
DEFAULT_RESERVE_SECONDS = 8.0


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass
class Deadline:
    """Wall-clock limits of this invocation and of the whole operation."""

    invocation_end: float
    operation_end: float
    reserve: float
    started_at: float

    @classmethod
    def from_context(cls, context: Any, *, started_at: float, total_seconds: float) -> Deadline:
        now = time.time()
        remaining = 900.0
        getter = getattr(context, "get_remaining_time_in_millis", None)
        if callable(getter):
            try:
                remaining = float(getter()) / 1000.0
            except (TypeError, ValueError):
                remaining = 900.0
        reserve = _float_env("GAPFILL_RESERVE_SECONDS", DEFAULT_RESERVE_SECONDS)
        reserve = min(reserve, max(0.5, remaining * 0.25))
        return cls(
            invocation_end=now + remaining,
            operation_end=started_at + total_seconds,
            reserve=reserve,
            started_at=started_at,
        )

    def invocation_left(self) -> float:
        """Seconds this invocation may still work before it must answer or hand over."""
        return self.invocation_end - self.reserve - time.time()

    def operation_left(self) -> float:
        """Seconds until the whole operation (across re-invocations) must have finished."""
        return self.operation_end - time.time()

    def send_budget(self) -> float:
        """Seconds left for sending the response, reserve included."""
        return self.invocation_end - time.time() - 0.5


class Backoff:
    """Polling intervals: short first (an operation that finishes quickly is seen quickly),
    then growing to a cap, so long waits do not hammer rate-limited APIs."""

    def __init__(self, initial: float | None = None, cap: float | None = None, factor: float = 1.6) -> None:
        self.next = initial if initial is not None else _float_env("GAPFILL_POLL_INITIAL_SECONDS", 0.5)
        self.cap = cap if cap is not None else _float_env("GAPFILL_POLL_MAX_SECONDS", 10.0)
        self.factor = factor

    def interval(self) -> float:
        current = self.next
        self.next = min(self.cap, self.next * self.factor)
        return current
