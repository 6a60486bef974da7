"""Generate ``packaging/template.yaml``, the providers' SAM template, from ``schemas/``.

One function per schema (same code, ``GAPFILL_PROVIDER`` selecting the type), each with
its own role (:mod:`gapfill.bundling.iam`), its own log group with retention, and a Lambda
alias ``v<MAJOR>`` (SAM's ``AutoPublishAlias``: every deployment that changes the code
publishes a version and moves the alias) exported as ``<stack>-v<MAJOR>-<Suffix>-ServiceToken``.
A ServiceToken can never change on an existing custom resource, so the token is the alias of
a major: minor and patch releases move it under live stacks, a new major exports new names
(installed beside the old, docs/upgrading.md). The unversioned ``<stack>-<Suffix>-ServiceToken``
exports of releases before 1.0 (the unqualified function ARN) stay until 2.0 for the stacks
created with them. The version comes from ``providers.__version__`` and is in the description,
``Metadata.Gapfill`` and the Serverless Application Repository's metadata.

The template is generated rather than hand-written so that a new schema, or a new permission
in one, flows into the deployed roles without anyone editing YAML; the committed file is
checked against the generator by ``gapfill sam-template --check`` and a test.

Output is deterministic (schemas sorted, keys in a fixed order) so the check is a plain
text comparison.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gapfill import versioning
from gapfill.bundling import iam

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO / "packaging" / "template.yaml"
SCHEMA_DIR = REPO / "schemas"

#: Where ``gapfill package`` writes the zip, relative to ``packaging/`` (SAM resolves
#: CodeUri relative to the template).
CODE_URI = "../build/lambda/gapfill-providers.zip"
HANDLER = "providers.handler.lambda_handler"
RUNTIME = "python3.12"
DEFAULT_STACK_NAME = "gapfill-providers"

#: Lambda timeouts (seconds). Connect operations wait on slow asynchronous AWS work
#: (instance creation takes minutes) so they get Lambda's maximum; the engine still hands
#: over to a re-invocation before the deadline. The others make a handful of API calls.
TIMEOUTS: dict[str, int] = {
    "ConnectInstance": 900,
    "ConnectContactFlow": 900,
    "ConnectPhoneNumber": 900,
    "ConnectUser": 900,
    "ConnectUserDirectory": 900,
    # Lists nine kinds of resources at Connect's throttled rate (2 calls per second per API).
    "ConnectLookup": 900,
    "FirehoseEncryption": 600,
    # Migrations and snapshots take long; the engine hands over to a re-invocation in time.
    "PostgresSql": 900,
    "RedshiftSql": 900,
    "S3BucketNotification": 120,
    "HtmlPage": 120,
}
DEFAULT_TIMEOUT = 300
#: Memory (MB): more memory is also more CPU, which shortens cold starts; bulk user
#: directory sync parses CSV and the page renderer builds HTML.
MEMORY: dict[str, int] = {"ConnectUserDirectory": 512, "HtmlPage": 256}
DEFAULT_MEMORY = 256

RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557]


class Tag:
    """A CloudFormation short-form intrinsic (``!Ref``, ``!Sub``, ``!GetAtt``) in the output."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value


def Ref(name: str) -> Tag:
    return Tag("!Ref", name)


def Sub(text: str) -> Tag:
    return Tag("!Sub", text)


def GetAtt(path: str) -> Tag:
    return Tag("!GetAtt", path)


class _Dumper(yaml.SafeDumper):
    """Block style, no aliases, intrinsics as short tags."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_tag(dumper: yaml.SafeDumper, tag: Tag) -> yaml.Node:
    if isinstance(tag.value, str):
        return dumper.represent_scalar(tag.tag, tag.value)
    return dumper.represent_sequence(tag.tag, tag.value)


_Dumper.add_representer(Tag, _represent_tag)


def _short(value: Any) -> Any:
    """Turn the ``{"Fn::Sub": ...}`` dicts of :mod:`iam` into short tags for readability."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return Sub(value["Fn::Sub"])
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            return Ref(value["Ref"])
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v) for v in value]
    return value


#: Extra environment per provider: the allow-lists a provider checks itself, to name the
#: parameter in its Reason (IAM enforces the same lists through the role).
ENVIRONMENT: dict[str, dict[str, Any]] = {
    "HtmlPage": {"GAPFILL_PAGE_SOURCE_BUCKETS": {"Fn::Join": [",", Ref("PageSourceBuckets")]}},
}


