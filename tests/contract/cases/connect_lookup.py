"""Contract case for ``Custom::ConnectLookup``: a fresh instance per resource; "exists" means the
physical id is this type's id for that instance and the names still resolve. Delete keeps by
design (a lookup made nothing), so after a Delete the instance's resources must still be there."""

from __future__ import annotations

import json
from typing import Any

from providers.connect.lookup import PID_PREFIX
from tests.contract.suite import ContractCase, Env

FLOW = {
    "Version": "2019-10-30",
    "StartAction": "end",
    "Actions": [{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}],
}


def make_instance(env: Env) -> str:
    made = env.client("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=env.unique("lookup"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    # A flow of the team's own, that the out-of-band case deletes by hand.
    env.client("connect").create_contact_flow(
        InstanceId=made["Id"], Name="Team flow", Type="CONTACT_FLOW", Content=json.dumps(FLOW)
    )
    return str(made["Arn"])


def make_properties(env: Env) -> dict[str, Any]:
    return {
        "InstanceArn": make_instance(env),
        "Queues": ["BasicQueue"],
        "SecurityProfiles": ["Admin"],
        "ContactFlows": ["Team flow"],
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "HoursOfOperations": ["Basic Hours"]}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "InstanceArn": make_instance(env)}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    instance_id = str(props["InstanceArn"]).rsplit("/", 1)[-1]
    assert physical_id.startswith(f"{PID_PREFIX}:{instance_id}:"), physical_id
    queues = env.client("connect").list_queues(InstanceId=instance_id)["QueueSummaryList"]
    return any(q["Name"] == "BasicQueue" for q in queues)


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """The looked-up flow deleted by hand: its name no longer resolves."""
    connect = env.client("connect")
    instance_id = str(props["InstanceArn"]).rsplit("/", 1)[-1]
    flows = connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
    flow = next(f for f in flows if f.get("Name") == "Team flow")
    connect.delete_contact_flow(InstanceId=instance_id, ContactFlowId=flow["Id"])
    return "ContactFlows[Team flow]"


CASE = ContractCase(
    resource_type="Custom::ConnectLookup",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    required=("InstanceArn",),
    retained_on_delete=True,
    bad_values=[
        ("Queues[0]", lambda p: {**p, "Queues": ["NoSuchQueue"]}),
        ("SecurityProfiles", lambda p: {**p, "SecurityProfiles": "Admin"}),
        ("Prompts[0]", lambda p: {**p, "Prompts": ["..."]}),
    ],
)
