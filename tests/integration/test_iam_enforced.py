"""IAM as the emulator enforces it on role-signed calls: the user directory works end to end
under its shipped role, a permission planted out of a copy of a role fails exactly where the
call is made, S3 answers 403 for a missing key without s3:ListBucket, and an allow-list
refuses a bucket outside it."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from gapfill.emulator import Emulator
from gapfill.emulator.iam import Role, provider_role, register, report
from gapfill.local.protocol import LocalCloudFormation

DIRECTORY = "Custom::ConnectUserDirectory"
PAGE = "Custom::HtmlPage"


def _upload(aws: Callable[[str], Any], bucket: str, key: str, usernames: list[str]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Username", "FirstName", "LastName", "Email", "RoutingProfile", "SecurityProfiles"])
    for name in usernames:
        writer.writerow([name, "F", "L", f"{name}@example.com", "Basic Routing Profile", "Agent"])
    aws("s3").put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())


@pytest.fixture
def world(aws: Callable[[str], Any], unique: Callable[[str], str]) -> dict[str, Any]:
    made = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("iam"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    bucket = unique("iam-dir")
    aws("s3").create_bucket(Bucket=bucket)
    return {"InstanceArn": made["Arn"], "Bucket": bucket, "Key": "agents/agents.csv"}


def _denied(role: str) -> list[dict[str, Any]]:
    return [
        need
        for entry in report.calls()
        if entry["role"] == role
        for need in entry["needs"]
        if need["decision"] != "allow"
    ]


def test_directory_create_update_delete_under_its_shipped_role(
    cfn: LocalCloudFormation, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    """The first Create's HeadObject of the missing mapping is a 404 (s3:ListBucket granted)."""
    start = len(report.calls())  # the session's report keeps everything before this test
    _upload(aws, world["Bucket"], world["Key"], ["ada", "bob"])
    created = cfn.create(DIRECTORY, world)
    assert created.ok, created.reason
    _upload(aws, world["Bucket"], world["Key"], ["ada", "cyd"])
    updated = cfn.update(DIRECTORY, created.physical_id, world, world)
    assert updated.ok, updated.reason
    assert cfn.delete(DIRECTORY, created.physical_id, world).ok
    checked = [e for e in report.calls()[start:] if e["role"] == "ConnectUserDirectoryRole"]
    assert {"s3:HeadObject", "connect:CreateUser", "connect:DeleteUser"} <= {
        f"{e['service']}:{e['operation']}" for e in checked
    }
    assert any(n["action"] == "s3:ListBucket" for e in checked for n in e["needs"]), (
        "missing-key rule not applied"
    )
    assert [n for e in checked for n in e["needs"] if n["decision"] != "allow"] == []


def _without(role: Role, action: str) -> Role:
    """A copy of ``role`` whose statements no longer grant ``action``."""
    policies = copy.deepcopy([dict(p) for p in role.policies])
    for document in policies:
        for statement in document["Statement"]:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            statement["Action"] = [a for a in actions if a != action]
    return Role(f"{role.name}Planted", role.template, tuple(policies))


def test_a_permission_planted_out_of_a_copy_of_the_role_fails_where_the_call_is_made(
    cfn: LocalCloudFormation, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    shipped = provider_role(DIRECTORY)
    assert shipped is not None
    cfn.roles[DIRECTORY] = _without(shipped, "connect:CreateUser")
    _upload(aws, world["Bucket"], world["Key"], ["dee"])
    failed = cfn.create(DIRECTORY, world)
    assert failed.status == "FAILED"
    assert "CreateUser" in failed.reason, failed.reason
    assert "AccessDenied" in failed.reason, failed.reason
    denied = _denied("ConnectUserDirectoryRolePlanted")
    assert denied
    assert {n["action"] for n in denied} == {"connect:CreateUser"}, denied


def _client(emulator: Emulator, service: str, role: Role) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        aws_access_key_id=register(role),
        aws_secret_access_key="testing",
    )


def _reader(bucket: str, *, list_bucket: bool) -> Role:
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    ]
    if list_bucket:
        statements.append(
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}
        )
    name = "ReaderWithList" if list_bucket else "ReaderWithoutList"
    return Role(name, "test", ({"Version": "2012-10-17", "Statement": statements},))