@dataclass(frozen=True)
class ProviderSpec:
    """One provider as the template sees it."""

    suffix: str
    schema: dict[str, Any]
    #: The release the template is for (the local upgrade rehearsal renders others).
    version: versioning.Version = field(default_factory=versioning.current)

    @property
    def resource_type(self) -> str:
        return f"Custom::{self.suffix}"

    @property
    def function_id(self) -> str:
        return f"{self.suffix}Function"

    @property
    def role_id(self) -> str:
        return f"{self.suffix}Role"

    @property
    def log_group_id(self) -> str:
        return f"{self.suffix}LogGroup"

    @property
    def function_name(self) -> str:
        """Explicit name, so the role can name the function without a circular reference."""
        return "${AWS::StackName}-" + self.suffix

    @property
    def timeout(self) -> int:
        return TIMEOUTS.get(self.suffix, DEFAULT_TIMEOUT)

    @property
    def memory(self) -> int:
        return MEMORY.get(self.suffix, DEFAULT_MEMORY)

    @property
    def function_arn(self) -> str:
        return "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + self.function_name

    @property
    def alias(self) -> str:
        """The alias CloudFormation invokes (the ServiceToken): the release's major's."""
        return self.version.alias

    @property
    def alias_arn(self) -> str:
        return f"{self.function_arn}:{self.alias}"

    def policy(self) -> dict[str, Any]:
        # Invoked through the alias, a function re-invokes its context's invoked_function_arn,
        # the alias ARN; the unqualified ARN stays for stacks on the unversioned exports.
        return iam.provider_policy(
            self.schema,
            function_arn=[{"Fn::Sub": self.function_arn}, {"Fn::Sub": self.alias_arn}],
            log_group_arn={"Fn::GetAtt": [self.log_group_id, "Arn"]},
            suffix=self.suffix,
        )


def load_specs(
    schema_dir: Path = SCHEMA_DIR, version: versioning.Version | None = None
) -> list[ProviderSpec]:
    """Every ``schemas/<Suffix>.json``, sorted by suffix."""
    specs = []
    for path in sorted(schema_dir.glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            specs.append(ProviderSpec(path.stem, json.load(handle), version or versioning.current()))
    return specs


def _first_sentence(text: str, limit: int = 200) -> str:
    sentence = text.strip().split(". ")[0].rstrip(".")
    return sentence[: limit - 3] + "..." if len(sentence) > limit else sentence


#: checkov findings that do not apply to deploy-time custom-resource providers, each with the
#: reason the template carries next to its suppression.
CHECKOV_SKIPS: dict[str, list[dict[str, str]]] = {
    "AWS::Logs::LogGroup": [
        {
            "id": "CKV_AWS_158",
            "comment": "Log lines are redacted (no property secrets, passwords or ResponseURLs); "
            "CloudWatch Logs encrypts them at rest by default.",
        }
    ],
    "AWS::Serverless::Function": [
        {
            "id": "CKV_AWS_116",
            "comment": "No dead-letter queue: every failure is answered to CloudFormation as FAILED, and a "
            "stored event could not be replayed anyway (its pre-signed ResponseURL expires).",
        },
        {
            "id": "CKV_AWS_117",
            "comment": "Not in a VPC: the function reaches only AWS APIs and CloudFormation's pre-signed "
            "S3 response URLs; a VPC would add NAT cost and failure modes without protecting anything.",
        },
        {
            "id": "CKV_AWS_115",
            "comment": "No reserved concurrency: the function runs only during stack operations, and "
            "reserving would take capacity from the account's shared pool.",
        },
        {
            "id": "CKV_AWS_173",
            "comment": "Its only environment variable, GAPFILL_PROVIDER, is a type name, not a secret.",
        },
    ],
}
#: Roles whose API has no resource-level permissions for some write actions.
ROLE_SKIPS: dict[str, list[dict[str, str]]] = {
    "Custom::ConnectInstance": [
        {
            "id": "CKV_AWS_111",
            "comment": "connect:CreateInstance and the Directory Service and IAM service-linked-role actions "
            "it needs accept only Resource '*'; every other action is scoped to instance ARNs.",
        }
    ],
}


def _resources(spec: ProviderSpec) -> dict[str, Any]:
    description = _first_sentence(str(spec.schema.get("description", spec.resource_type)))
    policy = spec.policy()
    policy["Statement"][0]["Resource"] = GetAtt(f"{spec.log_group_id}.Arn")
    return {
        spec.log_group_id: {
            "Type": "AWS::Logs::LogGroup",
            "Metadata": {"checkov": {"skip": CHECKOV_SKIPS["AWS::Logs::LogGroup"]}},
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "LogGroupName": Sub(f"/aws/lambda/{spec.function_name}"),
                "RetentionInDays": Ref("LogRetentionDays"),
            },
        },
        spec.role_id: {
            "Type": "AWS::IAM::Role",
            **(
                {"Metadata": {"checkov": {"skip": ROLE_SKIPS[spec.resource_type]}}}
                if spec.resource_type in ROLE_SKIPS
                else {}
            ),
            "Properties": {
                "Description": Sub(f"gapfill {spec.resource_type} provider in ${{AWS::StackName}}"),
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [{"PolicyName": "provider", "PolicyDocument": _short(policy)}],
            },
        },
        spec.function_id: {
            "Type": "AWS::Serverless::Function",
            "Metadata": {"checkov": {"skip": CHECKOV_SKIPS["AWS::Serverless::Function"]}},
            "Properties": {
                "FunctionName": Sub(spec.function_name),
                # Per function, not in Globals: SAM rewrites relative paths only in resources
                # when `sam build` moves the template to .aws-sam/build.
                "CodeUri": CODE_URI,
                "Description": f"gapfill {spec.version} {spec.resource_type}: {description}"[:256],
                # Publishes a version on every code change and moves the major's alias to it.
                "AutoPublishAlias": spec.alias,
                "Role": GetAtt(f"{spec.role_id}.Arn"),
                "Timeout": spec.timeout,
                "MemorySize": spec.memory,
                "LoggingConfig": {"LogGroup": Ref(spec.log_group_id), "LogFormat": "Text"},
                "Environment": {
                    "Variables": {"GAPFILL_PROVIDER": spec.resource_type, **ENVIRONMENT.get(spec.suffix, {})}
                },
            },
        },
    }


