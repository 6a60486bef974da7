"""providers/core/deadline.py: the invocation's and the operation's time budgets (rules 1 and 8)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from providers.core.deadline import DEFAULT_RESERVE_SECONDS, Backoff, Deadline


class Context:
    def __init__(self, millis: Any) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> Any:
        return self.millis


def test_the_reserve_is_kept_out_of_the_invocation_time() -> None:
    started = time.time()
    deadline = Deadline.from_context(Context(300_000), started_at=started, total_seconds=3600)
    assert deadline.reserve == DEFAULT_RESERVE_SECONDS
    assert 300 - DEFAULT_RESERVE_SECONDS - 1 < deadline.invocation_left() <= 300 - DEFAULT_RESERVE_SECONDS
    assert 3599 < deadline.operation_left() <= 3600
    assert deadline.send_budget() > deadline.invocation_left()  # the reserve is for sending


def test_a_short_lambda_keeps_a_quarter_for_the_answer_and_never_less_than_half_a_second() -> None:
    short = Deadline.from_context(Context(4_000), started_at=time.time(), total_seconds=3600)
    assert short.reserve == pytest.approx(1.0)
    tiny = Deadline.from_context(Context(1_000), started_at=time.time(), total_seconds=3600)
    assert tiny.reserve == pytest.approx(0.5)


@pytest.mark.parametrize("context", [object(), Context("soon"), Context(None)])
def test_a_context_without_a_usable_clock_is_taken_as_lambdas_maximum(context: Any) -> None:
    deadline = Deadline.from_context(context, started_at=time.time(), total_seconds=3600)
    assert 900 - DEFAULT_RESERVE_SECONDS - 1 < deadline.invocation_left() <= 900 - DEFAULT_RESERVE_SECONDS


def test_the_operation_clock_starts_with_the_first_invocation() -> None:
    earlier = time.time() - 3000  # a continuation: the operation began 50 minutes ago
    deadline = Deadline.from_context(Context(900_000), started_at=earlier, total_seconds=3600)
    assert 599 < deadline.operation_left() <= 600
    assert deadline.operation_left() < deadline.invocation_left()


def test_the_reserve_can_be_set_and_a_bad_value_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAPFILL_RESERVE_SECONDS", "2")
    assert Deadline.from_context(Context(300_000), started_at=time.time(), total_seconds=60).reserve == 2.0
    monkeypatch.setenv("GAPFILL_RESERVE_SECONDS", "two")
    assert Deadline.from_context(Context(300_000), started_at=time.time(), total_seconds=60).reserve == 8.0


def test_backoff_grows_to_its_cap() -> None:
    backoff = Backoff(initial=0.5, cap=2.0, factor=2.0)
    assert [backoff.interval() for _ in range(5)] == [0.5, 1.0, 2.0, 2.0, 2.0]


def test_backoff_defaults_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAPFILL_POLL_INITIAL_SECONDS", "0.25")
    monkeypatch.setenv("GAPFILL_POLL_MAX_SECONDS", "0.3")
    backoff = Backoff()
    assert [backoff.interval() for _ in range(3)] == [0.25, 0.3, 0.3]
