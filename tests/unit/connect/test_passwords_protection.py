"""The password secrets' resource policy, built from the provider's identity and the readers."""

from __future__ import annotations

import json

from providers.connect.passwords import SecretProtection, caller_role_arns, resource_policy

CALLER = "arn:aws:sts::123456789012:assumed-role/gapfill-providers-ConnectUser/abc"


def test_an_assumed_role_matches_its_role_with_or_without_a_path() -> None:
    assert caller_role_arns(CALLER) == [
        "arn:aws:iam::123456789012:role/gapfill-providers-ConnectUser",
        "arn:aws:iam::123456789012:role/*/gapfill-providers-ConnectUser",
    ]
    assert caller_role_arns("arn:aws:iam::123456789012:user/ops") == ["arn:aws:iam::123456789012:user/ops"]


def test_only_the_provider_and_the_readers_may_read() -> None:
    policy = json.loads(
        resource_policy(SecretProtection(readers=("arn:aws:iam::123456789012:role/hr",)), CALLER)
    )
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Condition"]["StringNotLike"]["aws:PrincipalArn"] == [
        *caller_role_arns(CALLER),
        "arn:aws:iam::123456789012:role/hr",
    ]


def test_without_readers_other_accounts_are_kept_out_and_nobody_here_is_locked_out() -> None:
    [statement] = json.loads(resource_policy(SecretProtection(), CALLER))["Statement"]
    assert statement["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}


def test_the_kms_key_is_passed_to_create_secret_only_when_given() -> None:
    assert SecretProtection().create_options() == {}
    assert SecretProtection.from_properties({"PasswordKmsKeyId": "alias/agents"}).create_options() == {
        "KmsKeyId": "alias/agents"
    }
