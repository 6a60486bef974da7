"""The one implementation of Connect users (providers/connect/users.py), without AWS: the
requests it makes, and adoption decided by the caller's ``is_ours``."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from providers.connect import users
from providers.connect.directory import PARTS, DesiredUser

WANT = DesiredUser(
    line=0,
    username="ada",
    identity={"FirstName": "Ada", "LastName": "Lovelace"},
    phone={"PhoneType": "SOFT_PHONE", "AutoAccept": False, "AfterContactWorkTimeLimit": 0},
    routing_profile_id="rp-1",
    security_profile_ids=frozenset({"sp-b", "sp-a"}),
    hierarchy_group_id=None,
)


def duplicate() -> ClientError:
    error = {"Error": {"Code": "DuplicateResourceException", "Message": "exists"}}
    return ClientError(error, "CreateUser")  # type: ignore[arg-type]


class Connect:
    """Answers recorded per operation; records every call (a stand-in for the paced caller)."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append((operation, kwargs))
        answer = self.answers[operation]
        if isinstance(answer, Exception):
            raise answer
        return dict(answer)


def test_create_request_sends_sorted_profiles_and_leaves_out_what_is_not_set() -> None:
    params = users.create_request("i-1", WANT, {"k": "v"}, None)
    assert params["SecurityProfileIds"] == ["sp-a", "sp-b"]
    assert "Password" not in params
    assert "HierarchyGroupId" not in params
    assert "DirectoryUserId" not in params
    assert users.create_request("i-1", WANT, {}, "Pw-123456")["Password"] == "Pw-123456"


def test_every_part_of_the_diff_has_exactly_one_update_call() -> None:
    assert tuple(users.UPDATES) == PARTS
    assert users.UPDATES["hierarchy"][1](WANT) == {}  # no group: the user leaves its group
    connect = Connect({op: {} for op, _ in users.UPDATES.values()})
    seen: list[str] = []
    users.update(
        connect, "i-1", "u-1", WANT, ("phone", "security"), {"security": lambda: seen.append("after")}
    )
    assert [op for op, _ in connect.calls] == ["update_user_phone_config", "update_user_security_profiles"]
    assert connect.calls[1][1] == {
        "InstanceId": "i-1",
        "UserId": "u-1",
        "SecurityProfileIds": ["sp-a", "sp-b"],
    }
    assert seen == ["after"]


@pytest.mark.parametrize("ours", [True, False])
def test_a_duplicate_is_adopted_only_when_the_caller_says_it_is_ours(ours: bool) -> None:
    found = {"Id": "u-9", "Arn": "arn:u-9", "Username": "ADA", "Tags": {"owner": "me"}}
    connect = Connect({"create_user": duplicate(), "search_users": {"Users": [found]}})
    abandoned: list[bool] = []
    create = lambda: users.create(  # noqa: E731 - the same call under two expectations
        connect,
        "i-1",
        WANT,
        {},
        lambda tags: ours and tags.get("owner") == "me",
        abandon=lambda: abandoned.append(True),
    )
    if ours:
        assert create() == users.Created("arn:u-9", "u-9", found)
        assert abandoned == []
    else:
        with pytest.raises(users.NotOursError):
            create()
        assert abandoned == [True]
