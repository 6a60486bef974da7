"""moto's own Connect scenarios (its tests/test_connect suite, re-told here) still hold with
the gapfill extension installed, over HTTP against the session's emulator. (To run moto's
own file in process against the extension: scripts/moto-connect-tests.sh MOTO_CHECKOUT.)

Each test runs in an account of its own (moto's ``x-moto-account-id`` header), so "no
instances yet" means what it says while other tests share the server. Inputs are kept valid
by AWS's rules: moto's scenarios that create a CONNECT_MANAGED instance without an alias give
one here, because AWS requires InstanceAlias for CONNECT_MANAGED and SAML instances (see the
rule ``connect.create-instance.alias``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def connect(emulator: Any) -> Any:
    """A Connect client acting as a brand-new account."""
    account = f"3{uuid.uuid4().int % 10**11:011d}"
    client = boto3.client("connect", region_name="us-east-1", endpoint_url=emulator.endpoint)

    def as_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign.connect", as_account)
    client.account = account
    return client


def new_instance(connect: Any, alias: str = "", identity: str = "CONNECT_MANAGED", **extra: Any) -> dict:
    return dict(
        connect.create_instance(
            IdentityManagementType=identity,
            InboundCallsEnabled=True,
            OutboundCallsEnabled=extra.pop("OutboundCallsEnabled", True),
            InstanceAlias=alias or f"moto-{uuid.uuid4().hex[:10]}",
            **extra,
        )
    )


def error_code(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as excinfo:
        call()
    return str(excinfo.value.response["Error"]["Code"])


# -- instances -------------------------------------------------------------------------------
def test_an_instance_is_created_with_an_id_and_a_regional_arn(connect: Any) -> None:
    made = new_instance(connect, "first-instance")
    assert made["Id"]
    assert made["Arn"].startswith("arn:aws:connect:us-east-1:")


def test_tags_given_at_creation_are_described(connect: Any) -> None:
    made = new_instance(connect, OutboundCallsEnabled=False, Tags={"Environment": "Test", "Project": "Demo"})
    described = connect.describe_instance(InstanceId=made["Id"])["Instance"]
    assert described["Tags"] == {"Environment": "Test", "Project": "Demo"}


def test_describe_reports_what_was_asked_and_the_service_fields(connect: Any) -> None:
    made = new_instance(connect, "described", identity="SAML")
    described = connect.describe_instance(InstanceId=made["Id"])["Instance"]
    assert (described["Id"], described["IdentityManagementType"], described["InstanceAlias"]) == (
        made["Id"],
        "SAML",
        "described",
    )
    assert described["InstanceStatus"] == "ACTIVE"
    assert (described["InboundCallsEnabled"], described["OutboundCallsEnabled"]) == (True, True)
    for field in ("CreatedTime", "ServiceRole", "InstanceAccessUrl"):
        assert field in described, field


@pytest.mark.parametrize("operation", ["describe_instance", "delete_instance"])
def test_an_unknown_instance_is_not_found(connect: Any, operation: str) -> None:
    missing = str(uuid.uuid4())
    assert error_code(lambda: getattr(connect, operation)(InstanceId=missing)) == "ResourceNotFoundException"


def test_a_new_account_lists_no_instances(connect: Any) -> None:
    listed = connect.list_instances()
    assert listed["InstanceSummaryList"] == []
    assert "NextToken" not in listed


def test_listing_shows_every_instance_with_its_summary_fields(connect: Any) -> None:
    new_instance(connect, "inst-one")
    new_instance(connect, "inst-two", OutboundCallsEnabled=False)
    summaries = connect.list_instances()["InstanceSummaryList"]
    assert {s["InstanceAlias"] for s in summaries} == {"inst-one", "inst-two"}
    for field in (
        "Id",
        "Arn",
        "IdentityManagementType",
        "InstanceAlias",
        "CreatedTime",
        "ServiceRole",
        "InstanceStatus",
        "InboundCallsEnabled",
        "OutboundCallsEnabled",
        "InstanceAccessUrl",
    ):
        assert field in summaries[0], field


def test_instances_page_and_keep_their_order(connect: Any) -> None:
    for i in range(5):
        new_instance(connect, f"paged-{i}")
    sizes, token, seen = [], None, []
    while True:
        page = connect.list_instances(MaxResults=2, **({"NextToken": token} if token else {}))
        sizes.append(len(page["InstanceSummaryList"]))
        seen += [s["Id"] for s in page["InstanceSummaryList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sizes == [2, 2, 1]
    assert len(set(seen)) == 5
    again = [s["Id"] for s in connect.list_instances()["InstanceSummaryList"]]
    assert again == [s["Id"] for s in connect.list_instances()["InstanceSummaryList"]]


def test_a_deleted_instance_is_no_longer_listed(connect: Any) -> None:
    made = new_instance(connect)
    assert len(connect.list_instances()["InstanceSummaryList"]) == 1
    connect.delete_instance(InstanceId=made["Id"])
    assert connect.list_instances()["InstanceSummaryList"] == []


# -- analytics data sets ---------------------------------------------------------------------
def test_a_data_set_is_associated_and_shared_from_this_account(connect: Any) -> None:
    iid = new_instance(connect)["Id"]
    shared = connect.associate_analytics_data_set(InstanceId=iid, DataSetId="dataset-001")
    assert shared["DataSetId"] == "dataset-001"
    for field in ("TargetAccountId", "ResourceShareId", "ResourceShareArn"):
        assert field in shared, field
    assert connect.account in shared["ResourceShareArn"]
    other = connect.associate_analytics_data_set(
        InstanceId=iid, DataSetId="dataset-002", TargetAccountId="987654321098"
    )
    assert other["TargetAccountId"] == "987654321098"
    assert connect.account in other["ResourceShareArn"]


def test_a_data_set_twice_is_refused(connect: Any) -> None:
    iid = new_instance(connect)["Id"]
    connect.associate_analytics_data_set(InstanceId=iid, DataSetId="dataset-001")
    assert (
        error_code(lambda: connect.associate_analytics_data_set(InstanceId=iid, DataSetId="dataset-001"))
        == "InvalidParameterException"
    )


@pytest.mark.parametrize(
    "operation", ["associate_analytics_data_set", "disassociate_analytics_data_set", "list"]
)
def test_data_sets_of_an_unknown_instance_are_not_found(connect: Any, operation: str) -> None:
    missing = str(uuid.uuid4())
    calls = {
        "associate_analytics_data_set": lambda: connect.associate_analytics_data_set(
            InstanceId=missing, DataSetId="dataset-001"
        ),
        "disassociate_analytics_data_set": lambda: connect.disassociate_analytics_data_set(
            InstanceId=missing, DataSetId="dataset-001"
        ),
        "list": lambda: connect.list_analytics_data_associations(InstanceId=missing),
    }
    assert error_code(calls[operation]) == "ResourceNotFoundException"


def test_associations_are_listed_filtered_sorted_and_paged(connect: Any) -> None:
    iid = new_instance(connect)["Id"]
    assert connect.list_analytics_data_associations(InstanceId=iid)["Results"] == []
    for ds in ("dataset-c", "dataset-a", "dataset-b", "dataset-e", "dataset-d"):
        connect.associate_analytics_data_set(InstanceId=iid, DataSetId=ds)
    listed = connect.list_analytics_data_associations(InstanceId=iid)["Results"]
    assert [r["DataSetId"] for r in listed] == [
        "dataset-a",
        "dataset-b",
        "dataset-c",
        "dataset-d",
        "dataset-e",
    ]
    assert listed[0]["ResourceShareStatus"] == "ACTIVE"
    for field in ("DataSetId", "TargetAccountId", "ResourceShareId", "ResourceShareArn"):
        assert field in listed[0], field
    only = connect.list_analytics_data_associations(InstanceId=iid, DataSetId="dataset-b")["Results"]
    assert [r["DataSetId"] for r in only] == ["dataset-b"]
    sizes, token = [], None
    while True:
        page = connect.list_analytics_data_associations(
            InstanceId=iid, MaxResults=2, **({"NextToken": token} if token else {})
        )
        sizes.append(len(page["Results"]))
        token = page.get("NextToken")
        if not token:
            break
    assert sizes == [2, 2, 1]


def test_disassociating_removes_and_an_unknown_data_set_is_not_found(connect: Any) -> None:
    iid = new_instance(connect)["Id"]
    connect.associate_analytics_data_set(InstanceId=iid, DataSetId="dataset-001")
    connect.disassociate_analytics_data_set(InstanceId=iid, DataSetId="dataset-001")
    assert connect.list_analytics_data_associations(InstanceId=iid)["Results"] == []
    assert (
        error_code(lambda: connect.disassociate_analytics_data_set(InstanceId=iid, DataSetId="nothing"))
        == "ResourceNotFoundException"
    )


def test_deleting_the_instance_forgets_its_associations(connect: Any) -> None:
    iid = new_instance(connect)["Id"]
    connect.associate_analytics_data_set(InstanceId=iid, DataSetId="dataset-001")
    connect.delete_instance(InstanceId=iid)
    assert (
        error_code(lambda: connect.list_analytics_data_associations(InstanceId=iid))
        == "ResourceNotFoundException"
    )


# -- tags --------------------------------------------------------------------------------------
def test_instance_tags_are_added_removed_and_listed(connect: Any) -> None:
    arn = new_instance(connect)["Arn"]
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    connect.tag_resource(resourceArn=arn, tags={"Environment": "Production", "Team": "Engineering"})
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "Environment": "Production",
        "Team": "Engineering",
    }
    connect.untag_resource(resourceArn=arn, tagKeys=["Team"])
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {"Environment": "Production"}


def test_tags_given_at_creation_are_listed_and_can_be_removed(connect: Any) -> None:
    arn = new_instance(connect, Tags={"Environment": "Test", "Team": "QA", "Project": "Demo"})["Arn"]
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "Environment": "Test",
        "Team": "QA",
        "Project": "Demo",
    }
    connect.untag_resource(resourceArn=arn, tagKeys=["Team", "Project"])
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {"Environment": "Test"}