#: The one provider that runs inside a VPC: Custom::PostgresSql reaches RDS for PostgreSQL,
#: which the RDS Data API does not serve. The subnets and security groups are parameters of
#: this function only, and empty by default (then the function stays outside any VPC).
VPC_PROVIDER = "PostgresSql"
VPC_CONDITION = f"{VPC_PROVIDER}InVpc"
VPC_PARAMETERS: dict[str, Any] = {
    f"{VPC_PROVIDER}SubnetIds": {
        "Type": "CommaDelimitedList",
        "Default": "",
        "Description": "Private subnets (ids) for the Custom::PostgresSql function, which must reach the "
        "databases and Secrets Manager/RDS (a NAT or VPC endpoints). Empty: no VPC.",
    },
    f"{VPC_PROVIDER}SecurityGroupIds": {
        "Type": "CommaDelimitedList",
        "Default": "",
        "Description": "Security groups (ids) of the Custom::PostgresSql function; the databases' groups "
        "must allow it on their port. Required with the subnets.",
    },
}


VPC_SKIP = {
    "id": "CKV_AWS_117",
    "comment": "In a VPC when PostgresSqlSubnetIds is given (condition PostgresSqlInVpc, which checkov does "
    "not evaluate); outside one only for databases reachable without it.",
}


def _vpc_access_policy() -> dict[str, Any]:
    """AWSLambdaVPCAccessExecutionRole's EC2 actions for the PostgresSql role, under the condition."""
    ec2 = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}"
    return {
        "Type": "AWS::IAM::Policy",
        "Condition": VPC_CONDITION,
        "Properties": {
            "PolicyName": "vpc-access",
            "Roles": [Ref(f"{VPC_PROVIDER}Role")],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {  # EC2's Describe actions accept no resource-level permissions
                        "Effect": "Allow",
                        "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
                        "Resource": "*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "ec2:CreateNetworkInterface",
                        "Resource": [
                            Sub(f"{ec2}:network-interface/*"),
                            Sub(f"{ec2}:subnet/*"),
                            Sub(f"{ec2}:security-group/*"),
                        ],
                    },
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ec2:DeleteNetworkInterface",
                            "ec2:AssignPrivateIpAddresses",
                            "ec2:UnassignPrivateIpAddresses",
                        ],
                        "Resource": Sub(f"{ec2}:network-interface/*"),
                    },
                ],
            },
        },
    }


