"""The emulator's users part against what the CreateUser and SearchUsers references state:
username length and characters per identity type, the IdentityInfo members CreateUser
requires, AfterContactWorkTimeLimit in milliseconds from SearchUsers, and no agent work
on an instance that is still being created."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.connect.connect_setup import knobs

PERSON = {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"}
PHONE = {"PhoneType": "SOFT_PHONE", "AfterContactWorkTimeLimit": 30}


def instance(aws: Callable[[str], Any], unique: Callable[[str], str], identity: str) -> str:
    extra = {"DirectoryId": "d-1234567890"} if identity == "EXISTING_DIRECTORY" else {}
    made = aws("connect").create_instance(
        IdentityManagementType=identity,
        InstanceAlias=unique("usr"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=False,
        **extra,
    )
    return str(made["Id"])


def profiles(connect: Any, iid: str) -> dict[str, Any]:
    routing = connect.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"][0]["Id"]
    security = [
        s["Id"]
        for s in connect.list_security_profiles(InstanceId=iid)["SecurityProfileSummaryList"]
        if s["Name"] == "Agent"
    ]
    return {"RoutingProfileId": routing, "SecurityProfileIds": security}


def create(connect: Any, iid: str, identity: str, username: str, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "InstanceId": iid,
        "Username": username,
        "IdentityInfo": dict(PERSON),
        "PhoneConfig": dict(PHONE),
        **profiles(connect, iid),
    }
    if identity == "CONNECT_MANAGED":
        params["Password"] = "Passw0rd-Good"
    params.update(overrides)
    return dict(connect.create_user(**params))


def refused(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as excinfo:
        call()
    return str(excinfo.value.response["Error"]["Code"])


@pytest.mark.parametrize("identity", ["CONNECT_MANAGED", "EXISTING_DIRECTORY"])
def test_non_saml_usernames_are_at_most_20_characters(aws: Any, unique: Any, identity: str) -> None:
    connect = aws("connect")
    iid = instance(aws, unique, identity)
    assert create(connect, iid, identity, "a" * 20)["UserId"]
    assert refused(lambda: create(connect, iid, identity, "b" * 21)) == "InvalidParameterException"


def test_saml_usernames_may_have_64_characters_and_not_65(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    iid = instance(aws, unique, "SAML")
    assert create(connect, iid, "SAML", "s" * 64)["UserId"]
    assert refused(lambda: create(connect, iid, "SAML", "t" * 65)) == "InvalidParameterException"


@pytest.mark.parametrize("identity", ["CONNECT_MANAGED", "EXISTING_DIRECTORY", "SAML"])
def test_at_sign_only_in_an_email_form(aws: Any, unique: Any, identity: str) -> None:
    connect = aws("connect")
    iid = instance(aws, unique, identity)
    assert create(connect, iid, identity, "testuser")["UserId"]
    assert create(connect, iid, identity, "tu@example.com")["UserId"]
    for bad in ("testuser@example", "@example.com", "a@b@example.com", "x y", "ren\u00e9"):
        assert refused(lambda bad=bad: create(connect, iid, identity, bad)) == "InvalidParameterException", (
            bad
        )


@pytest.mark.parametrize("identity", ["CONNECT_MANAGED", "SAML"])
@pytest.mark.parametrize("missing", ["FirstName", "LastName", "Email"])
def test_identity_info_names_and_email_are_required(
    aws: Any, unique: Any, identity: str, missing: str
) -> None:
    connect = aws("connect")
    iid = instance(aws, unique, identity)
    partial = {k: v for k, v in PERSON.items() if k != missing}
    assert (
        refused(lambda: create(connect, iid, identity, "agent1", IdentityInfo=partial))
        == "InvalidParameterException"
    )
    params = profiles(connect, iid)
    extra = {"Password": "Passw0rd-Good"} if identity == "CONNECT_MANAGED" else {}
    assert (
        refused(
            lambda: connect.create_user(
                InstanceId=iid, Username="agent2", PhoneConfig=PHONE, **params, **extra
            )
        )
        == "InvalidParameterException"
    )


def test_existing_directory_users_need_no_identity_info(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    iid = instance(aws, unique, "EXISTING_DIRECTORY")
    made = connect.create_user(
        InstanceId=iid, Username="dirUser", PhoneConfig=PHONE, **profiles(connect, iid)
    )
    assert made["UserId"]


def test_search_users_reports_after_contact_work_in_milliseconds(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    iid = instance(aws, unique, "CONNECT_MANAGED")
    made = create(connect, iid, "CONNECT_MANAGED", "acw1")
    described = connect.describe_user(InstanceId=iid, UserId=made["UserId"])["User"]
    assert described["PhoneConfig"]["AfterContactWorkTimeLimit"] == 30
    found = connect.search_users(InstanceId=iid)["Users"]
    assert [u["PhoneConfig"]["AfterContactWorkTimeLimit"] for u in found] == [30_000]


def test_agent_operations_refuse_an_instance_still_being_created(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    with knobs(instance_creation_delay=600) as live:
        iid = instance(aws, unique, "CONNECT_MANAGED")
    calls: list[Callable[[], Any]] = [
        lambda: connect.list_routing_profiles(InstanceId=iid),
        lambda: connect.list_security_profiles(InstanceId=iid),
        lambda: connect.list_users(InstanceId=iid),
        lambda: connect.search_users(InstanceId=iid),
        lambda: connect.create_user_hierarchy_group(InstanceId=iid, Name="Team"),
    ]
    for call in calls:
        assert refused(call) == "InvalidRequestException"
    live.instances[iid].ready_at = time.time()
    assert connect.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"]
