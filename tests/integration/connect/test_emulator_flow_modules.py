"""The emulator's flow modules, Lex V2 bot associations and flow versions, over HTTP, with
the errors AWS documents for them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.connect.connect_setup import make_instance

MODULE = json.dumps({"Version": "2019-10-30", "StartAction": "x", "Actions": []})
ALIAS = "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST"


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_flow_modules_are_listed_described_unique_and_deleted(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    made = connect.create_contact_flow_module(InstanceId=instance_id, Name="Lookup", Content=MODULE)
    assert made["Arn"].endswith("/flow-module/" + made["Id"])
    listed = connect.list_contact_flow_modules(InstanceId=instance_id)["ContactFlowModulesSummaryList"]
    assert [(m["Name"], m["State"]) for m in listed] == [("Lookup", "ACTIVE")]
    described = connect.describe_contact_flow_module(InstanceId=instance_id, ContactFlowModuleId=made["Id"])
    assert described["ContactFlowModule"]["Content"] == MODULE
    with pytest.raises(ClientError) as duplicate:
        connect.create_contact_flow_module(InstanceId=instance_id, Name="Lookup", Content=MODULE)
    assert code(duplicate) == "DuplicateResourceException"
    connect.delete_contact_flow_module(InstanceId=instance_id, ContactFlowModuleId=made["Id"])
    with pytest.raises(ClientError) as gone:
        connect.describe_contact_flow_module(InstanceId=instance_id, ContactFlowModuleId=made["Id"])
    assert code(gone) == "ResourceNotFoundException"


def test_a_flow_invoking_a_module_the_instance_lacks_is_refused(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    flow = {
        "Version": "2019-10-30",
        "StartAction": "m",
        "Actions": [
            {
                "Identifier": "m",
                "Type": "InvokeFlowModule",
                "Parameters": {"FlowModuleId": "0b0b0b0b-0000-4000-8000-000000000000"},
                "Transitions": {},
            }
        ],
    }
    with pytest.raises(ClientError) as refused:
        aws("connect").create_contact_flow(
            InstanceId=instance_id, Name="m", Type="CONTACT_FLOW", Content=json.dumps(flow)
        )
    assert code(refused) == "InvalidContactFlowException"
    assert "flow module 0b0b0b0b" in json.dumps(refused.value.response)


def test_bot_associations(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    assert connect.list_bots(InstanceId=instance_id, LexVersion="V2")["LexBots"] == []
    connect.associate_bot(InstanceId=instance_id, LexV2Bot={"AliasArn": ALIAS})
    assert connect.list_bots(InstanceId=instance_id, LexVersion="V2")["LexBots"] == [
        {"LexV2Bot": {"AliasArn": ALIAS}}
    ]
    assert connect.list_bots(InstanceId=instance_id, LexVersion="V1")["LexBots"] == []
    with pytest.raises(ClientError) as again:
        connect.associate_bot(InstanceId=instance_id, LexV2Bot={"AliasArn": ALIAS})
    assert code(again) == "ResourceConflictException"
    connect.disassociate_bot(InstanceId=instance_id, LexV2Bot={"AliasArn": ALIAS})
    with pytest.raises(ClientError) as unknown:
        connect.disassociate_bot(InstanceId=instance_id, LexV2Bot={"AliasArn": ALIAS})
    assert code(unknown) == "ResourceNotFoundException"


def test_flow_versions_keep_the_content_they_were_made_from(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    (hold,) = [
        f
        for f in connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
        if f["Name"] == "Default agent hold"
    ]
    before = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=hold["Id"])["ContactFlow"]
    made = connect.create_contact_flow_version(
        InstanceId=instance_id, ContactFlowId=hold["Id"], Description="v"
    )
    assert made["Version"] == 1
    changed = json.loads(before["Content"])
    changed["Metadata"] = {"changed": True}
    connect.update_contact_flow_content(
        InstanceId=instance_id, ContactFlowId=hold["Id"], Content=json.dumps(changed)
    )
    assert (
        connect.create_contact_flow_version(InstanceId=instance_id, ContactFlowId=hold["Id"])["Version"] == 2
    )
    first = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=hold["Id"] + ":1")[
        "ContactFlow"
    ]
    assert first["Content"] == before["Content"]
    with pytest.raises(ClientError) as missing:
        connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=hold["Id"] + ":9")
    assert code(missing) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as stale:
        connect.create_contact_flow_version(
            InstanceId=instance_id, ContactFlowId=hold["Id"], FlowContentSha256=before["FlowContentSha256"]
        )
    assert code(stale) == "InvalidRequestException"
    versions = connect.list_contact_flow_versions(InstanceId=instance_id, ContactFlowId=hold["Id"])
    assert [v["Version"] for v in versions["ContactFlowVersionSummaryList"]] == [1, 2]


def test_bad_bot_requests_answer_the_errors_the_operations_document(aws: Any, unique: Any) -> None:
    """AssociateBot and ListBots document InvalidRequestException, not InvalidParameterException."""
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    with pytest.raises(ClientError) as not_an_alias:
        connect.associate_bot(InstanceId=instance_id, LexV2Bot={"AliasArn": "arn:aws:lex:bot/ABC"})
    assert code(not_an_alias) == "InvalidRequestException"
    with pytest.raises(ClientError) as bad_token:
        connect.list_bots(InstanceId=instance_id, LexVersion="V2", NextToken="not-a-token")
    assert code(bad_token) == "InvalidRequestException"