def _vpc_parts(resources: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """VpcConfig for the PostgresSql function under a condition, the ENI permissions Lambda needs
    to attach it (AWSLambdaVPCAccessExecutionRole's EC2 actions, scoped to this account and
    region where EC2 allows it), and a rule that the subnets come with security groups."""
    subnets, groups = (Ref(name) for name in VPC_PARAMETERS)
    given = {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", subnets]}, ""]}]}
    skips = resources[f"{VPC_PROVIDER}Function"]["Metadata"]["checkov"]["skip"]
    resources[f"{VPC_PROVIDER}Function"]["Metadata"] = {
        "checkov": {"skip": [VPC_SKIP if skip["id"] == VPC_SKIP["id"] else skip for skip in skips]}
    }
    function = resources[f"{VPC_PROVIDER}Function"]["Properties"]
    function["VpcConfig"] = {
        "Fn::If": [VPC_CONDITION, {"SubnetIds": subnets, "SecurityGroupIds": groups}, Ref("AWS::NoValue")]
    }
    resources[f"{VPC_PROVIDER}VpcAccessPolicy"] = _vpc_access_policy()
    rules = {
        f"{VPC_PROVIDER}VpcComplete": {
            "RuleCondition": given,
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", groups]}, ""]}]},
                    "AssertDescription": f"{VPC_PROVIDER}SubnetIds needs {VPC_PROVIDER}SecurityGroupIds",
                }
            ],
        }
    }
    return {VPC_CONDITION: given}, rules


def _parameters(vpc: bool) -> dict[str, Any]:
    """The providers stack's parameters: logging, the bucket allow-lists, the VPC option, the arch."""
    return {
        "LogLevel": {
            "Type": "String",
            "Default": "INFO",
            "AllowedValues": ["DEBUG", "INFO", "WARNING", "ERROR"],
            "Description": "Level of the providers' structured logs.",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": 30,
            "AllowedValues": RETENTION_DAYS,
            "Description": "How long the providers' log groups keep events.",
        },
        **{
            bucket_list.name: {
                "Type": "CommaDelimitedList",
                "Default": bucket_list.default,
                "Description": bucket_list.description
                + " Bucket names, `*` and `?` allowed; this account's only.",
            }
            for bucket_list in iam.BUCKET_LISTS
        },
        **(VPC_PARAMETERS if vpc else {}),
        "Architecture": {
            "Type": "String",
            "Default": "arm64",
            "AllowedValues": ["arm64", "x86_64"],
            "Description": "Must match the zip: `gapfill package --arch <this>` (wheels differ).",
        },
    }


def build_template(specs: list[ProviderSpec]) -> dict[str, Any]:
    """The template as a tree of plain values and :class:`Tag` intrinsics."""
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for spec in specs:
        resources.update(_resources(spec))
        outputs.update(_outputs(spec))
    conditions, rules = _vpc_parts(resources) if f"{VPC_PROVIDER}Function" in resources else ({}, {})
    version = specs[0].version if specs else versioning.current()
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": (
            f"gapfill providers {version} (ServiceTokens {version.alias}): one Lambda function per "
            "Custom:: resource type, each with a least-privilege role and an exported ServiceToken. "
            "Generated from schemas/ by `gapfill sam-template`; do not edit by hand."
        ),
        "Metadata": _metadata(version),
        "Parameters": _parameters(vpc=bool(conditions)),
        "Globals": {
            "Function": {
                "Runtime": RUNTIME,
                "Handler": HANDLER,
                "Architectures": [Ref("Architecture")],
                "Environment": {
                    "Variables": {
                        "GAPFILL_LOG_LEVEL": Ref("LogLevel"),
                        "POWERTOOLS_SERVICE_NAME": "gapfill",
                    }
                },
            }
        },
        **({"Conditions": conditions, "Rules": rules} if conditions else {}),
        "Resources": resources,
        "Outputs": outputs,
    }


def service_token_export(suffix: str, major_alias: str | None = None) -> str:
    """The export a stack template imports, ``${AWS::StackName}`` left for the providers' stack."""
    return f"${{AWS::StackName}}-{major_alias or versioning.current().alias}-{suffix}-ServiceToken"


def legacy_service_token_export(suffix: str) -> str:
    """The unversioned export of releases before 1.0 (the unqualified function ARN)."""
    return f"${{AWS::StackName}}-{suffix}-ServiceToken"


