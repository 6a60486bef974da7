"""``gapfill drift --stack NAME``: the gapfill resources of a deployed stack and its nested stacks.

What the stack last asked for is rebuilt from CloudFormation's own record, never from a local
file: the processed template (GetTemplate, ``TemplateStage=Processed``: transforms expanded),
the parameter values the stack was last updated with (DescribeStacks; SSM parameters by their
resolved value) and the physical id of every resource (DescribeStackResources). Each gapfill
resource's properties are resolved from those with the project's intrinsic resolver
(:mod:`gapfill.local.intrinsics`). ``Fn::GetAtt`` of another gapfill resource is its read's
attributes; of a nested stack, its outputs; of any other resource it is not known, and a
property that needs one is left out of the comparison and named in a note.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gapfill.drift.check import Target
from gapfill.local import intrinsics
from gapfill.local.intrinsics import Scope, UnsupportedIntrinsicError

NO_ECHO = "****"


class UnknownValueError(LookupError):
    """A value drift cannot know from the stack's record (an attribute of a native resource)."""


@dataclass
class StackRecord:
    """One stack as CloudFormation records it."""

    name: str
    stack_id: str
    template: dict[str, Any]
    parameters: dict[str, Any]
    resources: dict[str, tuple[str, str]]  # logical id -> (type, physical id)
    outputs: dict[str, Any] = field(default_factory=dict)


def _template(body: Any) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    from gapfill.local.template import loads

    text = str(body)
    try:
        return dict(json.loads(text))
    except ValueError:
        return loads(text)


def fetch(cloudformation: Any, name: str) -> StackRecord:
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    body = cloudformation.get_template(StackName=stack["StackId"], TemplateStage="Processed")["TemplateBody"]
    parameters = {
        p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue"))
        for p in stack.get("Parameters", [])
    }
    listed = cloudformation.describe_stack_resources(StackName=stack["StackId"])["StackResources"]
    resources = {
        r["LogicalResourceId"]: (str(r["ResourceType"]), str(r.get("PhysicalResourceId") or ""))
        for r in listed
    }
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}
    return StackRecord(
        str(stack["StackName"]), str(stack["StackId"]), _template(body), parameters, resources, outputs
    )


def is_gapfill(resource_type: str) -> bool:
    from providers.registry import PROVIDERS, normalise_type

    return normalise_type(resource_type) in PROVIDERS


def _scope(record: StackRecord, attribute: Callable[[str, str], Any], imports: Callable[[str], Any]) -> Scope:
    parts = record.stack_id.split(":")
    pseudo = {
        "AWS::Region": parts[3] if len(parts) > 4 else "",
        "AWS::AccountId": parts[4] if len(parts) > 4 else "",
        "AWS::Partition": parts[1] if len(parts) > 4 else "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": record.name,
        "AWS::StackId": record.stack_id,
    }

    def ref(logical_id: str) -> Any:
        if logical_id not in record.resources:
            raise UnknownValueError(f"Ref {logical_id}")
        return record.resources[logical_id][1]

    return Scope(
        parameters=record.parameters,
        pseudo=pseudo,
        conditions=record.template.get("Conditions", {}),
        refs=ref,
        attribute=attribute,
        imports=imports,
        mappings=record.template.get("Mappings", {}),
    )


def resolve_properties(raw: Mapping[str, Any], scope: Scope) -> tuple[dict[str, Any], list[str]]:
    """(resolved properties, names left out because a value in them is not known)."""
    resolved: dict[str, Any] = {}
    unknown: list[str] = []
    for name, value in raw.items():
        try:
            result = intrinsics.resolve(value, scope)
        except (UnknownValueError, UnsupportedIntrinsicError, KeyError) as exc:
            unknown.append(f"{name} ({exc})")
            continue
        if result is not intrinsics.NO_VALUE:
            resolved[name] = result
    return resolved, unknown


@dataclass
class StackWalk:
    """Every gapfill resource of a stack tree, with the notes on what could not be resolved."""

    cloudformation: Any
    read_attributes: Callable[[Target], Mapping[str, Any]]
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _exports: dict[str, Any] | None = None

    def imports(self, name: str) -> Any:
        if self._exports is None:
            self._exports = {}
            for page in self.cloudformation.get_paginator("list_exports").paginate():
                self._exports.update({e["Name"]: e["Value"] for e in page.get("Exports", [])})
        if name not in self._exports:
            raise UnknownValueError(f"Fn::ImportValue {name}")
        return self._exports[name]

    def walk(self, name: str) -> None:
        record = fetch(self.cloudformation, name)
        nested: dict[str, StackRecord] = {}
        done: dict[str, Target] = {}

        def attribute(logical_id: str, attr: str) -> Any:
            kind, physical = record.resources.get(logical_id, ("", ""))
            if kind == "AWS::CloudFormation::Stack" and attr.startswith("Outputs."):
                child = nested.get(logical_id) or fetch(self.cloudformation, physical)
                nested[logical_id] = child
                return child.outputs[attr.split(".", 1)[1]]
            if logical_id in done:
                data = self.read_attributes(done[logical_id])
                if attr in data:
                    return data[attr]
            raise UnknownValueError(f"Fn::GetAtt {logical_id}.{attr}")

        scope = _scope(record, attribute, self.imports)
        from gapfill.local.order import toposort  # the runner's own ordering by references

        declared = record.template.get("Resources", {})
        ordered = [n for n in toposort(declared) if n in record.resources]
        for logical_id in ordered:
            kind, physical = record.resources[logical_id]
            if kind == "AWS::CloudFormation::Stack" and physical:
                self.walk(physical)
                continue
            if not is_gapfill(kind) or not physical:
                continue
            raw = dict(record.template.get("Resources", {}).get(logical_id, {}).get("Properties", {}))
            for reserved in ("ServiceToken", "ServiceTimeout"):  # the function, not the resource
                raw.pop(reserved, None)
            props, unknown = resolve_properties(raw, scope)
            skipped = tuple(u.split(" ", 1)[0] for u in unknown)
            target = Target(record.name, record.stack_id, logical_id, kind, physical, props, skipped)
            done[logical_id] = target
            self.notes += [f"{record.name}/{logical_id}: not compared: {u}" for u in unknown]
            self.targets.append(target)
