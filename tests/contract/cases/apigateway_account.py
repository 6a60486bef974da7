"""Contract case for ``Custom::ApiGatewayAccount``: the region's CloudWatch role setting.

The setting is one per region and is documented to stay on delete, so ``exists`` means "a
role is in effect and the resource reported it" and the suite checks it is kept."""

from __future__ import annotations

from typing import Any

from providers.apigateway_account.handlers import PID_PREFIX
from tests.contract.suite import ContractCase, Env


def make_properties(env: Env) -> dict[str, Any]:
    return {"CloudWatchRoleArn": f"arn:aws:iam::123456789012:role/{env.unique('apigw-logs')}"}


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {"CloudWatchRoleArn": f"arn:aws:iam::123456789012:role/{env.unique('apigw-logs-2')}"}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    assert physical_id.startswith(PID_PREFIX), physical_id
    return bool(env.client("apigateway").get_account().get("cloudwatchRoleArn"))


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """Someone unsets the region's role (the one change this type does not accept)."""
    env.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}]
    )
    return "CloudWatchRoleArn"


CASE = ContractCase(
    resource_type="Custom::ApiGatewayAccount",
    make_properties=make_properties,
    update_in_place=update_in_place,
    exists=exists,
    out_of_band=out_of_band,
    required=("CloudWatchRoleArn",),
    retained_on_delete=True,
    bad_values=[
        ("CloudWatchRoleArn", lambda p: {"CloudWatchRoleArn": "arn:aws:iam::123:user/x"}),
        ("CloudWatchRoleArn", lambda p: {"CloudWatchRoleArn": "role-name"}),
    ],
)
