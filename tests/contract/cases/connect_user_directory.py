"""Contract case for ``Custom::ConnectUserDirectory``: a CONNECT_MANAGED instance and a
bucket per test, a small CSV per resource; "exists" means "the instance has exactly the
CSV's users, tagged as this directory's"."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from providers.connect.user_directory import parse_physical_id
from providers.core.tag_keys import DIRECTORY as OWNER_TAG
from tests.contract.suite import ContractCase, Env

HEADER = ["Username", "FirstName", "LastName", "Email", "RoutingProfile", "SecurityProfiles"]


def new_instance(env: Env) -> str:
    made = env.client("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=env.unique("contract-dir"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    return str(made["Arn"])


def bucket(env: Env) -> str:
    if "bucket" not in env.scratch:
        name = env.unique("agent-dir")
        env.client("s3").create_bucket(Bucket=name)
        env.scratch["bucket"] = name
    return str(env.scratch["bucket"])


def upload(env: Env, rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    key = f"directory/{env.unique('agents')}.csv"
    env.client("s3").put_object(Bucket=bucket(env), Key=key, Body=out.getvalue().encode())
    env.scratch.setdefault("rows", {})[key] = rows
    return key


def agents(env: Env, count: int = 3, last: str = "Agent") -> list[list[str]]:
    prefix = env.unique("a")
    return [
        [f"{prefix}{i}", f"First{i}", last, f"{prefix}{i}@example.com", "Basic Routing Profile", "Agent"]
        for i in range(count)
    ]


def make_properties(env: Env) -> dict[str, Any]:
    if "instance" not in env.scratch:
        env.scratch["instance"] = new_instance(env)
    return {"InstanceArn": env.scratch["instance"], "Bucket": bucket(env), "Key": upload(env, agents(env))}


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    rows = [list(r) for r in env.scratch["rows"][props["Key"]]]
    rows[0][2] = "Changed"  # one row changes
    rows.pop()  # one row goes
    rows.append([f"{env.unique('b')}", "New", "Agent", "new@example.com", "", "Agent;QualityAnalyst"])
    rows[-1][4] = "Basic Routing Profile"
    return {**props, "Key": upload(env, rows)}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "InstanceArn": new_instance(env)}


def managed(env: Env, physical_id: str) -> dict[str, dict[str, Any]]:
    parsed = parse_physical_id(physical_id)
    assert parsed is not None, f"not a directory physical id: {physical_id}"
    instance_id, owner = parsed
    found = env.client("connect").search_users(
        InstanceId=instance_id,
        MaxResults=500,
        SearchFilter={"TagFilter": {"TagCondition": {"TagKey": OWNER_TAG, "TagValue": owner}}},
    )
    return {u["Username"]: u for u in found["Users"]}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    users = managed(env, physical_id)
    if not users:
        return False
    rows = env.scratch["rows"][props["Key"]]
    assert sorted(users) == sorted(r[0] for r in rows), "managed users differ from the CSV"
    for row in rows:
        assert users[row[0]]["IdentityInfo"]["LastName"] == row[2]
    return True


def count(env: Env, props: dict[str, Any]) -> int:
    """Users with the CSV's usernames: a repeated RequestId must not make any twice."""
    instance_id = props["InstanceArn"].rsplit("/", 1)[-1]
    names = {r[0] for r in env.scratch["rows"][props["Key"]]}
    listed = env.client("connect").list_users(InstanceId=instance_id, MaxResults=1000)["UserSummaryList"]
    made = sum(1 for u in listed if u["Username"] in names)
    return 1 if made == len(names) else made + 1000


def secrets(env: Env, answer: Any, props: dict[str, Any]) -> list[str]:
    """Every generated password, read back from Secrets Manager."""
    prefix = answer.data["PasswordSecretPrefix"]
    found = []
    for row in env.scratch["rows"][props["Key"]]:
        value = env.client("secretsmanager").get_secret_value(SecretId=prefix + row[0])["SecretString"]
        found.append(str(json.loads(value)["Password"]))
    assert len(found) == 3
    return found


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """One managed agent removed by hand."""
    parsed = parse_physical_id(physical_id)
    assert parsed is not None
    users = managed(env, physical_id)
    victim = sorted(users)[0]
    env.client("connect").delete_user(InstanceId=parsed[0], UserId=users[victim]["Id"])
    return "Users"


CASE = ContractCase(
    resource_type="Custom::ConnectUserDirectory",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    secrets=secrets,
    required=("InstanceArn", "Bucket", "Key"),
    bad_values=[
        ("RequestsPerSecond", lambda p: {**p, "RequestsPerSecond": 0}),
        ("Bucket", lambda p: {**p, "Bucket": "Not A Bucket"}),
        ("DefaultSecurityProfiles", lambda p: {**p, "DefaultSecurityProfiles": []}),
    ],
)
