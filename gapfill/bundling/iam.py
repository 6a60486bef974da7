"""Least-privilege IAM policies for the providers, derived from the schemas' ``handlers``.

A schema lists, per handler, the IAM actions its provider really calls. Each function's role
gets exactly the union of those actions (plus writing its own log group and re-invoking
itself), and every action is scoped to the narrowest resource ARN that the API lets IAM
check. The scoping lives in :data:`SCOPES`, one row per action pattern, first match wins,
each with the reason for its choice, so a reviewer reads the policy's rationale in one place
and a new schema's actions are scoped without touching the generator.

ARNs are ``Fn::Sub`` strings so that the partition, region and account come from the stack
(the template deploys unchanged to aws, aws-cn and aws-us-gov).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Handlers a schema may declare; their permissions are unioned.
HANDLERS = ("create", "read", "update", "delete", "list")

_REGIONAL = "arn:${AWS::Partition}:{service}:${AWS::Region}:${AWS::AccountId}:{resource}"

CONNECT_INSTANCE = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*"
CONNECT_PHONE_NUMBER = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:phone-number/*"
S3_BUCKETS = "arn:${AWS::Partition}:s3:::*"
S3_OBJECTS = "arn:${AWS::Partition}:s3:::*/*"
GAPFILL_SECRETS = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:gapfill/*"
LAMBDA_FUNCTIONS = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*"
FIREHOSE_STREAMS = "arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/*"
KINESIS_STREAMS = "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*"
KMS_KEYS = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"
KMS_ALIASES = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/*"
CONNECT_SERVICE_ROLES = (
    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/connect.amazonaws.com/*"
)
IAM_ROLES = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"
CLOUDFRONT_DISTRIBUTIONS = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"
SNS_TOPICS = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*"
SQS_QUEUES = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*"
LEX_BOTS = "arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot-alias/*"
DS_DIRECTORIES = "arn:${AWS::Partition}:ds:${AWS::Region}:${AWS::AccountId}:directory/*"
RDS_SECRETS = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:rds!*"
REDSHIFT_SECRETS = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:redshift!*"
RDS_DB_INSTANCES = "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:*"
RDS_SNAPSHOTS = "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:snapshot:*"
REDSHIFT_CLUSTERS = "arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:cluster:*"
REDSHIFT_DB_USERS = "arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:dbuser:*/*"
REDSHIFT_DB_NAMES = "arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:dbname:*/*"
REDSHIFT_WORKGROUPS = "arn:${AWS::Partition}:redshift-serverless:${AWS::Region}:${AWS::AccountId}:workgroup/*"
LOG_GROUPS = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
APIGATEWAY_ACCOUNT = "arn:${AWS::Partition}:apigateway:${AWS::Region}::/account"
CLOUDFORMATION_STACKS = "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*"


@dataclass(frozen=True)
class Scope:
    """Which resources an action pattern is granted on, and why."""

    pattern: str
    resources: tuple[str, ...]
    reason: str

    def matches(self, action: str) -> bool:
        return fnmatch.fnmatchcase(action.lower(), self.pattern.lower())


#: First match wins: specific actions before their service's catch-all.
SCOPES: tuple[Scope, ...] = (
    # --- Amazon Connect -----------------------------------------------------------------
    Scope(
        "connect:CreateInstance",
        ("*",),
        "creates a new instance whose ARN does not exist yet; IAM has no resource to check",
    ),
    Scope("connect:ListInstances", ("*",), "account-level listing; no resource-level permission exists"),
    Scope(
        "connect:SearchAvailablePhoneNumbers",
        ("*",),
        "searches the public number catalogue before any number is ours",
    ),
    Scope(
        "connect:ListPhoneNumbersV2",
        (CONNECT_INSTANCE, CONNECT_PHONE_NUMBER),
        "lists claimed numbers by instance or by account",
    ),
    Scope(
        "connect:*PhoneNumber*",
        (CONNECT_PHONE_NUMBER, CONNECT_INSTANCE),
        "phone numbers are account-level resources claimed to an instance: both ARNs are checked",
    ),
    Scope(
        "connect:*",
        (CONNECT_INSTANCE,),
        "every other Connect resource (flows, users, profiles, attributes, storage) lives under "
        "an instance ARN, which `instance/*` covers with its sub-resources",
    ),
    # --- what Connect does on the caller's behalf when an instance is created/deleted -------
    Scope(
        "ds:*",
        ("*",),
        "Connect creates and deletes its own directory with the caller's permissions; the "
        "directory id is unknown beforehand and the ds create/alias actions have no resource type",
    ),
    Scope(
        "iam:CreateServiceLinkedRole",
        (CONNECT_SERVICE_ROLES,),
        "only Connect's own service-linked role",
    ),
    Scope(
        "iam:*RolePolicy*",
        (CONNECT_SERVICE_ROLES,),
        "Connect edits the policies of its own service-linked role only",
    ),
    Scope("iam:PassRole", (IAM_ROLES,), "roles handed to a service in this account"),
    Scope("iam:Get*", (IAM_ROLES,), "reads roles of this account"),
    # --- storage and streaming ------------------------------------------------------------
    Scope("s3:ListAllMyBuckets", ("*",), "account-level listing"),
    Scope("s3:AbortMultipartUpload", (S3_OBJECTS,), "an unfinished upload is an object-level resource"),
    Scope(
        "s3:*Object*",
        (S3_OBJECTS,),
        "object operations on objects only (bucket names come from templates; the provider "
        "touches only the keys it owns)",
    ),
    Scope(
        "s3:*",
        (S3_BUCKETS,),
        "bucket-level operations (notification configuration, location); bucket names come "
        "from templates so the bucket is any of this partition's",
    ),
    Scope("firehose:ListDeliveryStreams", ("*",), "account-level listing"),
    Scope("firehose:*", (FIREHOSE_STREAMS,), "delivery streams of this account and region"),
    Scope("kinesis:ListStreams", ("*",), "account-level listing"),
    Scope("kinesis:*", (KINESIS_STREAMS,), "streams of this account and region"),
    Scope("kms:ListAliases", ("*",), "account-level listing"),
    Scope("kms:ListKeys", ("*",), "account-level listing"),
    Scope("kms:CreateKey", ("*",), "a new key has no ARN yet"),
    Scope("kms:*Alias*", (KMS_ALIASES, KMS_KEYS), "aliases are checked on both the alias and its key"),
    Scope("kms:*", (KMS_KEYS,), "keys of this account and region"),
    # --- secrets --------------------------------------------------------------------------
    Scope(
        "secretsmanager:GetRandomPassword",
        ("*",),
        "generates a random string; involves no resource",
    ),
    Scope("secretsmanager:ListSecrets", ("*",), "account-level listing"),
    Scope(
        "secretsmanager:GetSecretValue",
        (GAPFILL_SECRETS, RDS_SECRETS, REDSHIFT_SECRETS),
        "reads gapfill's own secrets and the database credentials RDS and Redshift manage "
        "(named `rds!...` and `redshift!...`); a database secret of another name must be `gapfill/...`",
    ),
    Scope(
        "secretsmanager:*",
        (GAPFILL_SECRETS,),
        "gapfill names every secret it creates `gapfill/...`; nothing else is reachable",
    ),
    # --- databases (Custom::PostgresSql, Custom::RedshiftSql) -------------------------------
    Scope(
        "rds:*",
        (RDS_DB_INSTANCES, RDS_SNAPSHOTS),
        "the snapshot before migrations: the instance and its snapshots",
    ),
    Scope(
        "redshift-data:DescribeStatement",
        ("*",),
        "statement ids have no ARN; the Data API only describes statements of the same caller",
    ),
    Scope(
        "redshift-data:GetStatementResult",
        ("*",),
        "statement ids have no ARN; the Data API only returns results of the same caller's statements",
    ),
    Scope(
        "redshift-data:*",
        (REDSHIFT_CLUSTERS, REDSHIFT_WORKGROUPS),
        "statements run on clusters or workgroups",
    ),
    Scope("redshift-serverless:*", (REDSHIFT_WORKGROUPS,), "temporary credentials of a workgroup"),
    Scope(
        "redshift:GetClusterCredentials",
        (REDSHIFT_DB_USERS, REDSHIFT_DB_NAMES),
        "temporary credentials of a database user (DbUser) on a cluster",
    ),
    # --- others the providers may call ----------------------------------------------------
    Scope("lambda:*", (LAMBDA_FUNCTIONS,), "functions of this account and region"),
    Scope("cloudfront:*", (CLOUDFRONT_DISTRIBUTIONS,), "distributions of this account (global)"),
    Scope("sns:ListTopics", ("*",), "account-level listing"),
    Scope("sns:*", (SNS_TOPICS,), "topics of this account and region"),
    Scope("sqs:ListQueues", ("*",), "account-level listing"),
    Scope("sqs:*", (SQS_QUEUES,), "queues of this account and region"),
    Scope("lex:ListBots", ("*",), "account-level listing of Lex V2 bots; no resource-level permission"),
    Scope(
        "lex:ListBotAliases",
        ("arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot/*",),
        "lists the aliases of a bot: the bot is the resource",
    ),
    Scope("lex:*", (LEX_BOTS,), "bot aliases of this account and region"),
    Scope("logs:DescribeLogGroups", ("*",), "account-level listing"),
    Scope("logs:*", (LOG_GROUPS,), "log groups of this account and region"),
    Scope("sts:GetCallerIdentity", ("*",), "identity of the caller; no resource"),
    Scope("apigateway:*", (APIGATEWAY_ACCOUNT,), "only the region's account settings (the CloudWatch role)"),
    Scope(
        "cloudformation:DescribeStacks",
        (CLOUDFORMATION_STACKS,),
        "reads the status of the stack that sent the event",
    ),
    Scope("tag:GetResources", ("*",), "the tagging API works account-wide"),
)

#: Granted when no row matches: IAM cannot check what we do not know how to scope.
UNSCOPED = Scope("*", ("*",), "no scoping rule in gapfill/bundling/iam.py: granted on every resource")


def scope_for(action: str) -> Scope:
    """The scoping row that governs ``action`` (``UNSCOPED`` when none does)."""
    for scope in SCOPES:
        if scope.matches(action):
            return scope
    return UNSCOPED


def handler_actions(schema: Mapping[str, Any]) -> list[str]:
    """Every IAM action any handler of the schema declares, de-duplicated, sorted."""
    handlers = schema.get("handlers") or {}
    actions: set[str] = set()
    for name in HANDLERS:
        spec = handlers.get(name) or {}
        actions.update(str(a) for a in spec.get("permissions") or ())
    return sorted(actions, key=str.lower)


def _sid(text: str) -> str:
    return "".join(ch for ch in text.title() if ch.isalnum())[:60] or "Statement"


def _label(arn: str) -> str:
    """A word for a statement id: ``...:instance/*`` -> ``instance``, ``s3:::*/*`` -> ``objects``."""
    if arn == "*":
        return "any resource"
    resource = re.sub(r"\$\{[^}]*\}", "x", arn).split(":", 5)[-1]
    word = resource.split("/", 1)[0].split(":", 1)[0].strip("*")
    if word:
        return word
    return "objects" if "/" in resource else "all"


def sub(text: str) -> Any:
    """``Fn::Sub`` for strings with ``${...}``, the plain string otherwise."""
    return {"Fn::Sub": text} if "${" in text else text


def statements_for(actions: Iterable[str]) -> list[dict[str, Any]]:
    """Policy statements granting ``actions``, grouped by the resources they are scoped to.

    One statement per distinct resource set keeps the policy short and readable while
    leaving the scoping of each action visible.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for action in actions:
        groups.setdefault(tuple(sorted(scope_for(action).resources)), []).append(action)
    statements = []
    used: set[str] = set()
    for resources in sorted(groups, key=lambda r: (r == ("*",), r)):
        label = " and ".join(_label(r) for r in resources)
        service = sorted({a.split(":", 1)[0] for a in groups[resources]})
        sid = _sid(f"{'-'.join(service)} on {label}")
        base, n = sid, 2
        while sid in used:
            sid, n = f"{base}{n}", n + 1
        used.add(sid)
        statements.append(
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": sorted(groups[resources], key=str.lower),
                "Resource": [sub(r) for r in resources] if len(resources) > 1 else sub(resources[0]),
            }
        )
    return statements


