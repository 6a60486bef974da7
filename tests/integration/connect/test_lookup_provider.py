"""``Custom::ConnectLookup`` over HTTP against the emulator: the built-ins by name, custom
agent statuses and quick connects, a missing name failing with what exists, and nothing
written anywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gapfill.emulator.connect import backend
from tests.integration.connect.connect_setup import make_instance

TYPE = "Custom::ConnectLookup"


def writes() -> int:
    return sum(
        n
        for op, n in backend().call_counts.items()
        if op.startswith(("create_", "update_", "delete_", "tag_"))
    )


@pytest.fixture
def instance(aws: Callable[[str], Any], unique: Callable[[str], str]) -> tuple[str, str]:
    return make_instance(aws, unique)


def test_built_ins_by_name_become_arn_and_id_attributes(
    cfn: Any, aws: Callable[[str], Any], instance: tuple[str, str]
) -> None:
    iid, arn = instance
    props = {
        "InstanceArn": arn,
        "Queues": ["BasicQueue"],
        "RoutingProfiles": ["Basic Routing Profile"],
        "SecurityProfiles": ["Admin", "Agent"],
        "HoursOfOperations": ["Basic Hours"],
        "ContactFlows": ["Default agent whisper"],
        "Prompts": ["Beep.wav"],
        "AgentStatuses": ["Available", "Offline"],
    }
    before = writes()
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert writes() == before, "a lookup must not write"
    connect = aws("connect")
    queues = connect.list_queues(InstanceId=iid, QueueTypes=["STANDARD"])["QueueSummaryList"]
    basic = next(q for q in queues if q["Name"] == "BasicQueue")
    assert created.data["Queue.BasicQueue.Arn"] == basic["Arn"]
    assert created.data["Queue.BasicQueue.Id"] == basic["Id"]
    profiles = connect.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"]
    routing = next(p for p in profiles if p["Name"] == "Basic Routing Profile")
    assert created.data["RoutingProfile.BasicRoutingProfile.Arn"] == routing["Arn"]
    assert created.data["Prompt.Beepwav.Arn"].endswith("/" + created.data["Prompt.Beepwav.Id"])
    assert created.data["AgentStatus.Offline.Arn"].split("/")[-2] == "agent-state"
    assert created.data["InstanceId"] == iid
    assert created.physical_id.startswith(f"connect-lookup:{iid}:")
    again = cfn.create(TYPE, props)
    assert again.physical_id == created.physical_id
    deleted = cfn.delete(TYPE, created.physical_id, props)
    assert deleted.ok
    assert writes() == before


def test_custom_statuses_and_quick_connects_are_found(
    cfn: Any, aws: Callable[[str], Any], instance: tuple[str, str]
) -> None:
    iid, _ = instance
    connect = aws("connect")
    status = connect.create_agent_status(InstanceId=iid, Name="On break", State="ENABLED")
    queue = connect.list_queues(InstanceId=iid)["QueueSummaryList"][0]
    flow = connect.list_contact_flows(InstanceId=iid)["ContactFlowSummaryList"][0]
    quick = connect.create_quick_connect(
        InstanceId=iid,
        Name="To sales",
        QuickConnectConfig={
            "QuickConnectType": "QUEUE",
            "QueueConfig": {"QueueId": queue["Id"], "ContactFlowId": flow["Id"]},
        },
    )
    listed = connect.list_agent_statuses(InstanceId=iid, AgentStatusTypes=["CUSTOM"])
    assert [s["Name"] for s in listed["AgentStatusSummaryList"]] == ["On break"]
    module = connect.create_contact_flow_module(
        InstanceId=iid,
        Name="Check hours",
        Content='{"Version":"2019-10-30","StartAction":"end","Actions":[{"Identifier":"end",'
        '"Type":"EndFlowModuleExecution","Parameters":{},"Transitions":{}}],"Settings":{"InputParameters":[],'
        '"OutputParameters":[],"Transitions":[{"DisplayName":"Success","ReferenceName":"Success",'
        '"Description":""},{"DisplayName":"Error","ReferenceName":"Error","Description":""}]}}',
    )
    props = {
        "InstanceArn": iid,
        "AgentStatuses": ["on break"],
        "QuickConnects": ["To sales"],
        "ContactFlowModules": ["Check hours"],
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert created.data["AgentStatus.onbreak.Arn"] == status["AgentStatusARN"]
    assert created.data["QuickConnect.Tosales.Id"] == quick["QuickConnectId"]
    assert created.data["ContactFlowModule.Checkhours.Arn"] == module["Arn"]


def test_a_missing_name_fails_with_the_names_that_exist(cfn: Any, instance: tuple[str, str]) -> None:
    _, arn = instance
    failed = cfn.create(
        TYPE, {"InstanceArn": arn, "Queues": ["BasicQueue", "NoSuchQueue"], "Prompts": ["x.wav"]}
    )
    assert not failed.ok
    assert "Queues[1]: queue 'NoSuchQueue' not found" in failed.reason
    assert "available: 'BasicQueue'" in failed.reason
    assert "Prompts[0]: prompt 'x.wav' not found" in failed.reason
    assert "'Beep.wav'" in failed.reason


def test_names_mapping_to_one_attribute_key_are_refused(cfn: Any, instance: tuple[str, str]) -> None:
    _, arn = instance
    failed = cfn.create(TYPE, {"InstanceArn": arn, "Prompts": ["Beep.wav", "Beepwav"]})
    assert not failed.ok
    assert "Prompts[1]: 'Beepwav' and 'Beep.wav' both map to the attribute key 'Beepwav'" in failed.reason


def test_quick_connect_of_type_queue_without_queue_config_is_refused(
    aws: Callable[[str], Any], instance: tuple[str, str]
) -> None:
    iid, _ = instance
    connect = aws("connect")
    with pytest.raises(connect.exceptions.InvalidParameterException, match="QueueConfig"):
        connect.create_quick_connect(
            InstanceId=iid, Name="broken", QuickConnectConfig={"QuickConnectType": "QUEUE"}
        )
