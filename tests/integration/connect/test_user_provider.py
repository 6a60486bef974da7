"""``Custom::ConnectUser`` over HTTP against the emulator: the password stays secret, updates
call exactly the APIs of what changed, and someone else's user is never adopted."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gapfill.emulator.connect import backend
from providers.connect.arns import parse_arn

TYPE = "Custom::ConnectUser"


def counts() -> dict[str, int]:
    return dict(backend().call_counts)


def writes_since(before: dict[str, int]) -> dict[str, int]:
    now = counts()
    return {
        op: now[op] - before.get(op, 0)
        for op in now
        if op.startswith(("update_user", "create_user", "delete_user", "tag_", "untag_"))
        and now[op] != before.get(op, 0)
    }


@pytest.fixture
def instance(aws: Callable[[str], Any], unique: Callable[[str], str]) -> dict[str, str]:
    made = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("users"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    return {"arn": made["Arn"], "id": made["Id"]}


def base(instance: dict[str, str], username: str) -> dict[str, Any]:
    return {
        "InstanceArn": instance["arn"],
        "Username": username,
        "IdentityInfo": {"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@example.com"},
        "RoutingProfile": "Basic Routing Profile",
        "SecurityProfiles": ["Agent"],
    }


def test_the_password_is_in_secrets_manager_and_in_no_response_or_log(
    cfn: Any, aws: Callable[[str], Any], instance: dict[str, str], unique: Callable[[str], str], logs: Any
) -> None:
    props = base(instance, unique("grace"))
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    secret_arn = created.data["PasswordSecretArn"]
    stored = json.loads(aws("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])
    password = stored["Password"]
    user_id = parse_arn(created.physical_id).resource_id  # type: ignore[union-attr]
    assert backend().agent_store[instance["id"]].users[user_id].password == password
    assert created.data["UserArn"] == created.physical_id
    assert created.data["UserId"] == user_id
    new_identity = {
        "FirstName": "G",
        "LastName": "H",
        "Email": "gh@example.com",
    }  # all required on CONNECT_MANAGED
    updated = cfn.update(TYPE, created.physical_id, {**props, "IdentityInfo": new_identity}, props)
    deleted = cfn.delete(TYPE, created.physical_id, props)
    assert updated.ok
    assert deleted.ok
    for answer in (created, updated, deleted):
        assert password not in answer.puts[0].raw.decode()
    assert logs.lines, "the logs fixture captured nothing"
    assert password not in logs.text
    with pytest.raises(aws("secretsmanager").exceptions.ResourceNotFoundException):
        aws("secretsmanager").describe_secret(SecretId=secret_arn)


def test_updates_call_exactly_the_apis_of_what_changed(
    cfn: Any, aws: Callable[[str], Any], instance: dict[str, str], unique: Callable[[str], str]
) -> None:
    connect = aws("connect")
    iid = instance["id"]
    team = connect.create_user_hierarchy_group(InstanceId=iid, Name="Team Blue")
    sales = connect.create_routing_profile(
        InstanceId=iid,
        Name="Sales",
        Description="sales",
        DefaultOutboundQueueId="queue-1",
        MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 1}],
    )
    props = base(instance, unique("ada"))
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    pid = created.physical_id

    before = counts()
    step1 = {**props, "IdentityInfo": {**props["IdentityInfo"], "LastName": "Lovelace"}}
    assert cfn.update(TYPE, pid, step1, props).ok
    assert writes_since(before) == {"update_user_identity_info": 1}

    before = counts()
    step2 = {
        **step1,
        "RoutingProfile": sales["RoutingProfileArn"],
        "HierarchyGroup": "Team Blue",
        "Tags": [{"Key": "site", "Value": "lisbon"}],
    }
    assert cfn.update(TYPE, pid, step2, step1).ok
    assert writes_since(before) == {
        "update_user_routing_profile": 1,
        "update_user_hierarchy": 1,
        "tag_resource": 1,
    }
    user = connect.describe_user(InstanceId=iid, UserId=parse_arn(pid).resource_id)["User"]  # type: ignore[union-attr]
    assert user["RoutingProfileId"] == sales["RoutingProfileId"]
    assert user["HierarchyGroupId"] == team["HierarchyGroupId"]
    assert user["Tags"]["site"] == "lisbon"

    before = counts()
    assert cfn.update(TYPE, pid, step2, step2).ok
    assert writes_since(before) == {}, "an unchanged template must cost no write"

    before = counts()
    assert cfn.update(TYPE, pid, step1, step2).ok  # rollback: back to the old group-less state
    assert writes_since(before) == {
        "update_user_routing_profile": 1,
        "update_user_hierarchy": 1,
        "untag_resource": 1,
    }
    assert (
        "HierarchyGroupId"
        not in connect.describe_user(InstanceId=iid, UserId=parse_arn(pid).resource_id)["User"]
    )  # type: ignore[union-attr]
    assert cfn.delete(TYPE, pid, step1).ok


def test_someone_elses_user_with_the_same_name_is_never_adopted(
    cfn: Any, aws: Callable[[str], Any], instance: dict[str, str], unique: Callable[[str], str]
) -> None:
    connect = aws("connect")
    iid = instance["id"]
    name = unique("taken")
    profile = connect.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"][0]["Id"]
    security = connect.list_security_profiles(InstanceId=iid)["SecurityProfileSummaryList"][0]["Id"]
    theirs = connect.create_user(
        InstanceId=iid,
        Username=name,
        Password="Theirs123",
        IdentityInfo={"FirstName": "Their", "LastName": "User", "Email": "their@example.com"},
        PhoneConfig={"PhoneType": "SOFT_PHONE"},
        SecurityProfileIds=[security],
        RoutingProfileId=profile,
    )
    answer = cfn.create(TYPE, base(instance, name))
    assert answer.status == "FAILED"
    assert answer.reason.startswith("Username: a user named")
    assert cfn.delete(TYPE, answer.physical_id, base(instance, name)).ok
    assert connect.describe_user(InstanceId=iid, UserId=theirs["UserId"])["User"]["Username"] == name
    with pytest.raises(aws("secretsmanager").exceptions.ResourceNotFoundException):
        aws("secretsmanager").describe_secret(SecretId=f"gapfill/connect/{iid}/{name}")


def test_an_explicit_password_is_used_and_no_secret_is_made(
    cfn: Any, aws: Callable[[str], Any], instance: dict[str, str], unique: Callable[[str], str], logs: Any
) -> None:
    props = {**base(instance, unique("pw")), "Password": "Given-Passw0rd"}
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert created.data["PasswordSecretArn"] == ""
    user_id = parse_arn(created.physical_id).resource_id  # type: ignore[union-attr]
    assert backend().agent_store[instance["id"]].users[user_id].password == "Given-Passw0rd"
    assert "Given-Passw0rd" not in logs.text
    assert cfn.delete(TYPE, created.physical_id, props).ok
    assert cfn.delete(TYPE, created.physical_id, props).ok  # already gone is success


def test_a_create_whose_secret_binding_fails_reports_the_user_so_the_delete_removes_it(
    cfn: Any, aws: Callable[[str], Any], instance: dict[str, str], unique: Callable[[str], str]
) -> None:
    """Rule 4: tagging the password secret comes after CreateUser; if it fails, the FAILED
    answer names the user (not the made-nothing marker), and the follow-up Delete removes it.
    Stubber, because the emulator cannot make Secrets Manager fail between two calls."""
    from botocore.stub import Stubber

    from gapfill.emulator.iam import provider_role, signing_as
    from providers.core.aws import client

    props = base(instance, unique("bound"))
    with signing_as(provider_role(TYPE)):  # the client the provider gets: signed as its role
        secrets = client("secretsmanager", "us-east-1")
    with Stubber(secrets) as stub:
        stub.add_response(
            "create_secret",
            {"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:gapfill/x-AbCdEf", "Name": "x"},
        )
        stub.add_client_error("tag_resource", "InternalServiceError", "tagging is down")
        failed = cfn.create(TYPE, props)
    assert failed.status == "FAILED"
    assert "tagging is down" in failed.reason
    parsed = parse_arn(failed.physical_id)
    assert parsed is not None, failed.physical_id
    assert parsed.kind == "agent"
    connect = aws("connect")
    assert connect.describe_user(InstanceId=instance["id"], UserId=parsed.resource_id)["User"]
    assert cfn.delete(TYPE, failed.physical_id, props).ok
    with pytest.raises(connect.exceptions.ResourceNotFoundException):
        connect.describe_user(InstanceId=instance["id"], UserId=parsed.resource_id)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"Username": "abcdefghijklmnopqrstu"}, "CONNECT_MANAGED usernames are at most 20 characters"),
        ({"Username": "half@example"}, "'@' only in an email address"),
        ({"IdentityInfo": {"Email": "x@example.com"}}, "FirstName is required for CONNECT_MANAGED"),
        ({"IdentityInfo": {"FirstName": "Ada"}}, "LastName is required for CONNECT_MANAGED"),
    ],
)
def test_usernames_and_identity_are_checked_before_any_write(
    cfn: Any, instance: dict[str, str], change: dict[str, Any], rule: str
) -> None:
    """Issue 10 A/B: CreateUser's documented rules, answered before any write call."""
    props = {**base(instance, "rules"), **change}
    before = counts()
    answer = cfn.create(TYPE, props)
    assert answer.status == "FAILED"
    assert rule in answer.reason
    assert answer.reason.startswith(("Username:", "IdentityInfo."))
    assert writes_since(before) == {}
    assert counts().get("create_secret", 0) == before.get("create_secret", 0)


