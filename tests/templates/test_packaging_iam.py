"""Each provider's role grants exactly what its schema's ``handlers`` declare (plus its own
logs and self re-invocation), each action scoped as narrowly as the API allows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from gapfill.bundling import iam, samtemplate
from tests.security.policies import role_policies

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


def granted(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(action, resource, condition) for every grant of a resolved policy document."""
    out = set()
    for statement in document["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        condition = json.dumps(statement.get("Condition", {}), sort_keys=True)
        out.update((a, r, condition) for a in actions for r in resources)
    return out


SAME_ACCOUNT = json.dumps({"StringEquals": {"s3:ResourceAccount": "123456789012"}})
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/gapfill-providers-{}:*"
SELF = "arn:aws:lambda:us-east-1:123456789012:function:gapfill-providers-{}"


@pytest.mark.parametrize("spec", SPECS, ids=[s.suffix for s in SPECS])
def test_role_actions_are_exactly_the_schema_permissions_plus_logs_and_self_invoke(
    template: dict[str, Any], spec: samtemplate.ProviderSpec
) -> None:
    declared = set(iam.handler_actions(spec.schema))
    assert declared, f"{spec.suffix}: schema declares no handler permissions"
    granted_actions = iam.policy_actions(role_policy(template, spec))
    assert granted_actions == declared | set(iam.BASE_ACTIONS)


#: What the deployed roles grant (providers stack defaults), as IAM sees it: action, resource,
#: condition. A sample per kind of scoping; the invariants below cover every statement.
EXPECTED = [
    ("HtmlPage", "s3:PutObject", "arn:*:s3:::*-pagebucket-*/*", SAME_ACCOUNT),
    ("HtmlPage", "s3:ListBucket", "arn:*:s3:::*-pagebucket-*", SAME_ACCOUNT),
    ("HtmlPage", "s3:GetObject", "arn:*:s3:::gapfill-*/*", SAME_ACCOUNT),
    ("ConnectUserDirectory", "s3:ListBucket", "arn:*:s3:::gapfill-*", SAME_ACCOUNT),
    ("ConnectUserDirectory", "s3:GetObject", "arn:*:s3:::gapfill-*/*", SAME_ACCOUNT),
    (
        "ConnectUserDirectory",
        "connect:DescribeUser",
        "arn:aws:connect:us-east-1:123456789012:instance/*",
        "{}",
    ),
    ("ConnectUserDirectory", "lambda:InvokeFunction", SELF.format("ConnectUserDirectory"), "{}"),
    (
        "ConnectContactFlow",
        "connect:ListTagsForResource",
        "arn:aws:connect:us-east-1:123456789012:instance/*",
        "{}",
    ),
    ("ConnectContactFlow", "s3:GetObject", "arn:*:s3:::gapfill-*/*", SAME_ACCOUNT),
    ("S3BucketNotification", "s3:PutBucketNotification", "arn:*:s3:::gapfill-*", SAME_ACCOUNT),
    ("S3BucketNotification", "s3:PutBucketNotification", "arn:*:s3:::*-uploads-*", SAME_ACCOUNT),
    (
        "ConnectPhoneNumber",
        "connect:SearchAvailablePhoneNumbers",
        "arn:aws:connect:us-east-1:123456789012:phone-number/*",
        "{}",
    ),
    ("ConnectInstance", "connect:CreateInstance", "*", "{}"),
    ("ConnectInstance", "ds:CreateAlias", "arn:aws:ds:us-east-1:123456789012:directory/*", "{}"),
    (
        "ConnectInstance",
        "logs:CreateLogGroup",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/connect/*",
        "{}",
    ),
    (
        "ConnectInstance",
        "iam:AttachRolePolicy",
        "arn:aws:iam::123456789012:role/aws-service-role/connect.amazonaws.com/*",
        "{}",
    ),
]


@pytest.mark.parametrize(
    ("suffix", "action", "resource", "condition"), EXPECTED, ids=[f"{e[0]}-{e[1]}" for e in EXPECTED]
)
def test_grants_compare_action_resource_and_condition(
    suffix: str, action: str, resource: str, condition: str
) -> None:
    assert (action, resource, condition) in granted(role_policies()[f"{suffix}Role"])


ALL_GRANTS = [
    (role, grant) for role, document in role_policies().items() for grant in sorted(granted(document))
]


def test_no_object_access_on_every_bucket_and_no_invoke_of_every_function() -> None:
    for role, (action, resource, _) in ALL_GRANTS:
        assert not (action.startswith("s3:") and resource.endswith(":::*/*")), (role, action, resource)
        assert not (action.startswith("s3:") and resource == "*"), (role, action)
        if action == "lambda:InvokeFunction":
            own = SELF.format(role.removesuffix("Role"))
            # itself, unqualified (the pre-1.0 tokens) or through its major's alias (the v1 tokens)
            assert resource in (own, f"{own}:v1"), (role, resource)


def test_every_s3_grant_is_limited_to_this_accounts_buckets() -> None:
    for role, (action, resource, condition) in ALL_GRANTS:
        if action.startswith("s3:"):
            assert condition == SAME_ACCOUNT, (role, action, resource)


def test_every_star_resource_is_an_action_the_reference_gives_no_resource_type() -> None:
    """The reason for each ``Resource: "*"``, from AWS's Service Authorization Reference."""
    from gapfill.emulator.iam.authorization import resource_types

    for role, (action, resource, _) in ALL_GRANTS:
        if resource == "*":
            types = resource_types(action)
            assert types == [], f"{role}: {action} on '*' but the reference scopes it to {types}"


def test_logs_go_to_the_functions_own_group_only() -> None:
    for role, (action, resource, _) in ALL_GRANTS:
        if action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            assert resource == LOG_GROUP.format(role.removesuffix("Role")), (role, resource)


@pytest.mark.parametrize("spec", SPECS, ids=[s.suffix for s in SPECS])
def test_logs_only_to_its_own_group_and_invokes_only_itself(
    template: dict[str, Any], spec: samtemplate.ProviderSpec
) -> None:
    statements = {s["Sid"]: s for s in role_policy(template, spec)["Statement"]}
    assert statements["OwnLogGroup"]["Resource"] == {"Fn::GetAtt": [spec.log_group_id, "Arn"]}
    own_arn, alias_arn = (arn["Fn::Sub"] for arn in statements["ReinvokeSelf"]["Resource"])
    assert own_arn.endswith(":function:${AWS::StackName}-" + spec.suffix)
    assert alias_arn == own_arn + ":v1"
    # ...and that is the name the function really gets.
    function = template["Resources"][spec.function_id]["Properties"]
    assert function["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-" + spec.suffix}


@pytest.mark.parametrize("spec", SPECS, ids=[s.suffix for s in SPECS])
def test_every_action_has_a_deliberate_scope(spec: samtemplate.ProviderSpec) -> None:
    unscoped = [a for a in iam.scoped_actions(spec.schema, spec.suffix) if iam.scope_for(a) is iam.UNSCOPED]
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
        ("ds:DeleteDirectory", iam.DS_DIRECTORIES),
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


def _statements(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every policy statement (a mapping with Effect and Action) anywhere in a template."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            found.append((path, node))
        for key, value in node.items():
            found.extend(_statements(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_statements(value, f"{path}[{i}]"))
    return found


STACK_TEMPLATES = sorted((REPO / "templates").glob("*.yaml"))


@pytest.mark.parametrize("path", STACK_TEMPLATES, ids=[p.name for p in STACK_TEMPLATES])
def test_stack_templates_grant_no_object_access_on_every_bucket_nor_invoke_on_every_function(
    path: Path,
) -> None:
    from gapfill.local.template import load

    for where, statement in _statements(load(path)):
        if statement.get("Effect") != "Allow":
            continue
        text = json.dumps(statement.get("Resource", ""))
        actions = json.dumps(statement.get("Action", ""))
        assert not ("s3:" in actions and ":::*/*" in text), (path.name, where)
        assert not ("lambda:InvokeFunction" in actions and "function:*" in text), (path.name, where)
        if statement.get("Resource") == "*" and "KeyPolicy" not in where:
            from gapfill.emulator.iam.authorization import resource_types

            listed = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            for action in listed:
                types = resource_types(str(action))
                assert types == [], (
                    f"{path.name}{where}: {action} on '*' but the reference scopes it to {types}"
                )


def test_every_granted_action_is_needed_by_code_that_calls_it() -> None:
    """Granted, never called, is removed: each action has a call site (or is a documented
    dependent action of one) in the modules its provider runs."""
    from gapfill.bundling import roletable

    assert roletable.unused(SPECS) == {}


def test_the_docs_table_lists_every_grant_with_resource_condition_and_call_site() -> None:
    from gapfill.bundling import roletable

    docs = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    table = roletable.markdown(SPECS)
    assert table in docs, "run `gapfill sam-template`"
    assert "`s3:ListBucket` | `arn:*:s3:::<each of DirectoryBuckets>` | s3:ResourceAccount" in table
    assert "providers/connect/sync.py" in table
