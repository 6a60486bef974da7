"""``Custom::ConnectUserDirectory`` over HTTP against the emulator: bulk syncs, exactly-one
update on re-run, throttling, bad rows by line number, users it does not manage left alone,
resuming after a partial failure and across re-invocations."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from gapfill.emulator.connect import backend
from providers.connect.directory import OWNER_TAG
from providers.connect.user_directory import parse_physical_id
from tests.integration.connect.connect_setup import knobs

TYPE = "Custom::ConnectUserDirectory"
HEADER = ["Username", "FirstName", "LastName", "Email", "RoutingProfile", "SecurityProfiles"]
OUTSIDER = {"FirstName": "Out", "LastName": "Outside", "Email": "out@example.com"}


def counts() -> dict[str, int]:
    return dict(backend().call_counts)


def delta(before: dict[str, int], op: str) -> int:
    return counts().get(op, 0) - before.get(op, 0)


@pytest.fixture
def world(aws: Callable[[str], Any], unique: Callable[[str], str]) -> dict[str, Any]:
    connect = aws("connect")
    made = connect.create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("dir"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    bucket = unique("agent-dir")
    aws("s3").create_bucket(Bucket=bucket)
    return {"instance_arn": made["Arn"], "instance_id": made["Id"], "bucket": bucket}


def rows_for(prefix: str, n: int, last: str = "Agent") -> list[list[str]]:
    return [
        [f"{prefix}{i:04}", f"First{i}", last, f"{prefix}{i}@example.com", "Basic Routing Profile", "Agent"]
        for i in range(n)
    ]


def upload(
    aws: Callable[[str], Any], bucket: str, key: str, rows: list[list[str]], header: list[str] = HEADER
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    aws("s3").put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())


def props(world: dict[str, Any], key: str, **extra: Any) -> dict[str, Any]:
    return {"InstanceArn": world["instance_arn"], "Bucket": world["bucket"], "Key": key, **extra}


def managed(aws: Callable[[str], Any], physical_id: str) -> dict[str, dict[str, Any]]:
    parsed = parse_physical_id(physical_id)
    assert parsed is not None
    users: dict[str, dict[str, Any]] = {}
    token = None
    while True:
        kwargs: dict[str, Any] = {
            "InstanceId": parsed[0],
            "MaxResults": 500,
            "SearchFilter": {"TagFilter": {"TagCondition": {"TagKey": OWNER_TAG, "TagValue": parsed[1]}}},
        }
        if token:
            kwargs["NextToken"] = token
        page = aws("connect").search_users(**kwargs)
        users.update({u["Username"]: u for u in page["Users"]})
        token = page.get("NextToken")
        if not token:
            return users


def test_a_thousand_agents_sync_and_a_rerun_with_one_changed_row_costs_one_update(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    rows = rows_for("bulk", 1000)
    upload(aws, world["bucket"], "agents/all.csv", rows)
    p = props(world, "agents/all.csv", RequestsPerSecond=1000)
    created = cfn.create(TYPE, p)
    assert created.ok, created.reason
    assert created.data["Created"] == 1000
    assert created.data["Failed"] == 0
    assert len(managed(aws, created.physical_id)) == 1000
    mapping = json.loads(
        aws("s3").get_object(Bucket=world["bucket"], Key=created.data["MappingObjectKey"])["Body"].read()
    )
    assert created.data["MappingObjectKey"] == "agents/all.mapping.json"
    assert len(mapping["Users"]) == 1000
    some = mapping["Users"]["bulk0500"]
    assert (
        aws("connect").describe_user(InstanceId=world["instance_id"], UserId=some["UserId"])["User"]["Arn"]
        == some["UserArn"]
    )
    assert len(json.dumps(created.body)) < 1000, "Data must hold counts and a pointer, not users"

    rows[500][2] = "Renamed"
    upload(aws, world["bucket"], "agents/all2.csv", rows)
    before = counts()
    new = props(world, "agents/all2.csv", RequestsPerSecond=1000)
    updated = cfn.update(TYPE, created.physical_id, new, p)
    assert updated.ok, updated.reason
    assert (updated.data["Updated"], updated.data["Unchanged"], updated.data["Created"]) == (1, 999, 0)
    writes = {
        op: delta(before, op)
        for op in counts()
        if op.startswith(("update_user", "create_", "delete_", "tag_", "untag_"))
    }
    assert {op: n for op, n in writes.items() if n} == {"update_user_identity_info": 1}
    assert managed(aws, created.physical_id)["bulk0500"]["IdentityInfo"]["LastName"] == "Renamed"

    before = counts()
    assert cfn.delete(TYPE, created.physical_id, new).ok
    assert delta(before, "delete_user") == 1000
    assert managed(aws, created.physical_id) == {}


def test_a_throttled_emulator_still_completes(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    upload(aws, world["bucket"], "t.csv", rows_for("thr", 30))
    with knobs(throttle_rate_scale=10.0, throttle_burst_scale=0.4) as live:
        throttled_before = live.throttled_count
        p = props(world, "t.csv", RequestsPerSecond=20)
        answer = cfn.create(TYPE, p)
        assert answer.ok, answer.reason
        assert answer.data["Created"] == 30
        assert len(managed(aws, answer.physical_id)) == 30
        assert live.throttled_count - throttled_before < 30, "the client-side limiter keeps under the rate"
        assert cfn.delete(TYPE, answer.physical_id, p).ok
    assert managed(aws, answer.physical_id) == {}


def test_near_connects_real_rate_with_a_few_rows(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    upload(aws, world["bucket"], "slow.csv", rows_for("slow", 4))
    with knobs(throttle_rate_scale=1.0):
        answer = cfn.create(TYPE, props(world, "slow.csv", RequestsPerSecond=2))
        assert answer.ok, answer.reason
        assert answer.data["Created"] == 4
        assert cfn.delete(TYPE, answer.physical_id, props(world, "slow.csv")).ok
    assert managed(aws, answer.physical_id) == {}


def test_bad_rows_are_reported_by_line_number_and_nothing_is_written(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    rows = rows_for("bad", 5)
    rows[1][3] = "not-an-email"
    rows[3][4] = "No Such Profile"
    upload(aws, world["bucket"], "bad.csv", rows)
    before = counts()
    answer = cfn.create(TYPE, props(world, "bad.csv"))
    assert answer.status == "FAILED"
    assert "line 3: Email 'not-an-email' is not an email address" in answer.reason
    assert "line 5: RoutingProfile: routing profile 'No Such Profile' not found" in answer.reason
    assert "Key: s3://" in answer.reason
    assert delta(before, "create_user") == 0
    assert cfn.delete(TYPE, answer.physical_id, props(world, "bad.csv")).ok


def test_users_it_does_not_manage_are_never_touched(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    connect = aws("connect")
    iid = world["instance_id"]
    profile = connect.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"][0]["Id"]
    security = connect.list_security_profiles(InstanceId=iid)["SecurityProfileSummaryList"][0]["Id"]

    def outsider(name: str) -> str:
        return connect.create_user(
            InstanceId=iid,
            Username=name,
            Password="Outsider1x",
            IdentityInfo=OUTSIDER,
            PhoneConfig={"PhoneType": "SOFT_PHONE"},
            SecurityProfileIds=[security],
            RoutingProfileId=profile,
        )["UserId"]

    alone = outsider("outsider")
    clash = outsider("own0001")  # same username as a CSV row
    upload(aws, world["bucket"], "own.csv", rows_for("own", 3))
    answer = cfn.create(TYPE, props(world, "own.csv", FailureTolerance=1))
    assert answer.ok, answer.reason
    assert (answer.data["Created"], answer.data["Failed"]) == (2, 1)
    assert sorted(managed(aws, answer.physical_id)) == ["own0000", "own0002"]
    assert cfn.delete(TYPE, answer.physical_id, props(world, "own.csv")).ok
    for user_id in (alone, clash):
        user = connect.describe_user(InstanceId=iid, UserId=user_id)["User"]
        assert user["IdentityInfo"] == OUTSIDER
        assert OWNER_TAG not in user["Tags"]
    strict = cfn.create(TYPE, props(world, "own.csv"), logical_id="Strict")
    assert strict.status == "FAILED"
    assert "own0001" in strict.reason
    assert "not managed by this directory" in strict.reason
    assert cfn.delete(TYPE, strict.physical_id, props(world, "own.csv"), logical_id="Strict").ok
    assert connect.describe_user(InstanceId=iid, UserId=clash)["User"]["Username"] == "own0001"


def test_resuming_after_a_partial_failure_does_only_the_rest(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from providers.core.aws import reset_clients

    upload(aws, world["bucket"], "partial.csv", rows_for("part", 12))
    p = props(world, "partial.csv", RequestsPerSecond=1000, FailureTolerance=100)
    monkeypatch.setenv("GAPFILL_MAX_ATTEMPTS", "1")  # one attempt in total: throttled creates fail
    reset_clients()
    with knobs(throttle_rate_scale=2.0, throttle_burst_scale=0.2):
        first = cfn.create(TYPE, p)
    monkeypatch.delenv("GAPFILL_MAX_ATTEMPTS")
    reset_clients()
    assert first.ok, first.reason
    made, failed = first.data["Created"], first.data["Failed"]
    assert failed > 0
    assert made + failed == 12
    assert len(managed(aws, first.physical_id)) == made

    before = counts()
    again = cfn.update(TYPE, first.physical_id, {**p, "RequestsPerSecond": 999}, p)
    assert again.ok, again.reason
    assert (again.data["Created"], again.data["Unchanged"], again.data["Failed"]) == (failed, made, 0)
    assert delta(before, "create_user") == failed
    assert len(managed(aws, first.physical_id)) == 12
    assert cfn.delete(TYPE, first.physical_id, p).ok


def test_a_long_sync_continues_in_re_invocations(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    upload(aws, world["bucket"], "long.csv", rows_for("long", 20))
    cfn.function_timeout = 6.0
    p = props(world, "long.csv", RequestsPerSecond=3)
    answer = cfn.create(TYPE, p)
    assert answer.ok, answer.reason
    assert answer.invocations > 1, "the sync should have handed over at least once"
    assert answer.data["Created"] == 20
    assert answer.data["Unchanged"] == 0, "work done before a hand-over must not be counted twice"
    mapping = json.loads(
        aws("s3").get_object(Bucket=world["bucket"], Key=answer.data["MappingObjectKey"])["Body"].read()
    )
    assert len(mapping["Users"]) == 20
    removed = cfn.delete(TYPE, answer.physical_id, p)
    assert removed.ok, removed.reason
    assert removed.invocations > 1
    assert managed(aws, answer.physical_id) == {}
    assert os.environ.get("GAPFILL_MAX_ATTEMPTS") is None


def test_passwords_are_in_secrets_manager_and_nowhere_else(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any], logs: Any
) -> None:
    upload(aws, world["bucket"], "pw.csv", rows_for("pw", 3))
    answer = cfn.create(TYPE, props(world, "pw.csv"))
    assert answer.ok, answer.reason
    live = backend()
    store = live.agent_store[world["instance_id"]]
    sm = aws("secretsmanager")
    for i in range(3):
        name = f"pw{i:04}"
        secret = json.loads(
            sm.get_secret_value(SecretId=answer.data["PasswordSecretPrefix"] + name)["SecretString"]
        )
        user = next(u for u in store.users.values() if u.username == name)
        assert secret["Password"] == user.password, "the stored password must be the one Connect has"
        assert secret["Password"] not in logs.text
        assert secret["Password"] not in answer.puts[0].raw.decode()
    assert cfn.delete(TYPE, answer.physical_id, props(world, "pw.csv")).ok
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.describe_secret(SecretId=answer.data["PasswordSecretPrefix"] + "pw0000")
    with pytest.raises(aws("s3").exceptions.ClientError):
        aws("s3").head_object(Bucket=world["bucket"], Key=answer.data["MappingObjectKey"])


@pytest.mark.parametrize("rate", ["fast", "-1", ["2"]])
def test_delete_works_whatever_requests_per_second_the_stale_properties_carry(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any], rate: Any
) -> None:
    """Rule 5: Delete properties are never validated, so an unusable pace must not stop it."""
    upload(aws, world["bucket"], "stale.csv", rows_for("stale", 2))
    p = props(world, "stale.csv", RequestsPerSecond=1000)
    created = cfn.create(TYPE, p)
    assert created.ok, created.reason
    assert len(managed(aws, created.physical_id)) == 2
    removed = cfn.delete(TYPE, created.physical_id, {**p, "RequestsPerSecond": rate})
    assert removed.ok, removed.reason
    assert managed(aws, created.physical_id) == {}


def test_a_mapping_key_holding_someone_elses_object_is_refused_before_any_user_is_made(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    """Rule 6: the mapping JSON is written only where this directory wrote it before (or
    where nothing is); an object of the same key uploaded by someone else stays as it is."""
    s3 = aws("s3")
    upload(aws, world["bucket"], "theirs/agents.csv", rows_for("mapx", 2))
    s3.put_object(Bucket=world["bucket"], Key="theirs/agents.mapping.json", Body=b"their notes")
    p = props(world, "theirs/agents.csv", RequestsPerSecond=1000)
    refused = cfn.create(TYPE, p)
    assert not refused.ok
    assert "MappingKey" in refused.reason
    assert "theirs/agents.mapping.json" in refused.reason
    assert refused.physical_id.startswith("gapfill-create-failed-"), "no user may be made"
    body = s3.get_object(Bucket=world["bucket"], Key="theirs/agents.mapping.json")["Body"].read()
    assert body == b"their notes"
    assert cfn.delete(TYPE, refused.physical_id, p).ok
    owned = props(world, "theirs/agents.csv", RequestsPerSecond=1000, MappingKey="theirs/ours.json")
    created = cfn.create(TYPE, owned)
    assert created.ok, created.reason
    assert created.data["Created"] == 2
    again = cfn.update(TYPE, created.physical_id, owned, owned)
    assert again.ok, again.reason
    assert cfn.delete(TYPE, created.physical_id, owned).ok
    assert s3.get_object(Bucket=world["bucket"], Key="theirs/agents.mapping.json")["Body"].read() == body


# -- the deletion guard (issue 11 item 1) -------------------------------------------------------


def _ten_agents(cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    upload(aws, world["bucket"], "agents/all.csv", rows_for("keep", 10))
    p = props(world, "agents/all.csv", RequestsPerSecond=1000)
    created = cfn.create(TYPE, p)
    assert created.ok, created.reason
    assert len(managed(aws, created.physical_id)) == 10
    return created, p


def test_a_header_only_csv_is_refused_and_deletes_nobody(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    created, old = _ten_agents(cfn, aws, world)
    upload(aws, world["bucket"], "agents/broken.csv", [])
    new = {**old, "Key": "agents/broken.csv"}
    before = counts()
    answer = cfn.update(TYPE, created.physical_id, new, old)
    assert answer.status == "FAILED"
    assert "AllowEmpty" in answer.reason
    assert "delete 10 of 10 managed" in answer.reason
    assert delta(before, "delete_user") == 0
    assert len(managed(aws, created.physical_id)) == 10


def test_a_short_wrong_csv_is_refused_by_max_deletions(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    created, old = _ten_agents(cfn, aws, world)
    upload(aws, world["bucket"], "agents/new-hires.csv", rows_for("hire", 1))
    new = {**old, "Key": "agents/new-hires.csv"}
    before = counts()
    answer = cfn.update(TYPE, created.physical_id, new, old)
    assert answer.status == "FAILED"
    assert "MaxDeletions" in answer.reason
    assert "create 1, update 0, delete 10, unchanged 0" in answer.reason
    assert delta(before, "delete_user") == 0
    assert delta(before, "create_user") == 0
    assert len(managed(aws, created.physical_id)) == 10


def test_the_template_can_allow_the_deletions_explicitly(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    created, old = _ten_agents(cfn, aws, world)
    upload(aws, world["bucket"], "agents/new-hires.csv", rows_for("hire", 1))
    new = {**old, "Key": "agents/new-hires.csv", "MaxDeletions": "100%"}
    answer = cfn.update(TYPE, created.physical_id, new, old)
    assert answer.ok, answer.reason
    assert (answer.data["Deleted"], answer.data["Created"]) == (10, 1)
    assert (answer.data["ManagedBefore"], answer.data["PlannedDeletions"]) == (10, 10)
    upload(aws, world["bucket"], "agents/empty.csv", [], header=HEADER)
    emptied = {**new, "Key": "agents/empty.csv", "AllowEmpty": "true"}
    answer = cfn.update(TYPE, created.physical_id, emptied, new)
    assert answer.ok, answer.reason
    assert answer.data["Deleted"] == 1
    assert managed(aws, created.physical_id) == {}


def test_a_few_leavers_within_the_default_share_are_deleted(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    created, old = _ten_agents(cfn, aws, world)
    upload(aws, world["bucket"], "agents/all-v2.csv", rows_for("keep", 8))
    answer = cfn.update(TYPE, created.physical_id, {**old, "Key": "agents/all-v2.csv"}, old)
    assert answer.ok, answer.reason
    assert answer.data["Deleted"] == 2


def test_a_4301_digit_number_is_failed_with_its_path_and_the_delete_still_works(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    """Issue 11 item 10: int() of more than 4300 digits raises; the path must be named instead,
    and a Delete carrying the same properties must still remove what the physical id names."""
    upload(aws, world["bucket"], "agents/big.csv", rows_for("big", 2))
    good = props(world, "agents/big.csv", RequestsPerSecond=1000)
    created = cfn.create(TYPE, good)
    assert created.ok, created.reason
    huge = {**good, "FailureTolerance": "9" * 4301, "RequestsPerSecond": "9" * 4301}
    refused = cfn.create(TYPE, huge)
    assert refused.status == "FAILED"
    assert refused.reason.startswith("FailureTolerance: ")
    assert "RequestsPerSecond: " in refused.reason
    assert cfn.delete(TYPE, created.physical_id, huge).ok
    assert managed(aws, created.physical_id) == {}


def test_a_resync_with_after_contact_work_limits_makes_no_update_call(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    """SearchUsers answers AfterContactWorkTimeLimit in milliseconds; rows hold seconds."""
    header = [*HEADER, "PhoneType", "AfterContactWorkTimeLimit"]
    rows = [[*row, "SOFT_PHONE", str(30 + i)] for i, row in enumerate(rows_for("acw", 4))]
    upload(aws, world["bucket"], "acw/one.csv", rows, header)
    upload(aws, world["bucket"], "acw/two.csv", rows, header)
    first = props(world, "acw/one.csv", RequestsPerSecond=1000)
    created = cfn.create(TYPE, first)
    assert created.ok, created.reason
    assert created.data["Created"] == 4
    before = counts()
    again = props(world, "acw/two.csv", RequestsPerSecond=1000)
    resynced = cfn.update(TYPE, created.physical_id, again, first)
    assert resynced.ok, resynced.reason
    assert (resynced.data["Unchanged"], resynced.data["Updated"]) == (4, 0)
    assert {op: delta(before, op) for op in counts() if op.startswith("update_user")} == {
        op: 0 for op in counts() if op.startswith("update_user")
    }
    assert cfn.delete(TYPE, created.physical_id, again).ok
