"""Contract case for ``Custom::ConnectInstance``: a fresh alias per resource; "exists" means
the instance is ACTIVE with that alias and the declared ContactflowLogs value."""

from __future__ import annotations

from typing import Any

from providers.connect import arns
from tests.contract.suite import ContractCase, Env


def make_properties(env: Env) -> dict[str, Any]:
    return {
        "InstanceAlias": env.unique("gf"),
        "IdentityManagementType": "CONNECT_MANAGED",
        "Attributes": {"InboundCalls": True, "OutboundCalls": False, "ContactflowLogs": True},
        "Tags": [{"Key": "team", "Value": "contact-centre"}],
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    attributes = {**props["Attributes"], "ContactflowLogs": False, "OutboundCalls": True}
    return {**props, "Attributes": attributes, "Tags": [{"Key": "team", "Value": "support"}]}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "InstanceAlias": env.unique("gf")}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    instance_id = arns.instance_id(physical_id)
    assert instance_id, f"not an instance ARN: {physical_id}"
    connect = env.client("connect")
    try:
        described = connect.describe_instance(InstanceId=instance_id)["Instance"]
    except connect.exceptions.ResourceNotFoundException:
        return False
    assert described["InstanceStatus"] == "ACTIVE"
    assert described["InstanceAlias"] == props["InstanceAlias"]
    logs = connect.describe_instance_attribute(InstanceId=instance_id, AttributeType="CONTACTFLOW_LOGS")
    wanted = "true" if props["Attributes"]["ContactflowLogs"] else "false"
    assert logs["Attribute"]["Value"] == wanted, "ContactflowLogs attribute not applied"
    return True


def count(env: Env, props: dict[str, Any]) -> int:
    listed = env.client("connect").list_instances(MaxResults=10)
    summaries = list(listed["InstanceSummaryList"])
    while listed.get("NextToken"):
        listed = env.client("connect").list_instances(MaxResults=10, NextToken=listed["NextToken"])
        summaries += listed["InstanceSummaryList"]
    return sum(1 for s in summaries if s.get("InstanceAlias") == props["InstanceAlias"])


def _set(path: tuple[str, ...], value: Any) -> Any:
    def transform(props: dict[str, Any]) -> dict[str, Any]:
        target = props
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return props

    return transform


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """A declared attribute switched off, and a declared tag changed, in the console."""
    connect = env.client("connect")
    instance_id = arns.instance_id(physical_id)
    connect.update_instance_attribute(InstanceId=instance_id, AttributeType="CONTACTFLOW_LOGS", Value="false")
    return "Attributes.ContactflowLogs"


CASE = ContractCase(
    resource_type="Custom::ConnectInstance",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    required=("IdentityManagementType", "Attributes"),
    bad_values=[
        ("IdentityManagementType", _set(("IdentityManagementType",), "LDAP")),
        ("InstanceAlias", _set(("InstanceAlias",), "-not an alias")),
        ("Attributes.ContactflowLogs", _set(("Attributes", "ContactflowLogs"), "sometimes")),
        ("Attributes.OutboundCalls", lambda p: {**p, "Attributes": {"InboundCalls": True}}),
        ("Tags[0].Value", _set(("Tags",), [{"Key": "k"}])),
    ],
)