def provider_policy(schema: Mapping[str, Any], *, function_arn: Any, log_group_arn: Any) -> dict[str, Any]:
    """The complete policy document of one provider's role.

    ``function_arn`` and ``log_group_arn`` are template expressions: the function may invoke
    only itself (the engine hands long waits over to an asynchronous re-invocation) and write
    only to its own log group (which the template creates, so no ``logs:CreateLogGroup``).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": log_group_arn,
            },
            {
                "Sid": "ReinvokeSelf",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": function_arn,
            },
            *statements_for(handler_actions(schema)),
        ],
    }


#: What every role gets besides its schema's actions.
BASE_ACTIONS = ("lambda:InvokeFunction", "logs:CreateLogStream", "logs:PutLogEvents")


def policy_actions(policy: Mapping[str, Any]) -> set[str]:
    """Every action a policy document grants (for checks and the docs table)."""
    found: set[str] = set()
    for statement in policy.get("Statement", ()):
        action = statement.get("Action", ())
        found.update([action] if isinstance(action, str) else action)
    return found


def _readable(resource: str) -> str:
    return re.sub(r"\$\{AWS::(Partition|Region|AccountId)\}", lambda m: f"<{m.group(1).lower()}>", resource)


def markdown_table(schemas: Mapping[str, Mapping[str, Any]]) -> str:
    """What each provider's role may do, for docs/deploy.md: ``{"Custom::X": schema}``."""
    lines = [
        "| type | actions | on resources | why this scope |",
        "|---|---|---|---|",
    ]
    for resource_type in sorted(schemas):
        groups: dict[Scope, list[str]] = {}
        for action in handler_actions(schemas[resource_type]):
            groups.setdefault(scope_for(action), []).append(action)
        first = True
        for scope, actions in groups.items():
            resources = "<br>".join(f"`{_readable(r)}`" for r in scope.resources)
            lines.append(
                f"| {f'`{resource_type}`' if first else ''} | {', '.join(f'`{a}`' for a in actions)} "
                f"| {resources} | {scope.reason} |"
            )
            first = False
        lines.append(
            f"| {'' if not first else f'`{resource_type}`'} | `logs:CreateLogStream`, `logs:PutLogEvents`; "
            "`lambda:InvokeFunction` | its own log group; itself | logs; re-invocation when a wait "
            "outlasts one invocation |"
        )
    return "\n".join(lines) + "\n"
