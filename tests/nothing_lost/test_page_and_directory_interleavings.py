"""Nothing lost (protocol rule 6) for the HTML page in a shared bucket and the Connect user
directory on an instance with hand-made users, interleaved at the protocol level.

Hypothesis mixes our Create/Update/Delete (real handler, local ResponseURL, emulator) with
another party's own changes: objects written under other keys or over our page's key,
users added, edited and removed by hand. After every step nothing that is not ours may
have changed.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapfill.local.protocol import LocalCloudFormation
from tests.contract.suite import assert_one_valid_response
from tests.nothing_lost.plans import with_create

INTERLEAVING = settings(
    max_examples=int(os.environ.get("GAPFILL_NOTHING_LOST_EXAMPLES", "20")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def local(emulator: Any) -> Iterator[LocalCloudFormation]:
    with LocalCloudFormation(stack_name="nothing-lost-pages-users") as runner:
        yield runner


# -- HTML page ---------------------------------------------------------------------------------------

PAGE = "Custom::HtmlPage"
PAGE_KEY = "site/index.html"


def _page_props(bucket: str, variant: int) -> dict[str, Any]:
    return {
        "Bucket": bucket,
        "Key": PAGE_KEY,
        "Values": {
            "CcpUrl": "https://example-alias.my.connect.aws/ccp-v2/",
            "Region": "eu-west-2",
            "Title": f"Agents v{variant}",
        },
    }


@INTERLEAVING
@given(
    plan=with_create(
        st.tuples(st.sampled_from(["their-put", "their-overwrite-ours", "their-delete"]), st.integers(0, 2)),
        max_size=9,
    )
)
def test_page_interleaved_with_other_objects_in_the_bucket(
    plan: list[tuple[str, int]], local: LocalCloudFormation, aws: Any, unique: Any
) -> None:
    s3 = aws("s3")
    bucket = unique("nl-pages")
    s3.create_bucket(Bucket=bucket)
    theirs: dict[str, bytes] = {}  # key -> body, as the other party last wrote it
    ours: dict[str, Any] | None = None
    for step, (action, arg) in enumerate(plan):
        if action.startswith("ours"):
            props = _page_props(bucket, arg)
            if action == "ours-create" and ours is None:
                answer = local.create(PAGE, props, logical_id="Page")
                if PAGE_KEY in theirs:
                    # Someone else's object already sits at the key: a create never overwrites it.
                    body = assert_one_valid_response(answer, "FAILED")
                    assert "ReplaceExisting" in body["Reason"]
                else:
                    ours = {
                        "pid": assert_one_valid_response(answer, "SUCCESS")["PhysicalResourceId"],
                        "props": props,
                    }
            elif action == "ours-update" and ours is not None:
                assert_one_valid_response(
                    local.update(PAGE, ours["pid"], props, ours["props"], logical_id="Page"), "SUCCESS"
                )
                ours["props"] = props
                theirs.pop(PAGE_KEY, None)
            elif action == "ours-delete" and ours is not None:
                assert_one_valid_response(
                    local.delete(PAGE, ours["pid"], ours["props"], logical_id="Page"), "SUCCESS"
                )
                ours = None
        else:
            key = PAGE_KEY if action == "their-overwrite-ours" else f"site/theirs-{arg}.html"
            if action == "their-delete":
                s3.delete_object(Bucket=bucket, Key=key)
                theirs.pop(key, None)
            else:
                body = f"their object {arg} at step {step}".encode()
                s3.put_object(Bucket=bucket, Key=key, Body=body)
                theirs[key] = body
        for key, body in theirs.items():
            got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert got == body, f"another party's object {key} was changed or removed"
        listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
        mine = {PAGE_KEY} if ours is not None else set()
        assert listed - set(theirs) - mine == set(), f"objects nobody owns: {listed - set(theirs) - mine}"
        if ours is not None and PAGE_KEY not in theirs:
            page = s3.get_object(Bucket=bucket, Key=PAGE_KEY)["Body"].read().decode()
            assert "Agents v" in page


# -- user directory ----------------------------------------------------------------------------------

DIRECTORY = "Custom::ConnectUserDirectory"
HEADER = ["Username", "FirstName", "LastName", "Email", "RoutingProfile", "SecurityProfiles"]


def _csv(s3: Any, bucket: str, variant: int, prefix: str) -> str:
    """Three agents; each variant changes one surname and swaps one agent for another."""
    names = [f"{prefix}a", f"{prefix}b", f"{prefix}{'c' if variant % 2 else 'd'}"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i, name in enumerate(names):
        last = f"V{variant}" if i == 0 else "Agent"
        writer.writerow([name, f"First{i}", last, f"{name}@example.com", "Basic Routing Profile", "Agent"])
    key = f"dir/{prefix}-{variant}.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())
    return key


def _profiles(connect: Any, instance_id: str) -> tuple[str, str]:
    routing = connect.list_routing_profiles(InstanceId=instance_id)["RoutingProfileSummaryList"][0]["Id"]
    security = connect.list_security_profiles(InstanceId=instance_id)["SecurityProfileSummaryList"][0]["Id"]
    return routing, security


@INTERLEAVING
@given(
    plan=with_create(
        st.tuples(st.sampled_from(["their-add", "their-edit", "their-remove"]), st.integers(0, 2)), max_size=8
    )
)
def test_directory_interleaved_with_users_added_by_hand(
    plan: list[tuple[str, int]], local: LocalCloudFormation, aws: Any, unique: Any
) -> None:
    s3, connect = aws("s3"), aws("connect")
    bucket = unique("nl-dir")
    s3.create_bucket(Bucket=bucket)
    instance = connect.create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("nl-dir"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    instance_id, instance_arn = instance["Id"], instance["Arn"]
    routing, security = _profiles(connect, instance_id)
    prefix = unique("u").replace("-", "")
    by_hand: dict[str, dict[str, str]] = {}  # username -> {"id", "last"}
    ours: dict[str, Any] | None = None
    for step, (action, arg) in enumerate(plan):
        if action.startswith("ours"):
            props = {
                "InstanceArn": instance_arn,
                "Bucket": bucket,
                "Key": _csv(s3, bucket, arg, prefix),
                "RequestsPerSecond": 200,
            }
            if action == "ours-create" and ours is None:
                answer = local.create(DIRECTORY, props, logical_id="Agents")
                ours = {
                    "pid": assert_one_valid_response(answer, "SUCCESS")["PhysicalResourceId"],
                    "props": props,
                }
            elif action == "ours-update" and ours is not None:
                answer = local.update(DIRECTORY, ours["pid"], props, ours["props"], logical_id="Agents")
                assert_one_valid_response(answer, "SUCCESS")
                ours["props"] = props
            elif action == "ours-delete" and ours is not None:
                answer = local.delete(DIRECTORY, ours["pid"], ours["props"], logical_id="Agents")
                assert_one_valid_response(answer, "SUCCESS")
                ours = None
        else:
            name = f"hand{arg}{prefix}"
            if action == "their-add" and name not in by_hand:
                made = connect.create_user(
                    InstanceId=instance_id,
                    Username=name,
                    Password="Hand-made-1234",
                    IdentityInfo={"FirstName": "Hand", "LastName": "Made", "Email": "hand@example.com"},
                    PhoneConfig={"PhoneType": "SOFT_PHONE"},
                    SecurityProfileIds=[security],
                    RoutingProfileId=routing,
                )
                by_hand[name] = {"id": made["UserId"], "last": "Made"}
            elif action == "their-edit" and name in by_hand:
                last = f"Edited{step}"
                connect.update_user_identity_info(
                    InstanceId=instance_id,
                    UserId=by_hand[name]["id"],
                    IdentityInfo={"FirstName": "Hand", "LastName": last},
                )
                by_hand[name]["last"] = last
            elif action == "their-remove" and name in by_hand:
                connect.delete_user(InstanceId=instance_id, UserId=by_hand.pop(name)["id"])
        for name, expected in by_hand.items():
            user = connect.describe_user(InstanceId=instance_id, UserId=expected["id"])["User"]
            assert user["Username"] == name
            assert user["IdentityInfo"]["LastName"] == expected["last"], f"hand-made user {name} was changed"
            assert not any(k.startswith("gapfill") for k in user.get("Tags", {})), f"{name} was adopted"
        listed = {u["Username"] for u in connect.list_users(InstanceId=instance_id)["UserSummaryList"]}
        assert set(by_hand) <= listed, "a hand-made user was removed"
        ours_now = {n for n in listed if n.startswith(prefix)}
        if ours is None:
            assert ours_now == set(), f"directory users left after delete: {ours_now}"
