"""``Custom::ApiGatewayAccount`` against moto server over HTTP. The setting is one per region,
so each test plays its stack in a region of its own, where no role is set yet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from gapfill.emulator import Emulator
from gapfill.local.protocol import LocalCloudFormation

TYPE = "Custom::ApiGatewayAccount"
OURS = "arn:aws:iam::123456789012:role/qr-upload-apigw-logs"
THEIRS = "arn:aws:iam::123456789012:role/platform-team-apigw-logs"


def _runner(region: str) -> Iterator[tuple[LocalCloudFormation, Any]]:
    runner = LocalCloudFormation(stack_name="apigw-account", region=region)
    client = boto3.client("apigateway", region_name=region)
    yield runner, client
    runner.close()


@pytest.fixture
def eu_north(emulator: Emulator) -> Iterator[tuple[LocalCloudFormation, Any]]:
    yield from _runner("eu-north-1")


@pytest.fixture
def ap_south(emulator: Emulator) -> Iterator[tuple[LocalCloudFormation, Any]]:
    yield from _runner("ap-south-1")


def test_sets_the_role_where_none_is_set_and_leaves_it_on_delete(
    eu_north: tuple[LocalCloudFormation, Any],
) -> None:
    cfn, apigateway = eu_north
    assert not apigateway.get_account().get("cloudwatchRoleArn")
    answer = cfn.create(TYPE, {"CloudWatchRoleArn": OURS})
    assert answer.ok, answer.reason
    assert answer.physical_id == "apigateway-account:eu-north-1"
    assert answer.data == {"EffectiveRoleArn": OURS, "SetByThisResource": "true"}
    assert apigateway.get_account()["cloudwatchRoleArn"] == OURS
    assert cfn.delete(TYPE, answer.physical_id, {"CloudWatchRoleArn": OURS}).ok
    assert apigateway.get_account()["cloudwatchRoleArn"] == OURS


def test_never_overwrites_a_role_someone_else_set(ap_south: tuple[LocalCloudFormation, Any]) -> None:
    cfn, apigateway = ap_south
    apigateway.update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": THEIRS}]
    )
    created = cfn.create(TYPE, {"CloudWatchRoleArn": OURS})
    assert created.ok, created.reason
    assert created.data == {"EffectiveRoleArn": THEIRS, "SetByThisResource": "false"}
    updated = cfn.update(
        TYPE, created.physical_id, {"CloudWatchRoleArn": OURS + "-2"}, {"CloudWatchRoleArn": OURS}
    )
    assert updated.ok, updated.reason
    assert apigateway.get_account()["cloudwatchRoleArn"] == THEIRS