@pytest.mark.parametrize(("list_bucket", "status"), [(False, "403"), (True, "404")])
def test_a_missing_key_is_403_without_list_bucket_and_404_with_it(
    emulator: Emulator,
    aws: Callable[[str], Any],
    unique: Callable[[str], str],
    list_bucket: bool,
    status: str,
) -> None:
    bucket = unique("iam-missing")
    aws("s3").create_bucket(Bucket=bucket)
    s3 = _client(emulator, "s3", _reader(bucket, list_bucket=list_bucket))
    with pytest.raises(ClientError) as head:
        s3.head_object(Bucket=bucket, Key="nothing-here.json")
    assert head.value.response["Error"]["Code"] == status
    with pytest.raises(ClientError) as get:
        s3.get_object(Bucket=bucket, Key="nothing-here.json")
    assert get.value.response["Error"]["Code"] == ("AccessDenied" if status == "403" else "NoSuchKey")


def test_access_denied_has_each_services_error_shape(emulator: Emulator) -> None:
    nobody = Role("Nobody", "test", ({"Version": "2012-10-17", "Statement": []},))
    cases = [
        ("connect", lambda c: c.describe_instance(InstanceId="x"), "AccessDeniedException", 403),
        ("secretsmanager", lambda c: c.describe_secret(SecretId="gapfill/x"), "AccessDeniedException", 400),
        ("s3", lambda c: c.list_objects_v2(Bucket="any-bucket"), "AccessDenied", 403),
        ("iam", lambda c: c.get_role(RoleName="x"), "AccessDenied", 403),
    ]
    for service, call, code, status in cases:
        with pytest.raises(ClientError) as denied:
            call(_client(emulator, service, nobody))
        error = denied.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), (
            service
        )


def test_a_page_bucket_outside_the_allow_list_is_refused(
    cfn: LocalCloudFormation, aws: Callable[[str], Any], unique: Callable[[str], str]
) -> None:
    bucket = unique("elsewhere")
    aws("s3").create_bucket(Bucket=bucket)
    cfn.roles[PAGE] = provider_role(PAGE, {"PageBuckets": "site-*", "PageSourceBuckets": "site-*"})
    failed = cfn.create(PAGE, {"Bucket": bucket, "Key": "index.html", "TemplateBody": "<p>hi</p>"})
    assert failed.status == "FAILED"
    assert "403" in failed.reason or "AccessDenied" in failed.reason, failed.reason
    assert "Contents" not in aws("s3").list_objects_v2(Bucket=bucket)


def test_a_template_location_outside_the_source_buckets_is_refused_with_a_reason(
    cfn: LocalCloudFormation, aws: Callable[[str], Any], unique: Callable[[str], str]
) -> None:
    """The function's own check names the parameter; IAM refuses the read even without it."""
    site, private = unique("site"), unique("private")
    for name in (site, private):
        aws("s3").create_bucket(Bucket=name)
    aws("s3").put_object(Bucket=private, Key="secret.html", Body=b"<p>private</p>")
    narrowed = {"PageBuckets": "site-*", "PageSourceBuckets": "site-*"}
    role = provider_role(PAGE, narrowed)
    assert role is not None
    location = {"Bucket": private, "Key": "secret.html"}
    props = {"Bucket": site, "Key": "index.html", "TemplateLocation": location}
    cfn.roles[PAGE] = role  # the harness sets GAPFILL_PAGE_SOURCE_BUCKETS from the same parameters
    refused = cfn.create(PAGE, props)
    assert refused.status == "FAILED"
    assert f"TemplateLocation: bucket '{private}'" in refused.reason
    assert "PageSourceBuckets" in refused.reason
    # The same role, its function's own check switched off (any source): IAM still refuses.
    cfn.roles[PAGE] = Role(
        role.name, role.template, role.policies, parameters={**narrowed, "PageSourceBuckets": "*"}
    )
    refused_by_iam = cfn.create(PAGE, props)
    assert refused_by_iam.status == "FAILED"
    assert "AccessDenied" in refused_by_iam.reason, refused_by_iam.reason
    assert "Contents" not in aws("s3").list_objects_v2(Bucket=site)
