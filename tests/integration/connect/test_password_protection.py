"""Password secrets of ``Custom::ConnectUser`` and ``Custom::ConnectUserDirectory``: the
optional customer-managed KMS key, and the resource policy that limits who may read them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from providers.connect import passwords
from tests.integration.connect.test_user_directory import props, upload
from tests.integration.connect.test_user_provider import base

READER = "arn:aws:iam::123456789012:role/agent-onboarding"


@pytest.fixture
def world(aws: Callable[[str], Any], unique: Callable[[str], str]) -> dict[str, Any]:
    made = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("secrets"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    bucket = unique("agent-dir")
    aws("s3").create_bucket(Bucket=bucket)
    key = aws("kms").create_key(Description="agent passwords")["KeyMetadata"]["Arn"]
    return {
        "instance_arn": made["Arn"],
        "arn": made["Arn"],
        "instance_id": made["Id"],
        "bucket": bucket,
        "key": key,
    }


def statement(aws: Callable[[str], Any], secret_id: str) -> dict[str, Any]:
    policy = json.loads(aws("secretsmanager").get_resource_policy(SecretId=secret_id)["ResourcePolicy"])
    [only] = policy["Statement"]
    return dict(only)


def test_a_user_secret_uses_the_given_key_and_only_the_named_readers_may_read_it(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any], unique: Callable[[str], str]
) -> None:
    properties = {**base(world, unique("ada")), "PasswordKmsKeyId": world["key"], "PasswordReaders": [READER]}
    created = cfn.create("Custom::ConnectUser", properties)
    assert created.ok, created.reason
    secret = created.data["PasswordSecretArn"]
    assert aws("secretsmanager").describe_secret(SecretId=secret)["KmsKeyId"] == world["key"]
    found = statement(aws, secret)
    assert found["Effect"] == "Deny"
    assert found["Action"] == "secretsmanager:GetSecretValue"
    allowed = found["Condition"]["StringNotLike"]["aws:PrincipalArn"]
    assert READER in allowed
    caller = aws("sts").get_caller_identity()["Arn"]
    assert set(passwords.caller_role_arns(caller)) <= set(allowed)


def test_without_readers_the_policy_keeps_other_accounts_out(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any], unique: Callable[[str], str]
) -> None:
    created = cfn.create("Custom::ConnectUser", base(world, unique("alan")))
    assert created.ok, created.reason
    secret = created.data["PasswordSecretArn"]
    assert "KmsKeyId" not in aws("secretsmanager").describe_secret(SecretId=secret)
    found = statement(aws, secret)
    assert found["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}


def test_directory_secrets_get_the_key_and_the_policy(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any], unique: Callable[[str], str]
) -> None:
    prefix = unique("pw")[:12]
    upload(
        aws,
        world["bucket"],
        "agents.csv",
        [[f"{prefix}1", "Ada", "L", f"{prefix}1@example.com", "Basic Routing Profile", "Agent"]],
    )
    created = cfn.create(
        "Custom::ConnectUserDirectory",
        props(world, "agents.csv", PasswordKmsKeyId=world["key"], PasswordReaders=[READER]),
    )
    assert created.ok, created.reason
    name = passwords.secret_name(world["instance_id"], f"{prefix}1")
    assert aws("secretsmanager").describe_secret(SecretId=name)["KmsKeyId"] == world["key"]
    assert READER in statement(aws, name)["Condition"]["StringNotLike"]["aws:PrincipalArn"]


@pytest.mark.parametrize("reader", ["*", "arn:aws:s3:::bucket", "role/x"])
def test_readers_must_be_iam_principal_arns(
    cfn: Any, world: dict[str, Any], unique: Callable[[str], str], reader: str
) -> None:
    answer = cfn.create("Custom::ConnectUser", {**base(world, unique("eve")), "PasswordReaders": [reader]})
    assert not answer.ok
    assert "PasswordReaders[0]" in answer.reason, answer.reason
