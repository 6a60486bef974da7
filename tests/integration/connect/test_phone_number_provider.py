"""``Custom::ConnectPhoneNumber`` against the emulator over HTTP: asynchronous claims, lost
races retried with the next number, claim failure, replacement order, flow association."""

from __future__ import annotations

from typing import Any

from providers.connect import arns
from tests.contract.suite import assert_one_valid_response
from tests.integration.connect.connect_setup import calls, knobs, make_instance

TYPE = "Custom::ConnectPhoneNumber"


def props(instance_arn: str, **extra: Any) -> dict[str, Any]:
    return {"TargetArn": instance_arn, "CountryCode": "US", "Type": "DID", **extra}


def status(aws: Any, arn: str) -> str:
    connect = aws("connect")
    try:
        summary = connect.describe_phone_number(PhoneNumberId=arns.phone_number_id(arn))
    except connect.exceptions.ResourceNotFoundException:
        return "GONE"
    return str(summary["ClaimedPhoneNumberSummary"]["PhoneNumberStatus"]["Status"])


def flow_of(aws: Any, instance_id: str, number_arn: str) -> str | None:
    listed = aws("connect").list_flow_associations(InstanceId=instance_id, ResourceType="VOICE_PHONE_NUMBER")
    return {a["ResourceId"]: a["FlowId"] for a in listed["FlowAssociationSummaryList"]}.get(number_arn)


def a_flow(aws: Any, instance_id: str, index: int = 0) -> str:
    listed = aws("connect").list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
    return str(listed[index]["Arn"])


