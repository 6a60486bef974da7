"""The roles the project ships, read from its templates, with their policies resolved.

A role is the inline policies of an ``AWS::IAM::Role`` in a template (the providers' SAM
template or a stack template), with intrinsics resolved for one deployment: pseudo
parameters of the emulator's account and region, the template's parameter defaults
overridden by the given ones, and attributes of other resources from ``attributes`` or, for
the resources whose ARN follows from their properties (log groups, buckets, functions),
from those properties.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapfill.emulator.server import EMULATOR_ACCOUNT_ID

REPO = Path(__file__).resolve().parents[3]
PROVIDERS_TEMPLATE = REPO / "packaging" / "template.yaml"
PROVIDERS_STACK = "gapfill-providers"
REGION = "us-east-1"
PARTITION = "aws"
#: Providers-stack parameters used when a caller gives none (the test session widens the
#: bucket allow-lists to its own random bucket names; ``gapfill deploy --local`` keeps defaults).
SESSION_PARAMETERS: dict[str, Any] = {}
#: Access key ids naming a role start with this; other keys are the tests' own and not evaluated.
KEY_PREFIX = "GAPFILLROLE"


@dataclass(frozen=True)
class Role:
    """One role as deployed: its name (the template's logical id) and resolved policies."""

    name: str
    template: str
    policies: tuple[Mapping[str, Any], ...]
    account: str = EMULATOR_ACCOUNT_ID
    parameters: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:iam::{self.account}:role/{self.name}"

    @property
    def access_key(self) -> str:
        digest = hashlib.sha256(json.dumps(self.policies, sort_keys=True, default=str).encode()).hexdigest()
        return f"{KEY_PREFIX}{digest[:10].upper()}{self.name}"


@functools.cache
def template(path: Path) -> Mapping[str, Any]:
    from gapfill.local.template import load

    return load(path)


def _defaults(template: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        value = given.get(name, spec.get("Default", ""))
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            value = [v.strip() for v in value.split(",")] if value else []
        values[name] = value
    return {**values, **{k: v for k, v in given.items() if k not in values}}


def _native_arn(
    resources: Mapping[str, Any], logical_id: str, attribute: str, resolve: Any, region: str = REGION
) -> str:
    resource = resources.get(logical_id, {})
    kind, props = resource.get("Type", ""), resource.get("Properties", {})
    if attribute == "Arn" and kind == "AWS::Logs::LogGroup":
        name = resolve(props["LogGroupName"])
        return f"arn:{PARTITION}:logs:{region}:{EMULATOR_ACCOUNT_ID}:log-group:{name}:*"
    if attribute == "Arn" and kind == "AWS::S3::Bucket":
        return f"arn:{PARTITION}:s3:::{resolve(props.get('BucketName', logical_id.lower()))}"
    if attribute == "Arn" and kind in {"AWS::Lambda::Function", "AWS::Serverless::Function"}:
        name = resolve(props.get("FunctionName", logical_id))
        return f"arn:{PARTITION}:lambda:{region}:{EMULATOR_ACCOUNT_ID}:function:{name}"
    if attribute == "Arn" and kind == "AWS::DynamoDB::Table":
        name = resolve(props.get("TableName", logical_id))
        return f"arn:{PARTITION}:dynamodb:{region}:{EMULATOR_ACCOUNT_ID}:table/{name}"
    raise KeyError(f"{logical_id}.{attribute}: give it in attributes=")


def load_role(
    template_path: Path,
    role_id: str,
    *,
    stack_name: str,
    parameters: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
    region: str = REGION,
) -> Role:
    """The role ``role_id`` of ``template_path`` as a stack named ``stack_name`` would deploy it."""
    from gapfill.local import intrinsics

    tree = template(template_path)
    resources = tree.get("Resources", {})
    given = dict(parameters or {})
    attrs = dict(attributes or {})

    def attribute(logical_id: str, name: str) -> Any:
        key = f"{logical_id}.{name}"
        return attrs[key] if key in attrs else _native_arn(resources, logical_id, name, resolve, region)

    scope = intrinsics.Scope(
        parameters=_defaults(tree, given),
        pseudo={
            "AWS::Partition": PARTITION,
            "AWS::Region": region,
            "AWS::AccountId": EMULATOR_ACCOUNT_ID,
            "AWS::StackName": stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        },
        conditions=tree.get("Conditions", {}),
        refs=lambda logical_id: attrs.get(logical_id, logical_id),
        attribute=attribute,
        imports=lambda name: attrs.get(name, name),
    )

    def resolve(value: Any) -> Any:
        return intrinsics.resolve(value, scope)

    props = resources[role_id]["Properties"]
    documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
    documents += [  # separate AWS::IAM::Policy resources attached to the role (if created)
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r.get("Type") == "AWS::IAM::Policy"
        and {"Ref": role_id} in r.get("Properties", {}).get("Roles", [])
        and ("Condition" not in r or scope.condition(r["Condition"]))
    ]
    policies = tuple(resolve(document) for document in documents)
    try:
        shown = str(template_path.relative_to(REPO))
    except ValueError:
        shown = template_path.name
    return Role(role_id, shown, policies, parameters=given)


#: Variables of a function's environment the harness does not set (the runner chooses the
#: type, the log level and the service name itself).
_HARNESS_VARIABLES = {"GAPFILL_PROVIDER", "GAPFILL_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME"}


def provider_environment(resource_type: str, parameters: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The environment variables the shipped template gives the type's function (the allow-lists
    a provider checks itself), resolved with the same parameters as its role."""
    from gapfill.local import intrinsics

    tree = template(PROVIDERS_TEMPLATE)
    function = tree.get("Resources", {}).get(resource_type.split("::", 1)[-1] + "Function")
    if function is None:
        return {}
    variables = function.get("Properties", {}).get("Environment", {}).get("Variables", {})
    scope = intrinsics.Scope(
        parameters=_defaults(tree, SESSION_PARAMETERS if parameters is None else parameters),
        pseudo={"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": EMULATOR_ACCOUNT_ID},
        conditions={},
        refs=lambda name: name,
        attribute=lambda name, attr: f"{name}.{attr}",
        imports=lambda name: name,
    )
    return {k: str(intrinsics.resolve(v, scope)) for k, v in variables.items() if k not in _HARNESS_VARIABLES}


def provider_role_id(resource_type: str) -> str:
    """``Custom::HtmlPage`` -> ``HtmlPageRole`` (the generator's naming)."""
    return resource_type.split("::", 1)[-1] + "Role"


def provider_role(
    resource_type: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    template_path: Path = PROVIDERS_TEMPLATE,
    region: str = REGION,
) -> Role | None:
    """The shipped role of the provider of ``resource_type`` (None for a type without one)."""
    tree = template(template_path)
    role_id = provider_role_id(resource_type)
    if role_id not in tree.get("Resources", {}):
        return None
    chosen = SESSION_PARAMETERS if parameters is None else parameters
    return load_role(template_path, role_id, stack_name=PROVIDERS_STACK, parameters=chosen, region=region)
