"""Contract case for ``Custom::ConnectUser``: a CONNECT_MANAGED instance per test, profiles by
name, a generated password; "exists" means "the user is there with the properties' identity"."""

from __future__ import annotations

import json
from typing import Any

from providers.connect.arns import parse_arn
from tests.contract.suite import ContractCase, Env


def instance(env: Env) -> str:
    if "instance" not in env.scratch:
        made = env.client("connect").create_instance(
            IdentityManagementType="CONNECT_MANAGED",
            InstanceAlias=env.unique("contract-users"),
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
        )
        env.scratch["instance"] = made["Arn"]
    return str(env.scratch["instance"])


def make_properties(env: Env) -> dict[str, Any]:
    return {
        "InstanceArn": instance(env),
        "Username": env.unique("agent"),
        "IdentityInfo": {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"},
        "PhoneConfig": {"PhoneType": "SOFT_PHONE", "AutoAccept": True, "AfterContactWorkTimeLimit": 30},
        "RoutingProfile": "Basic Routing Profile",
        "SecurityProfiles": ["Agent"],
        "Tags": [{"Key": "team", "Value": "blue"}],
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {
        **props,
        "IdentityInfo": {**props["IdentityInfo"], "LastName": "Byron"},
        "SecurityProfiles": ["Agent", "QualityAnalyst"],
        "Tags": [{"Key": "team", "Value": "green"}],
    }


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Username": env.unique("agent")}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    parsed = parse_arn(physical_id)
    assert parsed is not None, f"not a user ARN: {physical_id}"
    connect = env.client("connect")
    try:
        user = connect.describe_user(InstanceId=parsed.instance_id, UserId=parsed.resource_id)["User"]
    except connect.exceptions.ResourceNotFoundException:
        return False
    assert user["Username"] == props["Username"]
    return bool(user["IdentityInfo"] == props["IdentityInfo"])


def count(env: Env, props: dict[str, Any]) -> int:
    parsed = parse_arn(props["InstanceArn"])
    assert parsed is not None
    users = env.client("connect").list_users(InstanceId=parsed.instance_id, MaxResults=1000)
    return sum(1 for u in users["UserSummaryList"] if u["Username"] == props["Username"])


def secrets(env: Env, answer: Any, props: dict[str, Any]) -> list[str]:
    """The generated password, read back from Secrets Manager."""
    arn = answer.data["PasswordSecretArn"]
    assert arn, "no password secret was made for a CONNECT_MANAGED user"
    stored = json.loads(env.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    assert stored["Username"] == props["Username"]
    return [str(stored["Password"])]


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """The agent's last name edited in the console."""
    instance_id, _, user_id = physical_id.split(":instance/", 1)[1].split("/")
    env.client("connect").update_user_identity_info(
        InstanceId=instance_id,
        UserId=user_id,
        IdentityInfo={**props["IdentityInfo"], "LastName": "Edited"},
    )
    return "IdentityInfo.LastName"


CASE = ContractCase(
    resource_type="Custom::ConnectUser",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    secrets=secrets,
    required=("InstanceArn", "Username"),
    bad_values=[
        ("PhoneConfig.PhoneType", lambda p: {**p, "PhoneConfig": {"PhoneType": "CELL_PHONE"}}),
        ("IdentityInfo.Email", lambda p: {**p, "IdentityInfo": {"Email": "not-an-email"}}),
        ("Password", lambda p: {**p, "Password": "short"}),
        ("SecurityProfiles", lambda p: {**p, "SecurityProfiles": ["No Such Profile"]}),
        ("RoutingProfile", lambda p: {**p, "RoutingProfile": "No Such Routing Profile"}),
        ("RoutingProfile", lambda p: {k: v for k, v in p.items() if k != "RoutingProfile"}),
    ],
)
