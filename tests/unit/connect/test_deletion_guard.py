"""The deletion guard's decision (providers.connect.guard), pure: hypothesis explores every
combination of managed users, rows, deletions and limits (issue 11 item 1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.connect.guard import DeletionGuard, DeletionLimit, Plan, parse_limit

managed_counts = st.integers(min_value=0, max_value=5000)
limits = st.builds(DeletionLimit, st.integers(min_value=0, max_value=6000), st.booleans())


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    managed = draw(managed_counts)
    deletes = draw(st.integers(min_value=0, max_value=managed))
    kept = managed - deletes
    updates = draw(st.integers(min_value=0, max_value=kept))
    creates = draw(st.integers(min_value=0, max_value=5000))
    return Plan(managed, kept + creates, creates, updates, deletes, kept - updates)


@given(plans(), limits, st.booleans())
def test_refused_exactly_when_a_guard_is_exceeded(
    plan: Plan, limit: DeletionLimit, allow_empty: bool
) -> None:
    reason = DeletionGuard(limit, allow_empty).refusal(plan)
    empty_refused = plan.rows == 0 and plan.deletes > 0 and not allow_empty
    over = plan.deletes > limit.allowed(plan.managed) and not (plan.rows == 0 and allow_empty)
    assert (reason is not None) == (empty_refused or over)
    if reason is not None:
        guard = "AllowEmpty" if empty_refused else "MaxDeletions"
        assert reason.startswith(f"{guard}: ")
        assert f"delete {plan.deletes} of {plan.managed} managed users" in reason
        assert str(plan) in reason, "the plan's counts are in the reason"


@given(plans(), limits, st.booleans())
def test_a_plan_that_deletes_nobody_is_never_refused(
    plan: Plan, limit: DeletionLimit, allow_empty: bool
) -> None:
    quiet = Plan(plan.managed, plan.rows + plan.deletes, plan.creates, plan.updates, 0, plan.unchanged)
    assert DeletionGuard(limit, allow_empty).refusal(quiet) is None


@given(plans(), limits, st.integers(min_value=1, max_value=100))
def test_more_deletions_never_turn_a_refusal_into_an_acceptance(
    plan: Plan, limit: DeletionLimit, more: int
) -> None:
    guard = DeletionGuard(limit)
    worse = Plan(
        plan.managed + more, plan.rows, plan.creates, plan.updates, plan.deletes + more, plan.unchanged
    )
    if guard.refusal(plan) is not None and plan.rows > 0:
        assert guard.refusal(worse) is not None


@given(managed_counts, st.integers(min_value=0, max_value=100))
def test_a_percent_allows_its_share_and_at_least_one(managed: int, percent: int) -> None:
    allowed = DeletionLimit(percent, True).allowed(managed)
    assert allowed <= managed
    assert allowed == min(managed, max(1, managed * percent // 100))
    assert DeletionLimit(100, True).allowed(managed) == managed


@given(plans())
def test_the_default_refuses_deleting_everyone_of_a_team_of_more_than_one(plan: Plan) -> None:
    everyone = Plan(plan.managed, plan.creates, plan.creates, 0, plan.managed, 0)
    reason = DeletionGuard().refusal(everyone)
    assert (reason is not None) == (plan.managed >= 2 or (plan.managed == 1 and plan.creates == 0))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10", DeletionLimit(10, False)),
        (10, DeletionLimit(10, False)),
        ("25%", DeletionLimit(25, True)),
        ("100%", DeletionLimit(100, True)),
        ("0", DeletionLimit(0, False)),
        (None, DeletionLimit(25, True)),
        (True, DeletionLimit(25, True)),
        ("²", DeletionLimit(25, True)),
        ("1e3", DeletionLimit(25, True)),
        ("-1", DeletionLimit(25, True)),
    ],
)
def test_limits_parse_from_a_number_or_a_percent(value: object, expected: DeletionLimit) -> None:
    assert parse_limit(value) == expected
