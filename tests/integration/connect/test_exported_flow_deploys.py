"""A flow exported from another Connect instance deploys through ``Custom::ConnectContactFlow``
once its account-specific ARNs in action parameters are replaced by placeholders, with its
``Metadata`` (the exporting instance's ARNs and names) left exactly as exported."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from providers.connect import arns
from tests.contract.suite import assert_one_valid_response
from tests.integration.connect.connect_setup import make_instance

TYPE = "Custom::ConnectContactFlow"
EXPORTED = Path(__file__).parents[2] / "fixtures" / "flows" / "exported-main.json"
FOREIGN = "arn:aws:connect:eu-west-2:123456789012:instance/5e1c9a2b-7d3f-4b8e-9a61-0f2c4d6e8b10"
LAMBDA_HERE = "arn:aws:lambda:us-east-1:123456789012:function:crm-customer-lookup"
#: The exporting instance's ARNs -> the placeholder naming the same thing in the target.
PLACEHOLDERS = {
    FOREIGN + "/queue/8a0d2f4e-1b3c-4d5e-8f70-9a1b2c3d4e5f": "${Queue:Support}",
    FOREIGN + "/operating-hours/2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d": "${Hours:Support Hours}",
    FOREIGN + "/prompt/6b8d0f2a-4c6e-4a1b-8d3f-5a7c9e1b3d5f": "${Prompt:Beep.wav}",
    FOREIGN + "/contact-flow/3d5f7b9a-1c3e-4f6a-8b0d-2e4a6c8e0a2c": "${Flow:Support queue music}",
    "arn:aws:lambda:eu-west-2:123456789012:function:crm-customer-lookup": "${Lambda:crm-customer-lookup}",
}


def with_placeholders(node: Any, in_attributes: bool = False) -> Any:
    """Parameters' ARNs replaced; contact attribute values are free text and stay."""
    if isinstance(node, str):
        return node if in_attributes else PLACEHOLDERS.get(node, node)
    if isinstance(node, dict):
        return {k: with_placeholders(v, in_attributes or k == "Attributes") for k, v in node.items()}
    if isinstance(node, list):
        return [with_placeholders(v, in_attributes) for v in node]
    return node


def target_instance(aws: Any, unique: Any) -> tuple[str, str]:
    """An instance holding what the exported flow uses, under the same names."""
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    hours = connect.create_hours_of_operation(
        InstanceId=instance_id, Name="Support Hours", TimeZone="Europe/London", Config=[]
    )
    connect.create_queue(
        InstanceId=instance_id, Name="Support", HoursOfOperationId=hours["HoursOfOperationId"]
    )
    music = {
        "Version": "2019-10-30",
        "StartAction": "loop",
        "Actions": [
            {
                "Identifier": "loop",
                "Type": "MessageParticipantIteratively",
                "Parameters": {"Messages": [{"Text": "Please hold."}]},
                "Transitions": {},
            }
        ],
    }
    connect.create_contact_flow(
        InstanceId=instance_id, Name="Support queue music", Type="CUSTOMER_QUEUE", Content=json.dumps(music)
    )
    connect.associate_lambda_function(InstanceId=instance_id, FunctionArn=LAMBDA_HERE)
    return instance_id, instance_arn


def test_exported_flow_deploys_with_metadata_as_exported(cfn: Any, aws: Any, unique: Any) -> None:
    exported = json.loads(EXPORTED.read_text(encoding="utf-8"))
    content = copy.deepcopy(exported)
    content["Actions"] = with_placeholders(content["Actions"])
    assert "${Queue:Support}" in json.dumps(content["Actions"])
    assert FOREIGN in json.dumps(content["Metadata"]), "Metadata keeps the exporting instance's ARNs"
    instance_id, instance_arn = target_instance(aws, unique)
    # As a JSON string, the way an exported file is passed: a template object would reach the
    # provider with every scalar turned into a string by CloudFormation, Metadata included.
    props = {
        "InstanceArn": instance_arn,
        "Name": "Main (imported)",
        "Type": "CONTACT_FLOW",
        "Content": json.dumps(content),
    }

    answer = cfn.create(TYPE, props)

    assert_one_valid_response(answer, "SUCCESS")
    ids = arns.flow_ids(answer.physical_id)
    assert ids
    stored = json.loads(
        aws("connect").describe_contact_flow(InstanceId=ids[0], ContactFlowId=ids[1])["ContactFlow"][
            "Content"
        ]
    )
    assert stored["Metadata"] == exported["Metadata"]
    params = {a["Type"] + ":" + a["Identifier"][:8]: a["Parameters"] for a in stored["Actions"]}
    assert params["UpdateContactTargetQueue:72d1a6c9"]["QueueId"].startswith(instance_arn + "/queue/")
    assert params["CheckHoursOfOperation:61c095b8"]["HoursOfOperationId"].startswith(
        instance_arn + "/operating-hours/"
    )
    assert params["MessageParticipant:94f3c8eb"]["PromptId"].startswith(instance_arn + "/prompt/")
    hook = params["UpdateContactEventHooks:83e2b7da"]["EventHooks"]["CustomerQueue"]
    assert hook.startswith(instance_arn + "/contact-flow/")
    assert params["InvokeLambdaFunction:3e9d6285"]["LambdaFunctionARN"] == LAMBDA_HERE
    attributes = params["UpdateContactAttributes:50bf84a7"]["Attributes"]
    assert attributes["escalationQueueArn"].startswith(FOREIGN), "free text is not a reference"
    assert instance_id in answer.physical_id


def test_exported_flow_without_placeholders_is_refused_naming_each_foreign_reference(
    cfn: Any, aws: Any, unique: Any
) -> None:
    exported = json.loads(EXPORTED.read_text(encoding="utf-8"))
    _, instance_arn = target_instance(aws, unique)
    props = {"InstanceArn": instance_arn, "Name": "Main (as is)", "Type": "CONTACT_FLOW", "Content": exported}
    reason = assert_one_valid_response(cfn.create(TYPE, props), "FAILED")["Reason"]
    assert "5 problems" in reason, reason
    assert "belongs to another instance" in reason
    assert "is not associated with the instance" in reason
    assert "Metadata" not in reason


def test_metadata_text_that_looks_like_a_placeholder_is_left_as_exported(
    cfn: Any, aws: Any, unique: Any
) -> None:
    """Exports of flows managed by other tools carry their interpolations in Metadata (e.g.
    Terraform's ``${var.queues_map["support"]}``); Metadata is free-form, so it is neither
    resolved nor refused."""
    exported = json.loads(EXPORTED.read_text(encoding="utf-8"))
    content = copy.deepcopy(exported)
    content["Actions"] = with_placeholders(content["Actions"])
    queue_meta = content["Metadata"]["ActionMetadata"]["72d1a6c9-0d8e-4fe1-9c9c-de70af018dbe"]["queue"]
    queue_meta["id"] = '${var.queues_map["support"]}'
    content["Metadata"]["note"] = "${Queue:Not a placeholder here}"
    _, instance_arn = target_instance(aws, unique)
    props = {
        "InstanceArn": instance_arn,
        "Name": "Main (tf)",
        "Type": "CONTACT_FLOW",
        "Content": json.dumps(content),
    }
    answer = cfn.create(TYPE, props)
    assert_one_valid_response(answer, "SUCCESS")
    ids = arns.flow_ids(answer.physical_id)
    assert ids
    stored = aws("connect").describe_contact_flow(InstanceId=ids[0], ContactFlowId=ids[1])["ContactFlow"]
    assert json.loads(stored["Content"])["Metadata"] == content["Metadata"]
