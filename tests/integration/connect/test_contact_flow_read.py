"""``read`` for ``Custom::ConnectContactFlow``: after Create, the live properties equal the
desired ones (content read back resolved; Substitutions and ContentS3 are deploy-time inputs);
after changes made directly in the emulator, read shows them; a deleted flow reads as None."""

from __future__ import annotations

import copy
import json
from typing import Any

from providers.connect import arns
from providers.connect.contact_flow import ConnectContactFlow
from tests.contract.reading import expected, read_back
from tests.contract.suite import assert_one_valid_response
from tests.integration.connect.connect_setup import make_instance

TYPE = "Custom::ConnectContactFlow"


def flow(greeting: str) -> dict[str, Any]:
    return {
        "Version": "2019-10-30",
        "StartAction": "greet",
        "Actions": [
            {
                "Identifier": "greet",
                "Type": "MessageParticipant",
                "Parameters": {"Text": greeting},
                "Transitions": {"NextAction": "queue"},
            },
            {
                "Identifier": "queue",
                "Type": "UpdateContactTargetQueue",
                "Parameters": {"QueueId": "${Queue:BasicQueue}"},
                "Transitions": {"NextAction": "end"},
            },
            {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
        ],
    }


def test_read_after_create_equals_the_desired_properties(cfn: Any, aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    desired = {
        "InstanceArn": instance_arn,
        "Name": unique("read"),
        "Type": "CONTACT_FLOW",
        "Description": "read me",
        "Content": json.dumps(flow("${Greeting}")),
        "Substitutions": {"Greeting": "Hello"},
        "Tags": [{"Key": "team", "Value": "cc"}],
    }
    answer = cfn.create(TYPE, desired)
    assert_one_valid_response(answer, "SUCCESS")
    got = read_back(TYPE, answer.physical_id)
    assert got is not None
    queue = next(
        q["Arn"]
        for q in aws("connect").list_queues(InstanceId=instance_id)["QueueSummaryList"]
        if q.get("Name") == "BasicQueue"
    )
    resolved = flow("Hello")
    resolved["Actions"][1]["Parameters"]["QueueId"] = queue
    want = expected(TYPE, {**desired, "Content": resolved, **answer.data}, ConnectContactFlow.NOT_READ)
    assert got.properties == want
    assert got.attributes == {
        "ContactFlowId": arns.flow_ids(answer.physical_id)[1],
        "ContactFlowArn": answer.physical_id,
    }  # type: ignore[index]


def test_read_shows_changes_made_out_of_band_and_a_deleted_flow(cfn: Any, aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    desired = {
        "InstanceArn": instance_arn,
        "Name": unique("oob"),
        "Type": "CONTACT_FLOW",
        "Content": flow("hi"),
    }
    answer = cfn.create(TYPE, desired)
    assert_one_valid_response(answer, "SUCCESS")
    flow_id = arns.flow_ids(answer.physical_id)[1]  # type: ignore[index]
    before = read_back(TYPE, answer.physical_id)
    assert before is not None

    connect = aws("connect")
    edited = copy.deepcopy(before.properties["Content"])
    edited["Actions"][0]["Parameters"]["Text"] = "changed in the console"
    connect.update_contact_flow_content(
        InstanceId=instance_id, ContactFlowId=flow_id, Content=json.dumps(edited)
    )
    connect.update_contact_flow_metadata(
        InstanceId=instance_id, ContactFlowId=flow_id, Name="renamed by hand"
    )
    connect.tag_resource(resourceArn=answer.physical_id, tags={"owner": "someone"})
    after = read_back(TYPE, answer.physical_id)
    assert after is not None
    assert after.properties["Content"] == edited
    assert after.properties["Name"] == "renamed by hand"
    assert after.properties["Tags"] == [{"Key": "owner", "Value": "someone"}]
    assert {k: v for k, v in after.properties.items() if k not in ("Content", "Name", "Tags")} == {
        k: v for k, v in before.properties.items() if k not in ("Content", "Name", "Tags")
    }

    connect.update_contact_flow_content(
        InstanceId=instance_id,
        ContactFlowId=flow_id + ":$SAVED",
        Content=json.dumps(before.properties["Content"]),
    )
    draft = read_back(TYPE, answer.physical_id)
    assert draft is not None
    assert (draft.properties["Status"], draft.properties["Content"]) == (
        "SAVED",
        before.properties["Content"],
    )

    connect.delete_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)
    assert read_back(TYPE, answer.physical_id) is None
    assert read_back(TYPE, "not-an-arn") is None


def test_an_adopted_flow_reads_as_adopted(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    content = flow("x")
    content["Actions"] = [content["Actions"][2]]
    content["StartAction"] = "end"
    props = {
        "InstanceArn": instance_arn,
        "Name": "Default agent whisper",
        "Type": "AGENT_WHISPER",
        "AdoptExisting": "true",
        "Content": content,
    }
    answer = cfn.create(TYPE, props)
    assert_one_valid_response(answer, "SUCCESS")
    got = read_back(TYPE, answer.physical_id)
    assert got is not None
    assert got.properties["AdoptExisting"] is True
    assert_one_valid_response(cfn.delete(TYPE, answer.physical_id, props), "SUCCESS")
    released = read_back(TYPE, answer.physical_id)
    assert released is not None
    assert "AdoptExisting" not in released.properties