def test_an_update_dropping_a_required_name_is_refused_before_any_write(
    cfn: Any, instance: dict[str, str], unique: Callable[[str], str]
) -> None:
    props = base(instance, unique("upd"))
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    new = {**props, "IdentityInfo": {"FirstName": "Grace"}, "RoutingProfile": "Basic Routing Profile"}
    before = counts()
    answer = cfn.update(TYPE, created.physical_id, new, props)
    assert answer.status == "FAILED"
    assert "IdentityInfo.LastName is required for CONNECT_MANAGED instances" in answer.reason
    assert writes_since(before) == {}
    assert cfn.delete(TYPE, created.physical_id, props).ok


def test_a_user_and_secret_tagged_with_the_legacy_token_key_are_the_first_attempts(
    cfn: Any, aws: Callable[[str], Any], instance: dict[str, str], unique: Callable[[str], str]
) -> None:
    """Older versions wrote the idempotency tag as ``gapfill:client-token``; a repeat of the
    request that made such a user (and its password secret) adopts both, as it would with
    today's ``gapfill:create-token``."""
    import uuid

    from providers.core.ids import client_token

    connect, sm = aws("connect"), aws("secretsmanager")
    iid, name = instance["id"], unique("legacy")
    request_id = str(uuid.uuid4())
    token = client_token(cfn.stack_id, "Resource", request_id, "user")
    legacy = {"gapfill:client-token": token}
    secret = sm.create_secret(
        Name=f"gapfill/connect/{iid}/{name}",
        SecretString=json.dumps({"InstanceId": iid, "Username": name, "Password": "Legacy-Passw0rd"}),
        Tags=[{"Key": k, "Value": v} for k, v in legacy.items()],
    )
    profile = connect.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"][0]["Id"]
    agent = [
        p["Id"]
        for p in connect.list_security_profiles(InstanceId=iid)["SecurityProfileSummaryList"]
        if p["Name"] == "Agent"
    ]
    made = connect.create_user(
        InstanceId=iid,
        Username=name,
        Password="Legacy-Passw0rd",
        IdentityInfo={"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@example.com"},
        PhoneConfig={"PhoneType": "SOFT_PHONE"},
        SecurityProfileIds=agent,
        RoutingProfileId=profile,
        Tags={**legacy, "gapfill:password-secret": secret["ARN"]},
    )
    props = base(instance, name)
    answer = cfn.create(TYPE, props, request_id=request_id)
    assert answer.ok, answer.reason
    assert answer.physical_id == made["UserArn"]
    assert answer.data["PasswordSecretArn"] == secret["ARN"]
    assert backend().agent_store[iid].users[made["UserId"]].password == "Legacy-Passw0rd"
    assert cfn.delete(TYPE, answer.physical_id, props).ok
