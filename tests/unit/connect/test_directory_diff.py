"""The diff: which rows cost a write, and which calls a change needs."""

from __future__ import annotations

from typing import Any

import pytest

from providers.connect.directory import (
    ActualUser,
    DesiredUser,
    changed_parts,
    diff,
    identity_digest,
    mapping_document,
    parse_csv,
    resolve_rows,
)
from providers.core.tag_keys import IDENTITY_DIGEST as DIGEST_TAG


def desired(username: str = "jane", **over: Any) -> DesiredUser:
    fields: dict[str, Any] = {
        "line": 2,
        "username": username,
        "identity": {"FirstName": "Jane", "LastName": "Doe", "Email": f"{username}@example.com"},
        "phone": {"PhoneType": "SOFT_PHONE", "AutoAccept": False, "AfterContactWorkTimeLimit": 0},
        "routing_profile_id": "rp-1",
        "security_profile_ids": frozenset({"sp-1"}),
        "hierarchy_group_id": None,
    }
    fields.update(over)
    return DesiredUser(**fields)


def actual_of(want: DesiredUser, **over: Any) -> ActualUser:
    item: dict[str, Any] = {
        "Id": f"id-{want.username}",
        "Arn": f"arn:aws:connect:us-east-1:123456789012:instance/i/agent/id-{want.username}",
        "Username": want.username,
        "IdentityInfo": {
            "FirstName": want.identity.get("FirstName"),
            "LastName": want.identity.get("LastName"),
        },
        "PhoneConfig": dict(want.phone),
        "RoutingProfileId": want.routing_profile_id,
        "SecurityProfileIds": sorted(want.security_profile_ids),
        "Tags": {DIGEST_TAG: want.digest, "gapfill:directory": "owner"},
    }
    if want.hierarchy_group_id:
        item["HierarchyGroupId"] = want.hierarchy_group_id
    item.update(over)
    return ActualUser.from_search(item)


def test_an_identical_user_is_unchanged() -> None:
    want = desired()
    assert changed_parts(want, actual_of(want)) == ()
    assert [c.action for c in diff([want], [actual_of(want)])] == ["unchanged"]


def test_phone_defaults_compare_equal() -> None:
    want = desired()
    have = actual_of(want, PhoneConfig={"PhoneType": "SOFT_PHONE"})
    assert changed_parts(want, have) == ()


def test_each_field_maps_to_exactly_its_update_call() -> None:
    want = desired(hierarchy_group_id="g-1")
    base = actual_of(want)
    assert changed_parts(want, actual_of(want, IdentityInfo={"FirstName": "Jane", "LastName": "Smith"})) == (
        "identity",
    )
    assert changed_parts(want, actual_of(want, Tags={DIGEST_TAG: "stale"})) == ("identity",)
    assert changed_parts(
        want, actual_of(want, PhoneConfig={"PhoneType": "SOFT_PHONE", "AutoAccept": True})
    ) == ("phone",)
    assert changed_parts(want, actual_of(want, RoutingProfileId="rp-2")) == ("routing",)
    assert changed_parts(want, actual_of(want, SecurityProfileIds=["sp-1", "sp-2"])) == ("security",)
    assert changed_parts(want, actual_of(want, HierarchyGroupId=None)) == ("hierarchy",)
    assert changed_parts(desired(), base) == ("hierarchy",)  # leaving a group is a change too


def test_the_digest_covers_only_what_search_does_not_return() -> None:
    a = {"FirstName": "A", "Email": "x@example.com"}
    assert identity_digest(a) == identity_digest({"FirstName": "B", "Email": "x@example.com"})
    assert identity_digest(a) != identity_digest({"FirstName": "A", "Email": "y@example.com"})
    assert identity_digest({"Mobile": "+1555"}) != identity_digest({"SecondaryEmail": "+1555"})


def test_diff_creates_updates_deletes_in_username_order() -> None:
    keep, change, gone = desired("bob"), desired("carol"), desired("dave")
    new = desired("Alice")
    changes = diff(
        [keep, change, new],
        [actual_of(keep), actual_of(change, RoutingProfileId="rp-9"), actual_of(gone)],
    )
    assert [(c.key, c.action, c.parts) for c in changes] == [
        ("alice", "create", ()),
        ("bob", "unchanged", ()),
        ("carol", "update", ("routing",)),
        ("dave", "delete", ()),
    ]
    assert changes[0].username == "Alice"
    assert changes[3].username == "dave"


def test_usernames_match_ignoring_case() -> None:
    same = {"FirstName": "Jane", "Email": "jane@example.com"}
    want = desired("Jane", identity=same)
    assert [c.action for c in diff([want], [actual_of(desired("jane", identity=same))])] == ["unchanged"]


def test_resolve_rows_reports_unknown_references_by_line() -> None:
    parsed = parse_csv(
        "Username,FirstName,LastName,Email,RoutingProfile,SecurityProfiles,HierarchyGroup\n"
        "jane,J,D,jane@example.com,Sales,Agent,\n"
        "bob,B,S,bob@example.com,Nope,Agent;Ghost,Team\n"
    )
    known = {
        ("routing-profile", "Sales"): "rp-1",
        ("security-profile", "Agent"): "sp-1",
        ("agent-group", "Team"): "g-1",
    }

    def resolver(kind: str, value: str) -> str:
        if (kind, value) not in known:
            raise ValueError(f"'{value}' not found")
        return known[(kind, value)]

    users, errors = resolve_rows(parsed.rows, resolver)
    assert [u.username for u in users] == ["jane"]
    assert users[0].routing_profile_id == "rp-1"
    assert users[0].security_profile_ids == frozenset({"sp-1"})
    assert [str(e) for e in errors] == [
        "line 3: RoutingProfile: 'Nope' not found",
        "line 3: SecurityProfiles: 'Ghost' not found",
    ]


def test_mapping_document_is_sorted_and_complete() -> None:
    doc = mapping_document("iid", "owner", {"b": ("id-b", "arn-b"), "a": ("id-a", "arn-a")})
    assert list(doc["Users"]) == ["a", "b"]
    assert doc["Users"]["a"] == {"UserId": "id-a", "UserArn": "arn-a"}
    assert doc["InstanceId"] == "iid"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (0.5, 0.5),
        ("0", 2.0),
        ("-1", 2.0),
        ("fast", 2.0),
        (None, 2.0),
        ("", 2.0),
        (["a"], 2.0),
        ("5000", 2.0),
    ],
)
def test_requests_per_second_falls_back_to_the_default_for_unusable_values(
    value: object, expected: float
) -> None:
    from providers.connect.pacing import requests_per_second

    assert requests_per_second(value) == expected
