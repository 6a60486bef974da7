"""Each provider's role grants exactly what its schema's ``handlers`` declare (plus its own
logs and self re-invocation), each action scoped as narrowly as the API allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from gapfill.bundling import iam, samtemplate

REPO = Path(__file__).resolve().parents[2]
SPECS = samtemplate.load_specs()


def role_policy(template: dict[str, Any], spec: samtemplate.ProviderSpec) -> dict[str, Any]:
    policies = template["Resources"][spec.role_id]["Properties"]["Policies"]
    assert len(policies) == 1
    return dict(policies[0]["PolicyDocument"])


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, matches = decode(str(REPO / "packaging" / "template.yaml"))
    assert not matches
    assert decoded is not None
    return dict(decoded)


@pytest.mark.parametrize("spec", SPECS, ids=[s.suffix for s in SPECS])
def test_role_actions_are_exactly_the_schema_permissions_plus_logs_and_self_invoke(
    template: dict[str, Any], spec: samtemplate.ProviderSpec
) -> None:
    declared = set(iam.handler_actions(spec.schema))
    assert declared, f"{spec.suffix}: schema declares no handler permissions"
    granted = iam.policy_actions(role_policy(template, spec))
    assert granted == declared | set(iam.BASE_ACTIONS)


@pytest.mark.parametrize("spec", SPECS, ids=[s.suffix for s in SPECS])
def test_logs_only_to_its_own_group_and_invokes_only_itself(
    template: dict[str, Any], spec: samtemplate.ProviderSpec
) -> None:
    statements = {s["Sid"]: s for s in role_policy(template, spec)["Statement"]}
    assert statements["OwnLogGroup"]["Resource"] == {"Fn::GetAtt": [spec.log_group_id, "Arn"]}
    own_arn = statements["ReinvokeSelf"]["Resource"]["Fn::Sub"]
    assert own_arn.endswith(":function:${AWS::StackName}-" + spec.suffix)
    # ...and that is the name the function really gets.
    function = template["Resources"][spec.function_id]["Properties"]
    assert function["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-" + spec.suffix}


@pytest.mark.parametrize("spec", SPECS, ids=[s.suffix for s in SPECS])
def test_every_action_has_a_deliberate_scope(spec: samtemplate.ProviderSpec) -> None:
    unscoped = [a for a in iam.handler_actions(spec.schema) if iam.scope_for(a) is iam.UNSCOPED]
    assert unscoped == [], f"add a row to SCOPES in gapfill/bundling/iam.py for {unscoped}"


@pytest.mark.parametrize("spec", SPECS, ids=[s.suffix for s in SPECS])
def test_no_wildcard_actions_and_statement_ids_unique(
    template: dict[str, Any], spec: samtemplate.ProviderSpec
) -> None:
    statements = role_policy(template, spec)["Statement"]
    sids = [s["Sid"] for s in statements]
    assert len(sids) == len(set(sids))
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        assert all("*" not in a for a in actions), statement


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("connect:CreateUser", "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*"),
        ("connect:DescribeContactFlow", iam.CONNECT_INSTANCE),
        ("connect:ClaimPhoneNumber", iam.CONNECT_PHONE_NUMBER),
        ("connect:CreateInstance", "*"),
        ("s3:PutBucketNotification", "arn:${AWS::Partition}:s3:::*"),
        ("s3:PutObject", "arn:${AWS::Partition}:s3:::*/*"),
        ("secretsmanager:CreateSecret", iam.GAPFILL_SECRETS),
        ("secretsmanager:GetRandomPassword", "*"),
        ("firehose:StartDeliveryStreamEncryption", iam.FIREHOSE_STREAMS),
        ("iam:CreateServiceLinkedRole", iam.CONNECT_SERVICE_ROLES),
        ("kms:CreateGrant", iam.KMS_KEYS),
        ("cloudfront:CreateInvalidation", iam.CLOUDFRONT_DISTRIBUTIONS),
    ],
)
def test_scoping_table(action: str, resource: str) -> None:
    assert resource in iam.scope_for(action).resources


def test_secrets_scope_only_reaches_gapfill_prefixed_names() -> None:
    assert iam.GAPFILL_SECRETS.endswith(":secret:gapfill/*")


def test_statements_group_actions_by_resource_and_keep_star_last() -> None:
    statements = iam.statements_for(
        ["connect:CreateUser", "connect:DeleteUser", "connect:CreateInstance", "secretsmanager:CreateSecret"]
    )
    assert [s["Action"] for s in statements] == [
        ["connect:CreateUser", "connect:DeleteUser"],
        ["secretsmanager:CreateSecret"],
        ["connect:CreateInstance"],
    ]
    assert statements[0]["Resource"] == {"Fn::Sub": iam.CONNECT_INSTANCE}
    assert statements[-1]["Resource"] == "*"


def test_unknown_action_is_reported_as_unscoped() -> None:
    assert iam.scope_for("madeup:DoThing") is iam.UNSCOPED
    assert iam.scope_for("connect:anything").resources == (iam.CONNECT_INSTANCE,)


def test_policy_uses_union_of_all_handlers() -> None:
    schema = {
        "handlers": {
            "create": {"permissions": ["s3:GetBucketNotification", "s3:PutBucketNotification"]},
            "read": {"permissions": ["s3:GetBucketNotification"]},
            "delete": {"permissions": ["s3:PutBucketNotification", "lambda:RemovePermission"]},
            "list": {"permissions": []},
        }
    }
    assert iam.handler_actions(schema) == [
        "lambda:RemovePermission",
        "s3:GetBucketNotification",
        "s3:PutBucketNotification",
    ]
    policy = iam.provider_policy(schema, function_arn="fn", log_group_arn="lg")
    assert iam.policy_actions(policy) == set(iam.handler_actions(schema)) | set(iam.BASE_ACTIONS)
