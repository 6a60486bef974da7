"""``list`` where a type can enumerate its resources: what the contract cases created is found
among the ids listed in its scope, and a lookup (which makes nothing) lists nothing."""

from __future__ import annotations

from typing import Any

import pytest

from providers import handler
from providers.core import reading
from tests.contract.cases import load_cases
from tests.contract.suite import Env

#: type -> the property of the created resource that scopes the listing (None: account-wide).
LISTED = {
    "Custom::ConnectInstance": None,
    "Custom::ConnectContactFlow": "InstanceArn",
    "Custom::ConnectPhoneNumber": "TargetArn",
    "Custom::ConnectUser": "InstanceArn",
    "Custom::ConnectUserDirectory": "InstanceArn",
    "Custom::ApiGatewayAccount": None,
}
CASES = {c.resource_type: c for c in load_cases()}


@pytest.mark.parametrize("resource_type", sorted(LISTED))
def test_a_created_resource_is_listed(resource_type: str, cfn: Any, aws: Any, unique: Any, logs: Any) -> None:
    case = CASES[resource_type]
    env = Env(client=aws, unique=unique, logs=logs, stack_id=cfn.stack_id)
    props = case.make_properties(env)
    created = cfn.create(resource_type, props)
    assert created.ok, created.reason
    scope_name = LISTED[resource_type]
    scope = {scope_name: props[scope_name]} if scope_name else {}
    listed = reading.list_ids(resource_type, handler.resolve, "us-east-1", scope=scope)
    assert created.physical_id in listed
    assert cfn.delete(resource_type, created.physical_id, props).ok
    if not case.retained_on_delete:
        assert created.physical_id not in reading.list_ids(
            resource_type, handler.resolve, "us-east-1", scope=scope
        )


def test_a_lookup_lists_nothing(aws: Any) -> None:
    assert reading.list_ids("Custom::ConnectLookup", handler.resolve, "us-east-1") == []