def _outputs(spec: ProviderSpec) -> dict[str, Any]:
    three_part = spec.schema.get("typeName", spec.resource_type)
    legacy = {
        # Output ids of the unversioned exports are kept, so stacks importing them see no change.
        f"{spec.suffix}ServiceToken": {
            "Description": f"Deprecated (until 2.0): the unversioned ServiceToken of {spec.resource_type} "
            f"for stacks created before 1.0; new stacks import {spec.alias}",
            "Value": GetAtt(f"{spec.function_id}.Arn"),
            "Export": {"Name": Sub(legacy_service_token_export(spec.suffix))},
        },
    }
    return {
        # Dropped by 2.0, a major change (a new major is installed beside 1.x, which keeps them).
        **(legacy if spec.version.major == 1 else {}),
        f"{spec.suffix}ServiceToken{spec.alias.upper()}": {
            "Description": f"ServiceToken of {spec.resource_type} (also usable as the three-part "
            f"{three_part} alias): the Lambda alias {spec.alias}, stable for every "
            f"{spec.alias[1:]}.x release",
            "Value": Ref(f"{spec.function_id}.Alias"),
            "Export": {"Name": Sub(service_token_export(spec.suffix, spec.alias))},
        },
    }


#: The Serverless Application Repository's listing. Name is what users search for and what
#: SAR prefixes with ``serverlessrepo-`` to name the stack it deploys.
SAR_NAME = "gapfill-providers"
SAR_AUTHOR = "gapfill"
SAR_LICENSE = "Apache-2.0"
SAR_LABELS = ["cloudformation", "custom-resource", "amazon-connect", "s3", "firehose", "lambda"]


def source_code_url() -> str:
    """``[project.urls] Source`` of pyproject.toml: one place for the repository's address."""
    import tomllib

    with (REPO / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["urls"]["Source"])


def _metadata(version: versioning.Version) -> dict[str, Any]:
    url = source_code_url()
    return {
        "Gapfill": {"Version": str(version), "ServiceTokenAlias": version.alias},
        "AWS::ServerlessRepo::Application": {
            "Name": SAR_NAME,
            "Description": "Lambda-backed CloudFormation custom resources for what native CloudFormation "
            "cannot do well around Amazon Connect, S3 notifications, Firehose encryption and generated "
            "pages: schema-validated, never hanging a stack, never destroying what they do not own.",
            "Author": SAR_AUTHOR,
            "SpdxLicenseId": SAR_LICENSE,
            # Relative to this template; `sam package` / `gapfill publish` upload them.
            "LicenseUrl": "../LICENSE",
            "ReadmeUrl": "../README.md",
            "Labels": SAR_LABELS,
            "HomePageUrl": url,
            "SemanticVersion": str(version),
            "SourceCodeUrl": url,
        },
    }


def render(specs: list[ProviderSpec]) -> str:
    """The template's YAML text, byte-for-byte stable for the same schemas."""
    header = (
        "# Generated by `gapfill sam-template` from schemas/*.json: do not edit by hand.\n"
        "# Build the code first: `gapfill package` (writes build/lambda/gapfill-providers.zip),\n"
        "# then deploy: `sam deploy --guided` from packaging/ or `gapfill deploy` (docs/deploy.md).\n"
    )
    body = yaml.dump(
        build_template(specs), Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=110
    )
    return header + _unquote_tags(body)


#: A quoted short-form intrinsic whose value reads the same unquoted in a block context.
_QUOTED_TAG = re.compile(r"(!(?:Ref|GetAtt|Sub)) '([A-Za-z0-9/$][A-Za-z0-9.:_/${}*-]*)'$", re.MULTILINE)


def _unquote_tags(text: str) -> str:
    """PyYAML quotes every scalar with an explicit tag; drop quotes where YAML needs none."""
    return _QUOTED_TAG.sub(r"\1 \2", text)


def generate(schema_dir: Path = SCHEMA_DIR) -> str:
    return render(load_specs(schema_dir))


DOCS_PATH = REPO / "docs" / "deploy.md"
ROLES_START = "<!-- roles:start (generated by `gapfill sam-template`) -->"
ROLES_END = "<!-- roles:end -->"


def with_role_table(document: str, specs: list[ProviderSpec]) -> str:
    """``document`` with the text between the role-table markers regenerated."""
    if ROLES_START not in document or ROLES_END not in document:
        return document
    head, rest = document.split(ROLES_START, 1)
    _, tail = rest.split(ROLES_END, 1)
    from gapfill.bundling import roletable

    table = roletable.markdown(specs)
    return f"{head}{ROLES_START}\n{table}{ROLES_END}{tail}"


def policies_by_type(schema_dir: Path = SCHEMA_DIR) -> Mapping[str, dict[str, Any]]:
    """``Custom::X`` -> its role's policy document (long-form intrinsics), for docs and checks."""
    return {spec.resource_type: spec.policy() for spec in load_specs(schema_dir)}
