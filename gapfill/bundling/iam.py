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

#: The handlers a provider's role serves, their permissions unioned: the three CloudFormation
#: invokes on a custom resource, and ``read``, which ``gapfill drift`` runs as the provider
#: (``list`` is a resource provider handler that nothing sends to a ServiceToken).
HANDLERS = ("create", "update", "delete", "read")

_REGIONAL = "arn:${AWS::Partition}:{service}:${AWS::Region}:${AWS::AccountId}:{resource}"

CONNECT_INSTANCE = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*"
CONNECT_PHONE_NUMBER = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:phone-number/*"
GAPFILL_SECRETS = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:gapfill/*"
FIREHOSE_STREAMS = "arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/*"
KINESIS_STREAMS = "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*"
KMS_KEYS = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"
KMS_ALIASES = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/*"
CONNECT_SERVICE_ROLES = (
    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/connect.amazonaws.com/*"
)
CLOUDFRONT_DISTRIBUTIONS = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"
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
IAM_ROLES = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"
CONNECT_LOG_GROUPS = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/connect/*"
LEX_BOTS = "arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot-alias/*"
#: The reference's pages the reasons below quote.
REFERENCE = "https://docs.aws.amazon.com/service-authorization/latest/reference/"


@dataclass(frozen=True)
class Scope:
    """Which resources an action pattern is granted on, and why."""

    pattern: str
    resources: tuple[str, ...]
    reason: str

    def matches(self, action: str) -> bool:
        return fnmatch.fnmatchcase(action.lower(), self.pattern.lower())


#: First match wins: specific actions before their service's catch-all. A ``*`` resource is
#: left only where the Service Authorization Reference lists no resource type for the action.
SCOPES: tuple[Scope, ...] = (
    # --- Amazon Connect -----------------------------------------------------------------
    Scope(
        "connect:CreateInstance",
        ("*",),
        "the reference lists no resource type for CreateInstance (list_amazonconnect.html): the "
        "instance does not exist yet",
    ),
    Scope(
        "connect:SearchAvailablePhoneNumbers",
        (CONNECT_PHONE_NUMBER,),
        "the reference's resource type is wildcard-phone-number (`phone-number/*`)",
    ),
    Scope(
        "connect:ListPhoneNumbersV2",
        (CONNECT_PHONE_NUMBER,),
        "the reference's resource type is wildcard-phone-number (`phone-number/*`)",
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
        "ds:AuthorizeApplication",
        (DS_DIRECTORIES,),
        "dependent action of connect:CreateInstance on the directory Connect makes (`directory/*`)",
    ),
    Scope("ds:CreateAlias", (DS_DIRECTORIES,), "dependent action of connect:CreateInstance (`directory/*`)"),
    Scope(
        "ds:DeleteDirectory", (DS_DIRECTORIES,), "dependent action of Create/DeleteInstance (`directory/*`)"
    ),
    Scope(
        "ds:UnauthorizeApplication",
        (DS_DIRECTORIES,),
        "dependent action of Create/DeleteInstance (`directory/*`)",
    ),
    Scope(
        "ds:*",
        ("*",),
        "dependent actions of connect:CreateInstance/DescribeInstance for which the reference "
        "(list_awsdirectoryservice.html) lists no resource type (CheckAlias, CreateDirectory, "
        "CreateIdentityPoolDirectory, DescribeDirectories)",
    ),
    Scope("iam:PassRole", (IAM_ROLES,), "the CloudWatch role API Gateway is handed, a role of this account"),
    Scope(
        "iam:*",
        (CONNECT_SERVICE_ROLES,),
        "dependent actions of connect:CreateInstance on Connect's own service-linked role only",
    ),
    Scope(
        "logs:CreateLogGroup",
        (CONNECT_LOG_GROUPS,),
        "Connect's flow logs go to `/aws/connect/<alias>` (instance attribute CONTACTFLOW_LOGS)",
    ),
    # --- storage and streaming ------------------------------------------------------------
    Scope("firehose:*", (FIREHOSE_STREAMS,), "delivery streams of this account and region"),
    Scope("kinesis:*", (KINESIS_STREAMS,), "streams of this account and region"),
    Scope("kms:*Alias*", (KMS_ALIASES, KMS_KEYS), "aliases are checked on both the alias and its key"),
    Scope("kms:*", (KMS_KEYS,), "keys of this account and region"),
    # --- secrets --------------------------------------------------------------------------
    Scope(
        "secretsmanager:GetRandomPassword",
        ("*",),
        "the reference lists no resource type for GetRandomPassword (it involves no secret)",
    ),
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
        "the reference lists no resource type for DescribeStatement (list_amazonredshiftdataapi.html): "
        "a statement is authorised by its owner (redshift-data:statement-owner-iam-userid), not an ARN",
    ),
    Scope(
        "redshift-data:GetStatementResult",
        ("*",),
        "the reference lists no resource type for GetStatementResult (list_amazonredshiftdataapi.html): "
        "a statement is authorised by its owner (redshift-data:statement-owner-iam-userid), not an ARN",
    ),
    Scope(
        "redshift-data:*",
        (REDSHIFT_CLUSTERS, REDSHIFT_WORKGROUPS),
        "statements run on a cluster (ClusterIdentifier) or a workgroup, whose ARN ends in the workgroup "
        "id, not the WorkgroupName the request gives: any workgroup of this account and region",
    ),
    Scope("redshift-serverless:*", (REDSHIFT_WORKGROUPS,), "temporary credentials of a workgroup"),
    Scope(
        "redshift:GetClusterCredentials",
        (REDSHIFT_DB_USERS, REDSHIFT_DB_NAMES),
        "temporary credentials of a database user (DbUser) on a cluster",
    ),
    # --- others the providers may call ----------------------------------------------------
    Scope("cloudfront:*", (CLOUDFRONT_DISTRIBUTIONS,), "distributions of this account (global)"),
    Scope(
        "lex:ListBots",
        ("*",),
        "the reference lists no resource type for ListBots (list_amazonlexv2.html): an account listing",
    ),
    Scope(
        "lex:ListBotAliases",
        ("arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot/*",),
        "lists the aliases of a bot: the reference's resource type is bot",
    ),
    Scope("lex:*", (LEX_BOTS,), "bot aliases of this account and region"),
    Scope("apigateway:*", (APIGATEWAY_ACCOUNT,), "only the region's account settings (the CloudWatch role)"),
    Scope(
        "cloudformation:DescribeStacks",
        (CLOUDFORMATION_STACKS,),
        "reads the status of the stack that sent the event",
    ),
)


@dataclass(frozen=True)
class BucketAccess:
    """S3 actions a provider type may take on the buckets one providers-stack parameter lists."""

    parameter: str
    objects: tuple[str, ...]
    buckets: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class BucketList:
    """A providers-stack parameter: bucket names (``*`` and ``?`` allowed), comma-separated."""

    name: str
    default: str
    description: str


#: The bucket allow-lists, defaulting to the buckets the project's own stacks use: the page
#: bucket frontend.yaml creates (CloudFormation names it ``<stack>-pagebucket-<suffix>``), the
#: upload bucket of qr-upload.yaml, and the ``gapfill-...`` buckets of the parameter files.
BUCKET_LISTS: tuple[BucketList, ...] = (
    BucketList(
        "PageBuckets",
        "*-pagebucket-*",
        "Buckets Custom::HtmlPage may write pages (and their script copy) to.",
    ),
    BucketList(
        "PageSourceBuckets",
        "gapfill-*",
        "Buckets Custom::HtmlPage may read page templates and script sources from.",
    ),
    BucketList(
        "FlowSourceBuckets", "gapfill-*", "Buckets Custom::ConnectContactFlow may read flow content from."
    ),
    BucketList(
        "DirectoryBuckets",
        "gapfill-*",
        "Buckets Custom::ConnectUserDirectory may read CSVs from and write mappings to.",
    ),
    BucketList(
        "NotificationBuckets",
        "gapfill-*,*-uploads-*",
        "Buckets whose notification configuration Custom::S3BucketNotification may edit.",
    ),
    BucketList("ObjectBuckets", "*-website-*", "Buckets Custom::S3Objects may write its objects to."),
    BucketList("ObjectSourceBuckets", "gapfill-*", "Buckets Custom::S3Objects may read archives from."),
    BucketList(
        "EmptiedBuckets",
        "*-pagebucket-*,*-website-*,*-uploads-*",
        "Buckets Custom::S3BucketEmptier may empty.",
    ),
)

_OBJECT_RW = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject")
_READ = ("s3:GetObject", "s3:GetObjectVersion")
#: Per provider suffix, what it may do in which allow-listed buckets (only the actions its schema
#: declares are granted). ``s3:ListBucket`` is what makes S3 answer 404, not 403, for a missing key.
BUCKET_ACCESS: dict[str, tuple[BucketAccess, ...]] = {
    "HtmlPage": (
        BucketAccess("PageBuckets", _OBJECT_RW, ("s3:ListBucket",), "the page and its script copy"),
        BucketAccess("PageSourceBuckets", _READ, ("s3:ListBucket",), "page templates and script sources"),
    ),
    "ConnectContactFlow": (
        BucketAccess("FlowSourceBuckets", _READ, ("s3:ListBucket",), "flow content given as an S3 location"),
    ),
    "ConnectUserDirectory": (
        BucketAccess("DirectoryBuckets", _OBJECT_RW, ("s3:ListBucket",), "directory CSVs and their mappings"),
    ),
    "S3Objects": (
        BucketAccess("ObjectBuckets", _OBJECT_RW, ("s3:ListBucket",), "the objects it writes"),
        BucketAccess("ObjectSourceBuckets", _READ, ("s3:ListBucket",), "the archive it unpacks"),
    ),
    "S3BucketEmptier": (
        BucketAccess(
            "EmptiedBuckets",
            ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"),
            (
                "s3:ListBucket",
                "s3:ListBucketVersions",
                "s3:ListBucketMultipartUploads",
                "s3:GetBucketTagging",
            ),
            "the buckets it empties when their stack is deleted",
        ),
    ),
    "S3BucketNotification": (
        BucketAccess(
            "NotificationBuckets",
            (),
            ("s3:GetBucketNotification", "s3:PutBucketNotification"),
            "the buckets whose notification entries it owns",
        ),
    ),
}
SAME_ACCOUNT = {"StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}}
#: A role's credentials work only in the partition it is deployed in, so ``arn:*:s3:::`` grants
#: nothing beyond ``arn:${AWS::Partition}:s3:::``; Fn::Join's delimiter cannot hold an intrinsic.
S3_ARN_PREFIX = "arn:*:s3:::"


def bucket_arns(parameter: str, suffix: str = "") -> dict[str, Any]:
    """The ARNs of the buckets (``suffix=""``) or their objects (``"/*"``) a list parameter names."""
    joined = {"Fn::Join": [f"{suffix},{S3_ARN_PREFIX}", {"Ref": parameter}]}
    return {"Fn::Split": [",", {"Fn::Join": ["", [S3_ARN_PREFIX, joined, suffix]]}]}


def bucket_statements(suffix: str, declared: Iterable[str]) -> list[dict[str, Any]]:
    """The S3 statements of one provider type: its declared S3 actions on its allow-listed buckets."""
    wanted = {a.lower() for a in declared}
    out: list[dict[str, Any]] = []
    for access in BUCKET_ACCESS.get(suffix, ()):
        for kind, actions, arn_suffix in (("Objects", access.objects, "/*"), ("Buckets", access.buckets, "")):
            granted = [a for a in actions if a.lower() in wanted]
            if granted:
                out.append(
                    {
                        "Sid": f"S3{kind}In{access.parameter}",
                        "Effect": "Allow",
                        "Action": granted,
                        "Resource": bucket_arns(access.parameter, arn_suffix),
                        "Condition": SAME_ACCOUNT,
                    }
                )
    return out


def bucket_scoped(suffix: str) -> set[str]:
    """The S3 actions of ``suffix`` that its bucket allow-lists govern."""
    return {a.lower() for access in BUCKET_ACCESS.get(suffix, ()) for a in (*access.objects, *access.buckets)}


#: Granted when no row matches: IAM cannot check what we do not know how to scope.
UNSCOPED = Scope("*", ("*",), "no scoping rule in gapfill/bundling/iam.py: granted on every resource")


#: Rows that apply to one provider type only, before :data:`SCOPES`.
TYPE_SCOPES: dict[str, tuple[Scope, ...]] = {
    "ConnectPhoneNumber": (
        Scope(
            "connect:*TagResource",
            (CONNECT_PHONE_NUMBER,),
            "it tags only the phone numbers it claims (resource type phone-number)",
        ),
    ),
}


def scope_for(action: str, suffix: str = "") -> Scope:
    """The scoping row that governs ``action`` for type ``suffix`` (``UNSCOPED`` when none does)."""
    for scope in (*TYPE_SCOPES.get(suffix, ()), *SCOPES):
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


def statements_for(actions: Iterable[str], suffix: str = "") -> list[dict[str, Any]]:
    """Policy statements granting ``actions``, grouped by the resources they are scoped to.

    One statement per distinct resource set keeps the policy short and readable while
    leaving the scoping of each action visible.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for action in actions:
        groups.setdefault(tuple(sorted(scope_for(action, suffix).resources)), []).append(action)
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


def provider_policy(
    schema: Mapping[str, Any], *, function_arn: Any, log_group_arn: Any, suffix: str = ""
) -> dict[str, Any]:
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
            *bucket_statements(suffix, handler_actions(schema)),
            *statements_for(scoped_actions(schema, suffix), suffix),
        ],
    }


def scoped_actions(schema: Mapping[str, Any], suffix: str) -> list[str]:
    """The schema's actions that :data:`SCOPES` scopes: not the S3 ones its allow-lists govern,
    not its own re-invocation (granted on itself only)."""
    skip = bucket_scoped(suffix) | {"lambda:invokefunction"}
    return [a for a in handler_actions(schema) if a.lower() not in skip]


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
