"""The emulator's Connect instance, flow, queue, phone-number and storage operations, over
HTTP with boto3: AWS's shapes, error codes, pagination and asynchronous states."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.connect.connect_setup import knobs, make_instance


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def test_create_instance_honours_client_token(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    request = {
        "ClientToken": unique("token"),
        "IdentityManagementType": "CONNECT_MANAGED",
        "InstanceAlias": unique("tok"),
        "InboundCallsEnabled": True,
        "OutboundCallsEnabled": True,
    }
    first = connect.create_instance(**request)
    second = connect.create_instance(**request)
    assert first["Id"] == second["Id"]
    with pytest.raises(ClientError) as excinfo:
        connect.create_instance(**{**request, "ClientToken": unique("other")})
    assert code(excinfo) == "InvalidRequestException"


def test_instance_states_are_computed_lazily(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    with knobs(instance_creation_delay=600) as live:
        created = connect.create_instance(
            IdentityManagementType="CONNECT_MANAGED",
            InstanceAlias=unique("slow"),
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
        )
    described = connect.describe_instance(InstanceId=created["Id"])["Instance"]
    assert described["InstanceStatus"] == "CREATION_IN_PROGRESS"
    with pytest.raises(ClientError) as excinfo:
        connect.list_queues(InstanceId=created["Id"])
    assert code(excinfo) == "InvalidRequestException"
    live.instances[created["Id"]].ready_at = time.time()  # the clock moves on
    assert connect.describe_instance(InstanceId=created["Id"])["Instance"]["InstanceStatus"] == "ACTIVE"


def test_creation_failed_is_described_like_aws(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    with knobs(instance_creation_failure="Quota exceeded"):
        created = connect.create_instance(
            IdentityManagementType="CONNECT_MANAGED",
            InstanceAlias=unique("bad"),
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
        )
    described = connect.describe_instance(InstanceId=created["Id"])["Instance"]
    assert described["InstanceStatus"] == "CREATION_FAILED"
    assert described["StatusReason"] == {"Message": "Quota exceeded"}
    for field in ("Id", "Arn", "InstanceAccessUrl", "ServiceRole", "InstanceAlias"):
        assert field not in described, f"{field} should be null for a failed instance"


def test_defaults_are_seeded_and_flows_page(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    queues = connect.list_queues(InstanceId=instance_id)["QueueSummaryList"]
    assert [q["Name"] for q in queues] == ["BasicQueue"]
    hours = connect.list_hours_of_operations(InstanceId=instance_id)["HoursOfOperationSummaryList"]
    assert [h["Name"] for h in hours] == ["Basic Hours"]
    assert "Beep.wav" in [
        p["Name"] for p in connect.list_prompts(InstanceId=instance_id)["PromptSummaryList"]
    ]
    seen: list[str] = []
    token: str | None = None
    while True:
        page = connect.list_contact_flows(
            InstanceId=instance_id, MaxResults=2, **({"NextToken": token} if token else {})
        )
        assert len(page["ContactFlowSummaryList"]) <= 2
        seen += [f["Name"] for f in page["ContactFlowSummaryList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert "Default agent whisper" in seen
    assert len(seen) == len(set(seen)) == 9
    whisper = connect.list_contact_flows(InstanceId=instance_id, ContactFlowTypes=["AGENT_WHISPER"])
    assert [f["Name"] for f in whisper["ContactFlowSummaryList"]] == ["Default agent whisper"]
    with pytest.raises(ClientError) as excinfo:
        connect.list_contact_flows(InstanceId=instance_id, MaxResults=1001)
    assert code(excinfo) in ("InvalidParameterException", "ParamValidationError")


def test_flow_validation_reports_every_problem(aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    content = {
        "StartAction": "x",
        "Actions": [
            {
                "Identifier": "a",
                "Type": "UpdateContactTargetQueue",
                "Parameters": {"QueueId": instance_arn + "/queue/nope"},
            },
            {"Identifier": "a", "Parameters": {}},
        ],
    }
    with pytest.raises(ClientError) as excinfo:
        connect.create_contact_flow(
            InstanceId=instance_id, Name="f", Type="CONTACT_FLOW", Content=json.dumps(content)
        )
    assert code(excinfo) == "InvalidContactFlowException"
    messages = [p["message"] for p in excinfo.value.response["problems"]]
    assert "Version must be '2019-10-30' (got missing)" in messages
    assert "Action a: Type is missing" in messages
    assert "Action a: Identifier is not unique in the flow" in messages
    assert "StartAction x does not match any action Identifier" in messages
    assert any("/queue/nope does not exist" in m for m in messages)
    with pytest.raises(ClientError) as excinfo:
        connect.create_contact_flow(InstanceId=instance_id, Name="f", Type="CONTACT_FLOW", Content="{oops")
    assert excinfo.value.response["problems"][0]["message"].startswith("Content is not valid JSON")


def test_flow_lifecycle_saved_published_duplicate_delete(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    good = json.dumps(
        {
            "Version": "2019-10-30",
            "StartAction": "e",
            "Actions": [{"Identifier": "e", "Type": "DisconnectParticipant"}],
        }
    )
    draft = json.dumps({"Version": "2019-10-30"})
    created = connect.create_contact_flow(
        InstanceId=instance_id, Name="f", Type="CONTACT_FLOW", Content=draft, Status="SAVED"
    )
    flow_id = created["ContactFlowId"]
    with pytest.raises(ClientError) as excinfo:
        connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)
    assert code(excinfo) == "ContactFlowNotPublishedException", (
        "a never-published flow has no published content"
    )
    saved_only = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id + ":$SAVED")
    assert (saved_only["ContactFlow"]["Status"], saved_only["ContactFlow"]["Content"]) == ("SAVED", draft)
    with pytest.raises(ClientError) as excinfo:
        connect.update_contact_flow_content(InstanceId=instance_id, ContactFlowId=flow_id, Content=draft)
    assert code(excinfo) == "InvalidContactFlowException"
    connect.update_contact_flow_content(InstanceId=instance_id, ContactFlowId=flow_id, Content=good)
    connect.update_contact_flow_content(
        InstanceId=instance_id, ContactFlowId=flow_id + ":$SAVED", Content=draft
    )
    published = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)["ContactFlow"]
    saved = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id + ":$SAVED")[
        "ContactFlow"
    ]
    assert (published["Status"], published["Content"], saved["Content"]) == ("PUBLISHED", good, draft)
    assert saved["Status"] == "SAVED", "the last change was a save"
    with pytest.raises(ClientError) as excinfo:
        connect.create_contact_flow(InstanceId=instance_id, Name="f", Type="CONTACT_FLOW", Content=good)
    assert code(excinfo) == "DuplicateResourceException"
    connect.update_contact_flow_metadata(
        InstanceId=instance_id, ContactFlowId=flow_id, Name="g", ContactFlowState="ARCHIVED"
    )
    summary = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)["ContactFlow"]
    assert (summary["Name"], summary["State"]) == ("g", "ARCHIVED")
    connect.delete_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)
    with pytest.raises(ClientError) as excinfo:
        connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)
    assert code(excinfo) == "ResourceNotFoundException"


def test_queues_and_lambda_associations(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    hours = connect.list_hours_of_operations(InstanceId=instance_id)["HoursOfOperationSummaryList"][0]["Id"]
    queue = connect.create_queue(
        InstanceId=instance_id, Name="Support", HoursOfOperationId=hours, Tags={"t": "1"}
    )
    described = connect.describe_queue(InstanceId=instance_id, QueueId=queue["QueueId"])["Queue"]
    assert (described["Name"], described["HoursOfOperationId"], described["Tags"]) == (
        "Support",
        hours,
        {"t": "1"},
    )
    with pytest.raises(ClientError) as excinfo:
        connect.create_queue(InstanceId=instance_id, Name="Support", HoursOfOperationId=hours)
    assert code(excinfo) == "DuplicateResourceException"
    arn = "arn:aws:lambda:us-east-1:123456789012:function:lookup"
    connect.associate_lambda_function(InstanceId=instance_id, FunctionArn=arn)
    with pytest.raises(ClientError) as excinfo:
        connect.associate_lambda_function(InstanceId=instance_id, FunctionArn=arn)
    assert code(excinfo) == "ResourceConflictException"
    assert connect.list_lambda_functions(InstanceId=instance_id)["LambdaFunctions"] == [arn]
    connect.disassociate_lambda_function(InstanceId=instance_id, FunctionArn=arn)
    assert connect.list_lambda_functions(InstanceId=instance_id)["LambdaFunctions"] == []
    connect.delete_queue(InstanceId=instance_id, QueueId=queue["QueueId"])
    assert [q["Name"] for q in connect.list_queues(InstanceId=instance_id)["QueueSummaryList"]] == [
        "BasicQueue"
    ]


def test_phone_number_claims(aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    connect = aws("connect")

    def available(**kw: Any) -> list[str]:
        found = connect.search_available_phone_numbers(
            TargetArn=instance_arn, PhoneNumberCountryCode="GB", PhoneNumberType="DID", MaxResults=3, **kw
        )
        return [n["PhoneNumber"] for n in found["AvailableNumbersList"]]

    first = available()
    assert all(n.startswith("+44") for n in first)
    token = str(uuid.uuid4())
    with pytest.raises(ClientError) as excinfo:
        connect.claim_phone_number(TargetArn=instance_arn, PhoneNumber=first[0], ClientToken="a" * 64)
    assert code(excinfo) == "InvalidParameterException", "ClientToken must be a lower-case UUID"
    with knobs(phone_claim_delay=600) as live:
        claim = connect.claim_phone_number(TargetArn=instance_arn, PhoneNumber=first[0], ClientToken=token)
    again = connect.claim_phone_number(TargetArn=instance_arn, PhoneNumber=first[0], ClientToken=token)
    assert again["PhoneNumberId"] == claim["PhoneNumberId"]
    with pytest.raises(ClientError) as excinfo:
        connect.claim_phone_number(TargetArn=instance_arn, PhoneNumber=first[1], ClientToken=token)
    assert code(excinfo) == "IdempotencyException"
    summary = connect.describe_phone_number(PhoneNumberId=claim["PhoneNumberId"])["ClaimedPhoneNumberSummary"]
    assert summary["PhoneNumberStatus"]["Status"] == "IN_PROGRESS"
    with pytest.raises(ClientError) as excinfo:
        connect.release_phone_number(PhoneNumberId=claim["PhoneNumberId"])
    assert code(excinfo) == "ResourceInUseException"
    live.phone_claims[claim["PhoneNumberId"]].ready_at = time.time()
    summary = connect.describe_phone_number(PhoneNumberId=claim["PhoneNumberId"])["ClaimedPhoneNumberSummary"]
    assert summary["PhoneNumberStatus"]["Status"] == "CLAIMED"
    assert first[0] not in available()
    with knobs(phone_claim_races=1):
        lost = connect.claim_phone_number(TargetArn=instance_arn, PhoneNumber=first[1])
    status = connect.describe_phone_number(PhoneNumberId=lost["PhoneNumberId"])["ClaimedPhoneNumberSummary"][
        "PhoneNumberStatus"
    ]
    assert status["Status"] == "FAILED"
    assert "another" in status["Message"]
    assert first[1] not in available()
    connect.release_phone_number(PhoneNumberId=claim["PhoneNumberId"])
    assert first[0] not in available(), "released numbers cool down"
    with pytest.raises(ClientError) as excinfo:
        connect.release_phone_number(PhoneNumberId=claim["PhoneNumberId"])
    assert code(excinfo) == "ResourceNotFoundException"
    page = connect.search_available_phone_numbers(
        TargetArn=instance_arn, PhoneNumberCountryCode="US", PhoneNumberType="TOLL_FREE", MaxResults=2
    )
    nxt = connect.search_available_phone_numbers(
        TargetArn=instance_arn,
        PhoneNumberCountryCode="US",
        PhoneNumberType="TOLL_FREE",
        MaxResults=2,
        NextToken=page["NextToken"],
    )
    assert not {n["PhoneNumber"] for n in page["AvailableNumbersList"]} & {
        n["PhoneNumber"] for n in nxt["AvailableNumbersList"]
    }


def test_instance_attributes_origins_and_storage(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    with pytest.raises(ClientError) as excinfo:
        connect.update_instance_attribute(InstanceId=instance_id, AttributeType="CONTACT_LENS", Value="maybe")
    assert code(excinfo) == "InvalidParameterException"
    connect.update_instance_attribute(InstanceId=instance_id, AttributeType="OUTBOUND_CALLS", Value="false")
    assert connect.describe_instance(InstanceId=instance_id)["Instance"]["OutboundCallsEnabled"] is False
    attributes = [
        a
        for page in connect.get_paginator("list_instance_attributes").paginate(InstanceId=instance_id)
        for a in page["Attributes"]
    ]
    assert len(attributes) == 14
    connect.associate_approved_origin(InstanceId=instance_id, Origin="https://example.com")
    with pytest.raises(ClientError) as excinfo:
        connect.associate_approved_origin(InstanceId=instance_id, Origin="https://example.com")
    assert code(excinfo) == "ResourceConflictException"
    assert connect.list_approved_origins(InstanceId=instance_id)["Origins"] == ["https://example.com"]
    connect.disassociate_approved_origin(InstanceId=instance_id, Origin="https://example.com")
    assert connect.list_approved_origins(InstanceId=instance_id)["Origins"] == []
    config = {"StorageType": "S3", "S3Config": {"BucketName": "transcripts", "BucketPrefix": "chat"}}
    association = connect.associate_instance_storage_config(
        InstanceId=instance_id, ResourceType="CHAT_TRANSCRIPTS", StorageConfig=config
    )["AssociationId"]
    listed = connect.list_instance_storage_configs(InstanceId=instance_id, ResourceType="CHAT_TRANSCRIPTS")[
        "StorageConfigs"
    ]
    assert listed[0]["S3Config"]["BucketName"] == "transcripts"
    connect.disassociate_instance_storage_config(
        InstanceId=instance_id, AssociationId=association, ResourceType="CHAT_TRANSCRIPTS"
    )
    assert (
        connect.list_instance_storage_configs(InstanceId=instance_id, ResourceType="CHAT_TRANSCRIPTS")[
            "StorageConfigs"
        ]
        == []
    )


def test_deleting_an_instance_forgets_its_flows_and_numbers(aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    flow = connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"][0]
    number = connect.search_available_phone_numbers(
        TargetArn=instance_arn, PhoneNumberCountryCode="US", PhoneNumberType="DID"
    )["AvailableNumbersList"][0]["PhoneNumber"]
    claim = connect.claim_phone_number(TargetArn=instance_arn, PhoneNumber=number)
    connect.delete_instance(InstanceId=instance_id)
    for call in (
        lambda: connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow["Id"]),
        lambda: connect.describe_phone_number(PhoneNumberId=claim["PhoneNumberId"]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert code(excinfo) == "ResourceNotFoundException"


def test_hours_of_operation_can_be_created_and_named_in_queues(aws: Any, unique: Any) -> None:
    connect = aws("connect")
    instance = connect.create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("hours"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=False,
    )["Id"]
    config = [
        {"Day": "MONDAY", "StartTime": {"Hours": 8, "Minutes": 0}, "EndTime": {"Hours": 18, "Minutes": 0}}
    ]
    made = connect.create_hours_of_operation(
        InstanceId=instance, Name="Support Hours", TimeZone="Europe/London", Config=config
    )
    described = connect.describe_hours_of_operation(
        InstanceId=instance, HoursOfOperationId=made["HoursOfOperationId"]
    )
    assert described["HoursOfOperation"]["Config"] == config
    names = [
        h["Name"]
        for h in connect.list_hours_of_operations(InstanceId=instance)["HoursOfOperationSummaryList"]
    ]
    assert sorted(names) == ["Basic Hours", "Support Hours"]
    with pytest.raises(connect.exceptions.DuplicateResourceException):
        connect.create_hours_of_operation(
            InstanceId=instance, Name="Support Hours", TimeZone="UTC", Config=config
        )
    queue = connect.create_queue(
        InstanceId=instance, Name="Support", HoursOfOperationId=made["HoursOfOperationId"], Description="d"
    )
    assert queue["QueueArn"].endswith(queue["QueueId"])


def test_a_new_instance_has_the_prompts_a_real_one_has(aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    listed = aws("connect").list_prompts(InstanceId=instance_id)["PromptSummaryList"]
    assert sorted(p["Name"] for p in listed) == [
        "Beep.wav",
        "CustomerHold.wav",
        "CustomerQueue.wav",
        "Music_Jazz_MyTimetoFly_Inst.wav",
        "Music_Pop_ThisAndThatIsLife_Inst.wav",
        "Music_Pop_ThrowYourselfInFrontOfIt_Inst.wav",
        "Music_Rock_EverywhereTheSunShines_Inst.wav",
    ]


def test_create_prompt_answers_with_its_id_and_arn(aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    made = connect.create_prompt(
        InstanceId=instance_id, Name="Welcome", S3Uri="s3://prompts/welcome.wav", Tags={"t": "1"}
    )
    assert made["PromptARN"] == f"{instance_arn}/prompt/{made['PromptId']}"
    described = connect.describe_prompt(InstanceId=instance_id, PromptId=made["PromptId"])["Prompt"]
    assert (described["Name"], described["Tags"]) == ("Welcome", {"t": "1"})
    with pytest.raises(ClientError) as excinfo:
        connect.create_prompt(InstanceId=instance_id, Name="Welcome", S3Uri="s3://prompts/other.wav")
    assert code(excinfo) == "DuplicateResourceException"


def test_list_phone_numbers_v2_of_an_unknown_instance_is_not_found(aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    assert connect.list_phone_numbers_v2(TargetArn=instance_arn)["ListPhoneNumbersSummaryList"] == []
    unknown = instance_arn.rsplit("/", 1)[0] + "/" + str(uuid.uuid4())
    for call in (
        lambda: connect.list_phone_numbers_v2(TargetArn=unknown),
        lambda: connect.list_phone_numbers_v2(InstanceId=unknown.rsplit("/", 1)[1]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert code(excinfo) == "ResourceNotFoundException"
