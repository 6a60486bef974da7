"""Contract case for ``Custom::ConnectPhoneNumber``: numbers claimed for a shared emulated
instance and routed to one of its default flows; "exists" means CLAIMED with the declared
description."""

from __future__ import annotations

from typing import Any

from providers.connect import arns
from tests.contract.suite import ContractCase, Env


def instance_arn(env: Env) -> str:
    if "instance_arn" not in env.scratch:
        created = env.client("connect").create_instance(
            IdentityManagementType="CONNECT_MANAGED",
            InstanceAlias=env.unique("numbers"),
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
        )
        env.scratch["instance_arn"] = created["Arn"]
    return str(env.scratch["instance_arn"])


def sample_flow(env: Env) -> str:
    flows = env.client("connect").list_contact_flows(
        InstanceId=instance_arn(env), ContactFlowTypes=["CONTACT_FLOW"]
    )
    return str(flows["ContactFlowSummaryList"][0]["Arn"])


def make_properties(env: Env) -> dict[str, Any]:
    return {
        "TargetArn": instance_arn(env),
        "CountryCode": "US",
        "Type": "DID",
        "Description": env.unique("line"),
        "ContactFlowArn": sample_flow(env),
        "Tags": [{"Key": "team", "Value": "cc"}],
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    changed = {k: v for k, v in props.items() if k != "ContactFlowArn"}
    return {**changed, "Description": env.unique("renamed-line"), "Tags": [{"Key": "team", "Value": "sales"}]}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Prefix": "+1206555"}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    number_id = arns.phone_number_id(physical_id)
    assert number_id, f"not a phone number ARN: {physical_id}"
    connect = env.client("connect")
    try:
        summary = connect.describe_phone_number(PhoneNumberId=number_id)["ClaimedPhoneNumberSummary"]
    except connect.exceptions.ResourceNotFoundException:
        return False
    assert summary["PhoneNumberStatus"]["Status"] == "CLAIMED"
    assert summary["PhoneNumberDescription"] == props["Description"]
    if props.get("Prefix"):
        assert summary["PhoneNumber"].startswith(props["Prefix"])
    flows = connect.list_flow_associations(InstanceId=props["TargetArn"], ResourceType="VOICE_PHONE_NUMBER")
    routed = {a["ResourceId"]: a["FlowId"] for a in flows["FlowAssociationSummaryList"]}
    assert routed.get(physical_id) == props.get("ContactFlowArn"), "flow association does not match"
    return True


def count(env: Env, props: dict[str, Any]) -> int:
    listed = env.client("connect").list_phone_numbers_v2(TargetArn=props["TargetArn"], MaxResults=1000)
    return sum(
        1
        for n in listed["ListPhoneNumbersSummaryList"]
        if n.get("PhoneNumberDescription") == props["Description"]
    )


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """The number's description edited in the console."""
    env.client("connect").update_phone_number_metadata(
        PhoneNumberId=arns.phone_number_id(physical_id), PhoneNumberDescription="edited by hand"
    )
    return "Description"


CASE = ContractCase(
    resource_type="Custom::ConnectPhoneNumber",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    required=("TargetArn", "CountryCode", "Type"),
    bad_values=[
        ("CountryCode", lambda p: {**p, "CountryCode": "usa"}),
        ("Type", lambda p: {**p, "Type": "SHARED"}),
        ("Prefix", lambda p: {**p, "Prefix": "call-me"}),
        ("ContactFlowArn", lambda p: {**p, "ContactFlowArn": p["TargetArn"]}),
    ],
)