def test_slow_claim_succeeds_with_address(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    with knobs(phone_claim_delay=0.5):
        answer = cfn.create(TYPE, props(instance_arn, Prefix="+1206"))
    body = assert_one_valid_response(answer, "SUCCESS")
    assert body["Data"]["PhoneNumberArn"] == answer.physical_id
    assert body["Data"]["Address"].startswith("+1206")
    assert status(aws, answer.physical_id) == "CLAIMED"


def test_lost_claim_race_is_retried_with_another_number(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    before = calls("claim_phone_number")
    with knobs(phone_claim_races=2, phone_claim_delay=0.2) as live:
        answer = cfn.create(TYPE, props(instance_arn, Description=unique("race")))
        lost = sorted(live.unavailable_numbers)
    body = assert_one_valid_response(answer, "SUCCESS")
    assert calls("claim_phone_number") - before == 3, "two lost claims, then a won one"
    assert body["Data"]["Address"] not in lost
    assert status(aws, answer.physical_id) == "CLAIMED"
    listed = aws("connect").list_phone_numbers_v2(TargetArn=instance_arn)["ListPhoneNumbersSummaryList"]
    assert [n["PhoneNumber"] for n in listed] == [body["Data"]["Address"]], "exactly one number is ours"


def test_claim_failure_gives_failed(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    message = "Phone number provisioning is temporarily unavailable"
    with knobs(phone_claim_failure=message):
        answer = cfn.create(TYPE, props(instance_arn))
    body = assert_one_valid_response(answer, "FAILED")
    assert message in body["Reason"]
    assert "3 attempts" in body["Reason"]
    listed = aws("connect").list_phone_numbers_v2(TargetArn=instance_arn)["ListPhoneNumbersSummaryList"]
    assert listed == []
    assert_one_valid_response(cfn.delete(TYPE, answer.physical_id, props(instance_arn)), "SUCCESS")


def test_no_numbers_available_names_the_properties(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    reason = assert_one_valid_response(cfn.create(TYPE, props(instance_arn, Prefix="+44")), "FAILED")[
        "Reason"
    ]
    assert "no DID phone numbers available in US with prefix +44" in reason


def test_replacement_claims_the_new_number_before_the_old_is_released(
    cfn: Any, aws: Any, unique: Any
) -> None:
    _, instance_arn = make_instance(aws, unique)
    old_props = props(instance_arn, Description="main line")
    created = cfn.create(TYPE, old_props)
    assert_one_valid_response(created, "SUCCESS")
    new_props = {**old_props, "Type": "TOLL_FREE"}
    releases = calls("release_phone_number")
    with knobs(phone_claim_delay=0.3):
        updated = cfn.update(TYPE, created.physical_id, new_props, old_props)
    body = assert_one_valid_response(updated, "SUCCESS")
    assert updated.physical_id != created.physical_id
    # Both numbers are held at this point: the update claimed without releasing anything.
    assert calls("release_phone_number") == releases
    assert status(aws, created.physical_id) == "CLAIMED"
    assert status(aws, updated.physical_id) == "CLAIMED"
    assert body["Data"]["Address"].startswith("+1800")
    # CloudFormation's cleanup then deletes the old one, with the old properties.
    assert_one_valid_response(cfn.delete(TYPE, created.physical_id, old_props), "SUCCESS")
    assert status(aws, created.physical_id) == "GONE"
    assert status(aws, updated.physical_id) == "CLAIMED"


def test_flow_association_changes_in_place(cfn: Any, aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    first, second = a_flow(aws, instance_id, 0), a_flow(aws, instance_id, 1)
    base = props(instance_arn, ContactFlowArn=first)
    created = cfn.create(TYPE, base)
    assert_one_valid_response(created, "SUCCESS")
    assert flow_of(aws, instance_id, created.physical_id) == first
    moved = {**base, "ContactFlowArn": second}
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, moved, base), "SUCCESS")
    assert flow_of(aws, instance_id, created.physical_id) == second
    unrouted = props(instance_arn)
    updated = cfn.update(TYPE, created.physical_id, unrouted, moved)
    assert_one_valid_response(updated, "SUCCESS")
    assert updated.physical_id == created.physical_id
    assert flow_of(aws, instance_id, created.physical_id) is None
    assert_one_valid_response(cfn.delete(TYPE, created.physical_id, unrouted), "SUCCESS")


def test_flow_of_another_instance_is_rejected(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    other_id, _ = make_instance(aws, unique)
    body = assert_one_valid_response(
        cfn.create(TYPE, props(instance_arn, ContactFlowArn=a_flow(aws, other_id))), "FAILED"
    )
    assert body["Reason"].startswith("ContactFlowArn:")


def test_delete_disassociates_releases_and_tolerates_already_released(
    cfn: Any, aws: Any, unique: Any
) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    properties = props(instance_arn, ContactFlowArn=a_flow(aws, instance_id))
    created = cfn.create(TYPE, properties)
    assert_one_valid_response(created, "SUCCESS")
    disassociations = calls("disassociate_phone_number_contact_flow")
    assert_one_valid_response(cfn.delete(TYPE, created.physical_id, properties), "SUCCESS")
    assert calls("disassociate_phone_number_contact_flow") == disassociations + 1
    assert status(aws, created.physical_id) == "GONE"
    assert flow_of(aws, instance_id, created.physical_id) is None
    # Released behind CloudFormation's back, or a retried Delete: still success.
    assert_one_valid_response(cfn.delete(TYPE, created.physical_id, {"Bogus": "stale"}), "SUCCESS")


def test_description_and_tags_update_in_place(cfn: Any, aws: Any, unique: Any) -> None:
    _, instance_arn = make_instance(aws, unique)
    base = props(instance_arn, Description="one", Tags=[{"Key": "a", "Value": "1"}])
    created = cfn.create(TYPE, base)
    changed = {**base, "Description": "two", "Tags": [{"Key": "b", "Value": "2"}]}
    assert_one_valid_response(cfn.update(TYPE, created.physical_id, changed, base), "SUCCESS")
    summary = aws("connect").describe_phone_number(PhoneNumberId=arns.phone_number_id(created.physical_id))
    summary = summary["ClaimedPhoneNumberSummary"]
    assert summary["PhoneNumberDescription"] == "two"
    tags = {k: v for k, v in summary["Tags"].items() if not k.startswith("gapfill:")}
    assert tags == {"b": "2"}
