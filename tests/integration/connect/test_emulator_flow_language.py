"""CreateContactFlow and DescribeContactFlow over HTTP against the Flow language as AWS
documents it: documented-invalid flows refused with their problems, Metadata free-form,
references checked only in action parameters, SAVED content not validated, never-published
flows not describable without ``:$SAVED``, and no undocumented deletion refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.connect.connect_setup import make_instance
from tests.unit.connect.flow_cases import CASES, Case, base

FOREIGN = "arn:aws:connect:eu-west-2:123456789012:instance/5e1c9a2b-7d3f-4b8e-9a61-0f2c4d6e8b10"


def create(aws: Any, instance_id: str, content: str, flow_type: str = "CONTACT_FLOW", **extra: Any) -> Any:
    return aws("connect").create_contact_flow(
        InstanceId=instance_id, Name=extra.pop("Name", "f"), Type=flow_type, Content=content, **extra
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_documented_invalid_flow_is_refused(aws: Any, unique: Any, case: Case) -> None:
    instance_id, _ = make_instance(aws, unique)
    with pytest.raises(ClientError) as excinfo:
        create(aws, instance_id, case.content, case.flow_type)
    error = excinfo.value.response
    if case.rule == "connect.flow.content-length":
        assert error["Error"]["Code"] == "InvalidParameterException"
        return
    assert error["Error"]["Code"] == "InvalidContactFlowException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    messages = [p["message"] for p in error["problems"]]
    assert any(case.fragment in m for m in messages), messages
    if case.identifier is not None:
        assert any(m.startswith(f"Action {case.identifier[:40]}") for m in messages), messages


def test_metadata_with_foreign_arns_and_names_is_accepted(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    document = base()
    document["Metadata"] = {
        "ActionMetadata": {
            "hello": {"queue": {"id": FOREIGN + "/queue/8a0d2f4e", "text": "Support"}},
            "bye": {"lambda": "arn:aws:lambda:eu-west-2:123456789012:function:gone"},
        }
    }
    document["Actions"][0]["Parameters"]["Text"] = f"Your case went to {FOREIGN}/queue/8a0d2f4e"
    created = create(aws, instance_id, json.dumps(document))
    assert created["ContactFlowArn"]


def test_references_in_parameters_are_checked_in_the_instance(aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    basic = next(q for q in connect.list_queues(InstanceId=instance_id)["QueueSummaryList"])
    document = base()
    document["Actions"][0] = {
        "Identifier": "hello",
        "Type": "UpdateContactTargetQueue",
        "Parameters": {"QueueId": FOREIGN + "/queue/8a0d2f4e-1b3c-4d5e-8f70-9a1b2c3d4e5f"},
        "Transitions": {"NextAction": "bye"},
    }
    with pytest.raises(ClientError) as excinfo:
        create(aws, instance_id, json.dumps(document))
    (problem,) = excinfo.value.response["problems"]
    assert problem["message"].startswith("Action hello: Parameters.QueueId")
    assert "belongs to another instance" in problem["message"]
    for good in (basic["Arn"], basic["Id"], "$.Attributes.queue"):
        document["Actions"][0]["Parameters"]["QueueId"] = good
        create(aws, instance_id, json.dumps(document), Name=unique("ok"))
    document["Actions"][0]["Parameters"]["QueueId"] = instance_arn + "/prompt/" + basic["Id"]
    with pytest.raises(ClientError) as excinfo:
        create(aws, instance_id, json.dumps(document), Name="wrong kind")
    assert "is not a queue ARN" in excinfo.value.response["problems"][0]["message"]


def test_saved_content_is_not_validated_and_not_published(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    draft = json.dumps({"Version": "2019-10-30", "StartAction": "nowhere", "Actions": []})
    flow_id = create(aws, instance_id, draft, Status="SAVED")["ContactFlowId"]
    with pytest.raises(ClientError) as excinfo:
        connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)
    assert excinfo.value.response["Error"]["Code"] == "ContactFlowNotPublishedException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    saved = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id + ":$SAVED")
    assert saved["ContactFlow"]["Content"] == draft
    connect.update_contact_flow_content(
        InstanceId=instance_id, ContactFlowId=flow_id + ":$SAVED", Content="still a draft"
    )
    connect.update_contact_flow_content(
        InstanceId=instance_id, ContactFlowId=flow_id, Content=json.dumps(base())
    )
    published = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)["ContactFlow"]
    assert (published["Status"], json.loads(published["Content"])) == ("PUBLISHED", base())


def test_default_and_sample_flows_can_be_deleted(aws: Any, unique: Any) -> None:
    """AWS documents no flow that DeleteContactFlow refuses; the old emulator refused these."""
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    flows = connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
    for name in ("Default agent hold", "Sample inbound flow (first contact experience)"):
        flow = next(f for f in flows if f["Name"] == name)
        connect.delete_contact_flow(InstanceId=instance_id, ContactFlowId=flow["Id"])
    left = {f["Name"] for f in connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]}
    assert "Default agent hold" not in left


def test_a_queue_named_only_in_metadata_or_text_is_not_in_use(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    hours = connect.list_hours_of_operations(InstanceId=instance_id)["HoursOfOperationSummaryList"][0]["Id"]
    queue = connect.create_queue(InstanceId=instance_id, Name="Spare", HoursOfOperationId=hours)
    document = base()
    document["Metadata"] = {"queue": {"id": queue["QueueArn"], "text": "Spare"}}
    create(aws, instance_id, json.dumps(document))
    connect.delete_queue(InstanceId=instance_id, QueueId=queue["QueueId"])
