"""``Custom::ConnectInstance`` against the emulator over HTTP, through the local CloudFormation
runner: asynchronous creation, AWS's failure reason, re-invocation, in-place attributes."""

from __future__ import annotations

from typing import Any

from providers.connect import arns
from tests.contract.suite import assert_one_valid_response
from tests.integration.connect.connect_setup import calls, knobs

TYPE = "Custom::ConnectInstance"


def props(unique: Any, **attributes: bool) -> dict[str, Any]:
    return {
        "InstanceAlias": unique("gfi"),
        "IdentityManagementType": "CONNECT_MANAGED",
        "Attributes": {"InboundCalls": True, "OutboundCalls": True, **attributes},
    }


def test_creation_failed_gives_failed_with_aws_reason(cfn: Any, aws: Any, unique: Any) -> None:
    reason = "The request failed because the directory limit has been reached"
    properties = props(unique)
    with knobs(instance_creation_failure=reason):
        answer = cfn.create(TYPE, properties)
    body = assert_one_valid_response(answer, "FAILED")
    assert reason in body["Reason"]
    assert "creation failed" in body["Reason"]
    # The failed instance is reported by ARN so that the rollback Delete removes it.
    instance_id = arns.instance_id(answer.physical_id)
    assert instance_id
    described = aws("connect").describe_instance(InstanceId=instance_id)["Instance"]
    assert described["InstanceStatus"] == "CREATION_FAILED"
    assert_one_valid_response(cfn.delete(TYPE, answer.physical_id, properties), "SUCCESS")
    connect = aws("connect")
    try:
        connect.describe_instance(InstanceId=instance_id)
        raise AssertionError("failed instance was not deleted")
    except connect.exceptions.ResourceNotFoundException:
        pass


def test_failure_arriving_after_a_delay_is_still_reported(cfn: Any, unique: Any) -> None:
    with knobs(instance_creation_failure="Service-linked role missing", instance_creation_delay=0.6) as live:
        answer = cfn.create(TYPE, props(unique))
    body = assert_one_valid_response(answer, "FAILED")
    assert "Service-linked role missing" in body["Reason"]
    log = live.describe_log[arns.instance_id(answer.physical_id)]
    assert log[-1] == "CREATION_FAILED"
    assert set(log[:-1]) == {"CREATION_IN_PROGRESS"}


def test_slow_instance_succeeds_as_soon_as_it_is_active(cfn: Any, unique: Any) -> None:
    with knobs(instance_creation_delay=1.0) as live:
        answer = cfn.create(TYPE, props(unique))
    body = assert_one_valid_response(answer, "SUCCESS")
    log = live.describe_log[arns.instance_id(answer.physical_id)]
    # Polled while in progress, answered on the first ACTIVE it saw, never polled again.
    assert len(log) >= 2
    assert log[:-1] == ["CREATION_IN_PROGRESS"] * (len(log) - 1)
    assert log[-1] == "ACTIVE"
    assert answer.invocations == 1
    data = body["Data"]
    assert data["Arn"] == answer.physical_id
    assert data["CcpUrl"] == data["InstanceAccessUrl"] + "/ccp-v2/"
    assert data["InstanceStatus"] == "ACTIVE"
    assert data["ServiceRole"].startswith("arn:aws:iam::123456789012:role/")
    assert_one_valid_response(cfn.delete(TYPE, answer.physical_id, props(unique)), "SUCCESS")


def test_creation_outlasting_the_lambda_continues_in_a_reinvocation(cfn: Any, unique: Any) -> None:
    cfn.function_timeout = 3.0
    with knobs(instance_creation_delay=2.5) as live:
        answer = cfn.create(TYPE, props(unique))
    assert_one_valid_response(answer, "SUCCESS")
    assert answer.invocations >= 2, "the wait should have been handed to a re-invocation"
    log = live.describe_log[arns.instance_id(answer.physical_id)]
    assert log[-1] == "ACTIVE"
    assert log.count("ACTIVE") == 1


def test_attributes_update_in_place_only_where_they_differ(cfn: Any, aws: Any, unique: Any) -> None:
    properties = props(unique, ContactflowLogs=False, EarlyMedia=True)
    properties["Tags"] = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    created = cfn.create(TYPE, properties)
    assert_one_valid_response(created, "SUCCESS")
    instance_id = arns.instance_id(created.physical_id)
    connect = aws("connect")
    # Someone else tags the shared instance: their tag must survive our updates.
    connect.tag_resource(resourceArn=created.physical_id, tags={"owner": "other-stack"})

    new = {
        **properties,
        "Attributes": {**properties["Attributes"], "ContactflowLogs": True, "ContactLens": False},
    }
    new["Tags"] = [{"Key": "a", "Value": "changed"}]
    before = calls("update_instance_attribute")
    updated = cfn.update(TYPE, created.physical_id, new, properties)
    assert_one_valid_response(updated, "SUCCESS")
    assert updated.physical_id == created.physical_id
    # EarlyMedia is already true, InboundCalls/OutboundCalls unchanged: two calls only.
    assert calls("update_instance_attribute") - before == 2
    values = {
        kind: connect.describe_instance_attribute(InstanceId=instance_id, AttributeType=kind)["Attribute"][
            "Value"
        ]
        for kind in ("CONTACTFLOW_LOGS", "CONTACT_LENS", "EARLY_MEDIA")
    }
    assert values == {"CONTACTFLOW_LOGS": "true", "CONTACT_LENS": "false", "EARLY_MEDIA": "true"}
    tags = connect.list_tags_for_resource(resourceArn=created.physical_id)["tags"]
    assert tags == {"a": "changed", "owner": "other-stack"}
    assert_one_valid_response(cfn.delete(TYPE, created.physical_id, new), "SUCCESS")


def test_inbound_calls_change_in_place(cfn: Any, aws: Any, unique: Any) -> None:
    properties = props(unique)
    created = cfn.create(TYPE, properties)
    assert_one_valid_response(created, "SUCCESS")
    new = {**properties, "Attributes": {"InboundCalls": False, "OutboundCalls": True}}
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, new, properties), "SUCCESS")
    described = aws("connect").describe_instance(InstanceId=arns.instance_id(created.physical_id))["Instance"]
    assert described["InboundCallsEnabled"] is False
    assert_one_valid_response(cfn.delete(TYPE, created.physical_id, new), "SUCCESS")


def test_alias_in_use_fails_with_awss_message(cfn: Any, aws: Any, unique: Any) -> None:
    properties = props(unique)
    aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=properties["InstanceAlias"],
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    body = assert_one_valid_response(cfn.create(TYPE, properties), "FAILED")
    assert "InvalidRequestException" in body["Reason"]
    assert properties["InstanceAlias"] in body["Reason"]


def test_alias_is_required_for_connect_managed(cfn: Any) -> None:
    properties = {
        "IdentityManagementType": "CONNECT_MANAGED",
        "Attributes": {"InboundCalls": True, "OutboundCalls": True},
    }
    body = assert_one_valid_response(cfn.create(TYPE, properties), "FAILED")
    assert body["Reason"].startswith("InstanceAlias:")


def test_existing_directory_needs_directory_id(cfn: Any) -> None:
    properties = {
        "IdentityManagementType": "EXISTING_DIRECTORY",
        "Attributes": {"InboundCalls": True, "OutboundCalls": True},
    }
    body = assert_one_valid_response(cfn.create(TYPE, properties), "FAILED")
    assert body["Reason"].startswith("DirectoryId:")
