"""``Custom::ConnectContactFlow`` against the emulator over HTTP: placeholders resolved by
name, every InvalidContactFlowException problem in the Reason, S3 content, in-place updates
that skip unchanged content, SAVED drafts."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from providers.connect import arns
from tests.contract.suite import MAX_BODY, assert_one_valid_response
from tests.integration.connect.connect_setup import calls, knobs, make_instance

TYPE = "Custom::ConnectContactFlow"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:customer-lookup"


def flow(*actions: dict[str, Any]) -> dict[str, Any]:
    chain = [*actions, {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}}]
    return {"Version": "2019-10-30", "StartAction": chain[0]["Identifier"], "Actions": chain}


def action(identifier: str, kind: str, **parameters: Any) -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": kind,
        "Parameters": parameters,
        "Transitions": {"NextAction": "end"},
    }


def described(aws: Any, arn: str, saved: bool = False) -> dict[str, Any]:
    ids = arns.flow_ids(arn)
    assert ids
    flow_id = ids[1] + (":$SAVED" if saved else "")
    return dict(aws("connect").describe_contact_flow(InstanceId=ids[0], ContactFlowId=flow_id)["ContactFlow"])


def names(aws: Any, instance_id: str) -> list[str]:
    listed = aws("connect").list_contact_flows(InstanceId=instance_id, MaxResults=1000)
    return [f["Name"] for f in listed["ContactFlowSummaryList"]]


def test_placeholders_resolve_by_name(cfn: Any, aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    connect.associate_lambda_function(InstanceId=instance_id, FunctionArn=LAMBDA)
    content = flow(
        action("queue", "UpdateContactTargetQueue", QueueId="${Queue:BasicQueue}"),
        action(
            "whisper", "UpdateContactEventHooks", EventHooks={"AgentWhisper": "${Flow:Default agent whisper}"}
        ),
        action("beep", "MessageParticipant", PromptId="${Prompt:Beep.wav}"),
        action("hours", "CheckHoursOfOperation", HoursOfOperationId="${Hours:Basic Hours}"),
        action("lookup", "InvokeLambdaFunction", LambdaFunctionARN="${Lambda:customer-lookup}"),
        action("say", "MessageParticipant", Text="Call ${Team} at $${literal}"),
    )
    props = {
        "InstanceArn": instance_arn,
        "Name": "Main",
        "Type": "CONTACT_FLOW",
        "Content": content,
        "Substitutions": {"Team": 'Support "Tier 1"'},
    }
    answer = cfn.create(TYPE, props)
    body = assert_one_valid_response(answer, "SUCCESS")
    assert body["Data"]["ContactFlowArn"] == answer.physical_id
    assert body["Data"]["ContactFlowId"] == answer.physical_id.rsplit("/", 1)[-1]
    stored = json.loads(described(aws, answer.physical_id)["Content"])
    params = {a["Identifier"]: a["Parameters"] for a in stored["Actions"]}
    queues = connect.list_queues(InstanceId=instance_id)["QueueSummaryList"]
    assert params["queue"]["QueueId"] == next(q["Arn"] for q in queues if q["Name"] == "BasicQueue")
    assert params["whisper"]["EventHooks"]["AgentWhisper"].startswith(instance_arn + "/contact-flow/")
    assert params["beep"]["PromptId"].startswith(instance_arn + "/prompt/")
    assert params["hours"]["HoursOfOperationId"].startswith(instance_arn + "/operating-hours/")
    assert params["lookup"]["LambdaFunctionARN"] == LAMBDA
    assert params["say"]["Text"] == 'Call Support "Tier 1" at ${literal}'


def test_unknown_queue_placeholder_fails_naming_it(cfn: Any, aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    content = flow(action("queue", "UpdateContactTargetQueue", QueueId="${Queue:Support}"))
    props = {"InstanceArn": instance_arn, "Name": "Support line", "Type": "CONTACT_FLOW", "Content": content}
    body = assert_one_valid_response(cfn.create(TYPE, props), "FAILED")
    assert "${Queue:Support}" in body["Reason"]
    assert "BasicQueue" in body["Reason"], "the Reason should list the queues that do exist"
    assert body["Reason"].startswith("Content:")
    assert "Support line" not in names(aws, instance_id), "nothing may be created"


def test_every_unresolved_placeholder_is_reported(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    content = flow(
        action("a", "UpdateContactTargetQueue", QueueId="${Queue:Nope}"),
        action("b", "InvokeLambdaFunction", LambdaFunctionARN="${Lambda:not-associated}"),
        action("c", "MessageParticipant", Text="${Missing}"),
    )
    props = {"InstanceArn": instance_arn, "Name": "x", "Type": "CONTACT_FLOW", "Content": content}
    reason = assert_one_valid_response(cfn.create(TYPE, props), "FAILED")["Reason"]
    for needle in ("${Queue:Nope}", "${Lambda:not-associated}", "${Missing}: not in Substitutions"):
        assert needle in reason


def test_invalid_contact_flow_problems_all_in_reason(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    ghost_queue = instance_arn + "/queue/00000000-0000-0000-0000-000000000001"
    ghost_flow = instance_arn + "/contact-flow/00000000-0000-0000-0000-000000000002"
    content = flow(
        action("q", "UpdateContactTargetQueue", QueueId=ghost_queue),
        action("f", "TransferToFlow", ContactFlowId=ghost_flow),
        action("l", "InvokeLambdaFunction", LambdaFunctionARN=LAMBDA),
    )
    content["StartAction"] = "nowhere"
    props = {"InstanceArn": instance_arn, "Name": "broken", "Type": "CONTACT_FLOW", "Content": content}
    reason = assert_one_valid_response(cfn.create(TYPE, props), "FAILED")["Reason"]
    assert "InvalidContactFlowException" in reason or "Connect rejected the flow content" in reason
    assert "4 problems" in reason
    for needle in (ghost_queue, ghost_flow, LAMBDA, "StartAction nowhere"):
        assert needle in reason


def test_many_problems_are_trimmed_to_fit(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    ghosts = [
        action(f"q{i}", "UpdateContactTargetQueue", QueueId=f"{instance_arn}/queue/{i:08d}-dead")
        for i in range(150)
    ]
    props = {"InstanceArn": instance_arn, "Name": "huge", "Type": "CONTACT_FLOW", "Content": flow(*ghosts)}
    answer = cfn.create(TYPE, props)
    body = assert_one_valid_response(answer, "FAILED")
    assert "50 problems" in body["Reason"], "Connect lists at most 50 problems (botocore's Problems)"
    assert "more" in body["Reason"]
    assert len(answer.puts[0].raw) <= MAX_BODY


def test_content_from_s3(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    bucket = unique("flows")
    aws("s3").create_bucket(Bucket=bucket)
    body = json.dumps(flow(action("q", "UpdateContactTargetQueue", QueueId="${Queue:BasicQueue}")))
    aws("s3").put_object(Bucket=bucket, Key="main.json", Body=body.encode())
    props = {
        "InstanceArn": instance_arn,
        "Name": "from-s3",
        "Type": "CONTACT_FLOW",
        "ContentS3": {"Bucket": bucket, "Key": "main.json"},
    }
    answer = cfn.create(TYPE, props)
    assert_one_valid_response(answer, "SUCCESS")
    stored = json.loads(described(aws, answer.physical_id)["Content"])
    assert stored["Actions"][0]["Parameters"]["QueueId"].startswith(instance_arn + "/queue/")
    missing = {**props, "Name": "missing", "ContentS3": {"Bucket": bucket, "Key": "nope.json"}}
    reason = assert_one_valid_response(cfn.create(TYPE, missing), "FAILED")["Reason"]
    assert reason.startswith("ContentS3:")
    assert "NoSuchKey" in reason


def test_content_and_content_s3_are_exclusive(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    props = {
        "InstanceArn": instance_arn,
        "Name": "both",
        "Type": "CONTACT_FLOW",
        "Content": flow(),
        "ContentS3": {"Bucket": "b-b-b", "Key": "k"},
    }
    assert_one_valid_response(cfn.create(TYPE, props), "FAILED")


def test_update_skips_unchanged_content_and_changes_metadata(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    props = {
        "InstanceArn": instance_arn,
        "Name": "v1",
        "Type": "CONTACT_FLOW",
        "Content": flow(),
        "Description": "one",
    }
    created = cfn.create(TYPE, props)
    assert_one_valid_response(created, "SUCCESS")
    # Same flow written as a differently formatted string: no content update needed.
    renamed = {
        **props,
        "Name": "v2",
        "Description": "two",
        "State": "ARCHIVED",
        "Content": json.dumps(flow(), indent=4),
    }
    before = calls("update_contact_flow_content")
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, renamed, props), "SUCCESS")
    assert calls("update_contact_flow_content") == before
    now = described(aws, created.physical_id)
    assert (now["Name"], now["Description"], now["State"]) == ("v2", "two", "ARCHIVED")
    changed = {**renamed, "Content": flow(action("hi", "MessageParticipant", Text="hello"))}
    updated = cfn.update(TYPE, created.physical_id, changed, renamed)
    assert_one_valid_response(updated, "SUCCESS")
    assert updated.physical_id == created.physical_id
    assert calls("update_contact_flow_content") == before + 1
    assert json.loads(described(aws, created.physical_id)["Content"])["StartAction"] == "hi"


def test_invalid_content_on_update_lists_problems_and_keeps_the_flow(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    props = {"InstanceArn": instance_arn, "Name": "stable", "Type": "CONTACT_FLOW", "Content": flow()}
    created = cfn.create(TYPE, props)
    assert_one_valid_response(created, "SUCCESS")
    broken = {**props, "Content": {"Version": "2019-10-30", "Actions": []}}
    reason = assert_one_valid_response(cfn.update(TYPE, created.physical_id, broken, props), "FAILED")[
        "Reason"
    ]
    assert "StartAction is missing" in reason
    assert json.loads(described(aws, created.physical_id)["Content"]) == flow()


def test_saved_draft_then_publish(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    ghost = instance_arn + "/queue/00000000-0000-0000-0000-00000000dead"
    draft = flow(action("q", "UpdateContactTargetQueue", QueueId=ghost))
    props = {
        "InstanceArn": instance_arn,
        "Name": "draft",
        "Type": "CONTACT_FLOW",
        "Content": draft,
        "Status": "SAVED",
    }
    created = cfn.create(TYPE, props)
    assert_one_valid_response(created, "SUCCESS")  # drafts are not validated
    assert described(aws, created.physical_id, saved=True)["Status"] == "SAVED"
    publish = {**props, "Status": "PUBLISHED"}
    reason = assert_one_valid_response(cfn.update(TYPE, created.physical_id, publish, props), "FAILED")[
        "Reason"
    ]
    assert ghost in reason
    fixed = {
        **publish,
        "Content": flow(action("q", "UpdateContactTargetQueue", QueueId="${Queue:BasicQueue}")),
    }
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, fixed, props), "SUCCESS")
    assert described(aws, created.physical_id)["Status"] == "PUBLISHED"


def test_replacement_with_the_same_name_explains_itself(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    props = {"InstanceArn": instance_arn, "Name": "queue-flow", "Type": "CONTACT_FLOW", "Content": flow()}
    created = cfn.create(TYPE, props)
    assert_one_valid_response(created, "SUCCESS")
    retyped = {**props, "Type": "CUSTOMER_QUEUE"}
    reason = assert_one_valid_response(cfn.update(TYPE, created.physical_id, retyped, props), "FAILED")[
        "Reason"
    ]
    assert "Name:" in reason
    assert "new Name" in reason
    assert described(aws, created.physical_id)["Type"] == "CONTACT_FLOW", "the old flow must be untouched"


def test_delete_removes_the_flow_and_tolerates_a_deleted_instance(cfn: Any, aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    props = {"InstanceArn": instance_arn, "Name": "gone", "Type": "CONTACT_FLOW", "Content": flow()}
    created = cfn.create(TYPE, props)
    assert_one_valid_response(cfn.delete(TYPE, created.physical_id, props), "SUCCESS")
    assert "gone" not in names(aws, instance_id)
    again = cfn.create(TYPE, {**props, "Name": "orphan"})
    aws("connect").delete_instance(InstanceId=instance_id)
    assert_one_valid_response(cfn.delete(TYPE, again.physical_id, props), "SUCCESS")


def test_throttled_connect_apis_are_absorbed(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    content = flow(
        action("q", "UpdateContactTargetQueue", QueueId="${Queue:BasicQueue}"),
        action("w", "UpdateContactEventHooks", EventHooks={"AgentWhisper": "${Flow:Default agent whisper}"}),
    )
    props = {"InstanceArn": instance_arn, "Name": "throttled", "Type": "CONTACT_FLOW", "Content": content}
    with knobs(throttle_rate_scale=0.5, throttle_burst_scale=0.2) as live:
        before = live.throttled_count
        first = cfn.create(TYPE, {**props, "Name": "throttled-1"})
        second = cfn.create(TYPE, {**props, "Name": "throttled-2"})
        throttled = live.throttled_count - before
    assert_one_valid_response(first, "SUCCESS")
    assert_one_valid_response(second, "SUCCESS")
    assert throttled > 0, "the test should actually have been throttled"


def test_a_create_that_fails_after_making_the_flow_reports_it_so_the_delete_removes_it(
    cfn: Any, aws: Any, unique: Any, monkeypatch: Any
) -> None:
    """Rule 4: archiving comes after CreateContactFlow; if it fails, the FAILED answer names
    the flow (not the made-nothing marker), so CloudFormation's follow-up Delete removes it."""
    from providers.core.aws import reset_clients

    instance_id, instance_arn = make_instance(aws, unique)
    props = {
        "InstanceArn": instance_arn,
        "Name": "Archived at birth",
        "Type": "CONTACT_FLOW",
        "Content": flow(),
        "State": "ARCHIVED",
    }
    monkeypatch.setenv("GAPFILL_MAX_ATTEMPTS", "1")
    reset_clients()
    with knobs(throttle_rate_scale=0.0005, throttle_burst_scale=0.2) as live:
        live.throttle_buckets.clear()
        # Spend UpdateContactFlowMetadata's one token: the provider's call after its create is throttled.
        with contextlib.suppress(aws("connect").exceptions.ClientError):
            aws("connect").update_contact_flow_metadata(
                InstanceId=instance_id, ContactFlowId="no-such-flow", ContactFlowState="ARCHIVED"
            )
        failed = cfn.create(TYPE, props)
        live.throttle_buckets.clear()
    monkeypatch.delenv("GAPFILL_MAX_ATTEMPTS")
    reset_clients()
    body = assert_one_valid_response(failed, "FAILED")
    assert "ThrottlingException" in body["Reason"]
    assert arns.flow_ids(failed.physical_id) is not None, failed.physical_id
    assert "Archived at birth" in names(aws, instance_id)
    assert_one_valid_response(cfn.delete(TYPE, failed.physical_id, props), "SUCCESS")
    assert "Archived at birth" not in names(aws, instance_id)


def test_saved_update_of_a_published_flow_keeps_what_is_published(cfn: Any, aws: Any, unique: Any) -> None:
    """Status SAVED on a published flow writes and compares the saved content (``:$SAVED``),
    never the published one; publishing it again is a content update of the flow id."""
    _, instance_arn = make_instance(aws, unique)
    props = {"InstanceArn": instance_arn, "Name": "live", "Type": "CONTACT_FLOW", "Content": flow()}
    created = cfn.create(TYPE, props)
    assert_one_valid_response(created, "SUCCESS")
    draft_content = flow(action("hi", "MessageParticipant", Text="new greeting"))
    draft = {**props, "Status": "SAVED", "Content": draft_content}
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, draft, props), "SUCCESS")
    assert json.loads(described(aws, created.physical_id)["Content"]) == flow()
    assert json.loads(described(aws, created.physical_id, saved=True)["Content"]) == draft_content
    before = calls("update_contact_flow_content")
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, draft, draft), "SUCCESS")
    assert calls("update_contact_flow_content") == before, "the saved content is already there"
    publish = {**draft, "Status": "PUBLISHED"}
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, publish, draft), "SUCCESS")
    assert json.loads(described(aws, created.physical_id)["Content"]) == draft_content
