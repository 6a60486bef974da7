"""Contract case for ``Custom::ConnectContactFlow``: flows in a shared emulated instance,
with content that uses placeholders; "exists" means a flow with the declared name and
content (placeholders resolved) is in the instance."""

from __future__ import annotations

import json
from typing import Any

from providers.connect import arns
from tests.contract.suite import ContractCase, Env


def instance_arn(env: Env) -> str:
    if "instance_arn" not in env.scratch:
        created = env.client("connect").create_instance(
            IdentityManagementType="CONNECT_MANAGED",
            InstanceAlias=env.unique("flows"),
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
        )
        env.scratch["instance_arn"] = created["Arn"]
    return str(env.scratch["instance_arn"])


def flow_content(greeting: str) -> dict[str, Any]:
    return {
        "Version": "2019-10-30",
        "StartAction": "greet",
        "Actions": [
            {
                "Identifier": "greet",
                "Type": "MessageParticipant",
                "Parameters": {"Text": "${Greeting}"},
                "Transitions": {"NextAction": "queue"},
            },
            {
                "Identifier": "queue",
                # Valid in both flow types the case uses (CONTACT_FLOW, then CUSTOMER_QUEUE):
                # UpdateContactTargetQueue is documented as not supported in customer queue flows.
                "Type": "GetMetricData",
                "Parameters": {"QueueId": "${Queue:BasicQueue}"},
                "Transitions": {"NextAction": "end"},
            },
            {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}},
        ],
        "Metadata": {"greeting": greeting},
    }


def make_properties(env: Env) -> dict[str, Any]:
    return {
        "InstanceArn": instance_arn(env),
        "Name": env.unique("flow"),
        "Type": "CONTACT_FLOW",
        "Description": "contract",
        "Content": flow_content("hello"),
        "Substitutions": {"Greeting": "Hello, thanks for calling"},
        "Tags": [{"Key": "team", "Value": "cc"}],
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {
        **props,
        "Name": env.unique("renamed"),
        "Description": "changed",
        "Content": json.dumps(flow_content("goodbye")),
        "Substitutions": {"Greeting": "Hi again"},
    }


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Type": "CUSTOMER_QUEUE", "Name": env.unique("queue-flow")}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    ids = arns.flow_ids(physical_id)
    assert ids, f"not a flow ARN: {physical_id}"
    connect = env.client("connect")
    try:
        flow = connect.describe_contact_flow(InstanceId=ids[0], ContactFlowId=ids[1])["ContactFlow"]
    except connect.exceptions.ResourceNotFoundException:
        return False
    assert flow["Name"] == props["Name"]
    assert flow["Type"] == props["Type"]
    content = json.loads(flow["Content"])
    assert content["Actions"][0]["Parameters"]["Text"] == props["Substitutions"]["Greeting"]
    assert content["Actions"][1]["Parameters"]["QueueId"].startswith(props["InstanceArn"] + "/queue/")
    return True


def count(env: Env, props: dict[str, Any]) -> int:
    listed = env.client("connect").list_contact_flows(InstanceId=props["InstanceArn"], MaxResults=1000)
    return sum(1 for f in listed["ContactFlowSummaryList"] if f["Name"] == props["Name"])


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """The flow renamed in the console."""
    ids = arns.flow_ids(physical_id)
    assert ids is not None
    env.client("connect").update_contact_flow_metadata(
        InstanceId=ids[0], ContactFlowId=ids[1], Name=env.unique("by-hand")
    )
    return "Name"


CASE = ContractCase(
    resource_type="Custom::ConnectContactFlow",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    required=("InstanceArn", "Name", "Type"),
    bad_values=[
        ("InstanceArn", lambda p: {**p, "InstanceArn": "not-an-arn"}),
        ("Type", lambda p: {**p, "Type": "IVR"}),
        ("Content: is not valid JSON", lambda p: {**p, "Content": "{not json"}),
        ("Content", lambda p: {k: v for k, v in p.items() if k != "Content"}),
        (
            "${Queue:NoSuchQueue}",
            lambda p: {**p, "Content": json.dumps(p["Content"]).replace("BasicQueue", "NoSuchQueue")},
        ),
        ("${Greeting}", lambda p: {**p, "Substitutions": {}}),
    ],
)
