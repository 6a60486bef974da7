"""The directory sync's own logic (providers/connect/sync.py): SearchUsers summaries read in
seconds, counts and plans, the state a re-invocation carries, and the walk's cursor."""

from __future__ import annotations

from providers.connect.directory import Change, DesiredUser, RowError
from providers.connect.sync import (
    AgentDirectory,
    Counts,
    Progress,
    SyncConfig,
    count_plan,
    from_search,
    summarise_errors,
)


def desired(username: str) -> DesiredUser:
    return DesiredUser(
        line=2,
        username=username,
        identity={"FirstName": "Jane", "LastName": "Doe"},
        phone={"PhoneType": "SOFT_PHONE", "AutoAccept": False, "AfterContactWorkTimeLimit": 0},
        routing_profile_id="rp-1",
        security_profile_ids=frozenset({"sp-1"}),
        hierarchy_group_id=None,
    )


def summary(acw: int | None, username: str = "jane") -> dict[str, object]:
    phone: dict[str, object] = {"PhoneType": "SOFT_PHONE", "AutoAccept": False}
    if acw is not None:
        phone["AfterContactWorkTimeLimit"] = acw
    return {
        "Id": f"u-{username}",
        "Arn": f"arn:aws:connect:us-east-1:123456789012:instance/i/agent/u-{username}",
        "Username": username,
        "IdentityInfo": {"FirstName": "Jane", "LastName": "Doe"},
        "PhoneConfig": phone,
        "RoutingProfileId": "rp-1",
        "SecurityProfileIds": ["sp-1"],
        "Tags": {},
    }


def test_milliseconds_become_seconds() -> None:
    assert from_search(summary(45_000)).phone["AfterContactWorkTimeLimit"] == 45


def test_zero_and_missing_stay_as_they_are() -> None:
    assert from_search(summary(0)).phone["AfterContactWorkTimeLimit"] == 0
    assert from_search(summary(None)).phone == from_search(summary(0)).phone


# -- the sync's own logic: counts, plans, state, and the walk's cursor -------------------------
def test_counts_survive_the_round_trip_through_state() -> None:
    counts = Counts(created=3, updated=2, deleted=1, unchanged=7, failed=1)
    assert Counts.from_data(counts.as_data()) == counts
    assert Counts.from_data(None) == Counts()
    assert str(counts) == "Created 3, Updated 2, Deleted 1, Unchanged 7, Failed 1"


def test_the_plan_counts_each_action_and_what_is_managed() -> None:
    want_a, want_b = desired("a"), desired("b")
    changes = [
        Change("a", "create", desired=want_a),
        Change("b", "update", want_b, from_search(summary(0, "b")), ("phone",)),
        Change("c", "delete", actual=from_search(summary(0, "c"))),
        Change("d", "unchanged", desired("d"), from_search(summary(0, "d"))),
    ]
    plan = count_plan(changes)
    assert (plan.managed, plan.rows) == (3, 3)
    assert (plan.creates, plan.updates, plan.deletes, plan.unchanged) == (1, 1, 1, 1)


def test_errors_are_summarised_with_a_count_of_what_is_not_shown() -> None:
    errors = [RowError(n, "bad") for n in range(2, 32)]
    text = summarise_errors(errors, limit=3)
    assert text.startswith("the agent directory has 30 problem(s): line 2: bad; line 3: bad; line 4: bad")
    assert text.endswith("; and 27 more")


def _walker(time_left: float) -> AgentDirectory:
    """A directory whose walk never reaches AWS: the clients are placeholders no test calls."""
    return AgentDirectory(
        SyncConfig(instance_id="i-1", owner="owner"),
        lambda _name: object(),
        lambda: time_left,
        lambda _values: None,
    )


def test_the_walk_hands_over_before_a_write_when_time_is_short_and_keeps_the_mapping() -> None:
    same = [Change(k, "unchanged", desired(k), from_search(summary(0, k))) for k in ("a", "b")]
    todo = [*same, Change("c", "create", desired=desired("c"))]
    progress = _walker(time_left=0.0).apply(todo, {"plan": {"Rows": 3}})
    assert not progress.done
    assert progress.cursor == "b"  # unchanged rows cost no call, so they are walked anyway
    assert progress.remaining == 1
    assert progress.counts.unchanged == 2
    assert sorted(progress.mapping) == ["a", "b"]
    assert progress.state["plan"] == {"Rows": 3}


def test_a_continuation_skips_what_the_cursor_passed_but_keeps_it_in_the_mapping() -> None:
    changes = [Change(k, "unchanged", desired(k), from_search(summary(0, k))) for k in ("a", "b", "c")]
    state = Progress(done=False, counts=Counts(unchanged=2), cursor="b").state
    progress = _walker(time_left=60.0).apply(changes, state)
    assert progress.done
    assert progress.counts.unchanged == 3  # two from the state, one walked now
    assert sorted(progress.mapping) == ["a", "b", "c"]
