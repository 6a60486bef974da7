"""``gapfill deploy --local``: the project's real templates, played locally.

The embedded emulator starts on loopback; the prerequisites a contact centre already has are
created in it; the ``Custom::`` resources of a template (the nested stacks of a root template
such as ``templates/main.yaml``, or a flat template such as ``templates/qr-upload.yaml``) are
created through CloudFormation's side of the protocol, in dependency order, with their
properties as written and the intrinsic functions they use resolved. Without ``--template``
the job plays every application: the contact centre (``main.yaml``), the QR upload stack and the
concert data platform (``concert-platform/platform.yaml``).
Parameters are checked as CloudFormation checks them (AllowedValues, AllowedPattern, lengths,
ranges). ``--rehearse`` then plays a stack update (one change in place, one that forces a
replacement, the old resource deleted afterwards as CloudFormation does; what a stack does not
offer is skipped and said so) and a stack deletion in reverse order, with the stack's status
recorded in the emulator as CloudFormation reports it.

ServiceTokens resolve through the exports of a providers stack played from the generated
``packaging/template.yaml`` (:mod:`gapfill.local.providers_stack`): a template importing an
export the providers do not create fails here as in CloudFormation, and each event runs the
build its alias points at. ``--rehearse`` first upgrades the providers to the next minor
release (a copy of the tree at that version, loaded as separate modules) under the live stacks,
updates the stacks with their templates unchanged (no custom resource changes, so none is sent
an event or replaced), and then requires every later answer to come from the new code.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapfill import versioning
from gapfill.deploy.params import load as load_parameters
from gapfill.emulator.server import EMULATOR_ACCOUNT_ID, Emulator
from gapfill.local import intrinsics, stacks, standins
from gapfill.local import providers_stack as providers_model
from gapfill.local.intrinsics import Scope, UnsupportedIntrinsicError
from gapfill.local.template import load

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = Path(__file__).resolve().parent / "seed"
REGION = "us-east-1"
#: The providers' stack the local parameter files name (ProvidersStackName).
PROVIDERS_STACK = "gapfill-providers"
#: What the job plays without --template: (template, its local parameter file in seed/).
APPLICATIONS = (
    ("main.yaml", "local-parameters.json"),
    ("qr-upload.yaml", "qr-upload-local-parameters.json"),
    ("concert-platform/platform.yaml", "concert-platform-local-parameters.json"),
)


class LocalDeployError(RuntimeError):
    """The templates ask for something the local runner does not do; the message says what."""


@dataclass
class Row:
    stack: str
    logical_id: str
    resource_type: str
    operation: str
    status: str
    physical_id: str
    seconds: float
    reason: str = ""
    #: The version of the code that answered (the build the ServiceToken's alias points at).
    code_version: str = ""


@dataclass
class CustomResource:
    stack: str
    logical_id: str
    resource_type: str
    properties: dict[str, Any]
    physical_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Stack:
    """One nested stack as the local runner plays it."""

    name: str
    path: Path
    template: dict[str, Any]
    parameters: dict[str, Any]
    customs: dict[str, CustomResource] = field(default_factory=dict)
    standins: dict[str, standins.StandIn] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.template.get("Resources", {}))


def _progress(text: str) -> None:
    print(text, flush=True)


class LocalDeployment:
    """Creates, updates and deletes the ``Custom::`` resources of a root template's stacks."""

    def __init__(
        self,
        root_template: Path,
        parameters: dict[str, Any],
        *,
        progress: Callable[[str], None] = _progress,
        stack_name: str = "gapfill-local",
        providers: providers_model.Region | None = None,
    ) -> None:
        from gapfill.local.protocol import LocalCloudFormation

        self.providers = providers or installed_providers()
        self.root_template = root_template
        self.root = load_template(root_template)
        self.root_parameters = _with_defaults(self.root, parameters)
        self.progress = progress
        self.stack_name = stack_name
        self.cfn = LocalCloudFormation(stack_name=stack_name, router=self._route)
        self.stacks: dict[str, Stack] = {}
        self.rows: list[Row] = []
        self.created: list[CustomResource] = []
        self.exports: dict[str, Any] = {}
        #: What the rehearsal could not play for this stack, said in the summary.
        self.skipped: list[str] = []

    # -- scopes -------------------------------------------------------------------------------------
    def _pseudo(self, stack_name: str) -> dict[str, Any]:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": EMULATOR_ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": self.cfn.stack_id,
        }

    def _imports(self, name: str) -> Any:
        if name in self.providers.exports:
            return self.providers.import_value(name, self.stack_name)
        if name in self.exports:
            return self.exports[name]
        hint = ""
        if name.endswith("-ServiceToken"):
            hint = (
                f" (the providers stacks export e.g. {next(iter(sorted(self.providers.exports)), 'nothing')})"
            )
        raise LocalDeployError(f"Fn::ImportValue '{name}': no stack here exports it{hint}")

    def _route(self, service_token: str) -> providers_model.Target:
        try:
            return self.providers.route(service_token)
        except providers_model.ProvidersStackError as exc:
            raise LocalDeployError(f"Lambda invoke: {exc}") from None

    def _scope(self, stack: Stack) -> Scope:
        conditions = stack.template.get("Conditions", {})

        def ref(logical_id: str) -> Any:
            return self._physical(stack, logical_id)

        def attribute(logical_id: str, name: str) -> Any:
            return self._attribute(stack, logical_id, name)

        scope = Scope(
            parameters=stack.parameters,
            pseudo=self._pseudo(f"{self.stack_name}-{stack.name}"),
            conditions=conditions,
            refs=ref,
            attribute=attribute,
            imports=self._imports,
            mappings=stack.template.get("Mappings", {}),
        )
        return scope

    def _physical(self, stack: Stack, logical_id: str) -> Any:
        if logical_id in stack.customs and stack.customs[logical_id].physical_id:
            return stack.customs[logical_id].physical_id
        return self._standin(stack, logical_id).ref

    def _attribute(self, stack: Stack, logical_id: str, name: str) -> Any:
        if logical_id in stack.customs:
            custom = stack.customs[logical_id]
            if name not in custom.data:
                raise LocalDeployError(
                    f"{stack.name}/{logical_id}: Fn::GetAtt {name} is not among the attributes it returned "
                    f"({', '.join(sorted(custom.data)) or 'none'})"
                )
            return custom.data[name]
        if logical_id in self.stacks and name.startswith("Outputs."):
            return self.stacks[logical_id].outputs[name.split(".", 1)[1]]
        standin = self._standin(stack, logical_id)
        if name in standin.attributes:
            return standin.attributes[name]
        return f"{standin.attributes.get('Arn', standin.ref)}#{name}"

    def _standin(self, stack: Stack, logical_id: str) -> standins.StandIn:
        if logical_id in stack.standins:
            return stack.standins[logical_id]
        resource = stack.resources.get(logical_id)
        if resource is None:
            raise LocalDeployError(
                f"{stack.name}: Ref/GetAtt to unknown resource or parameter '{logical_id}'"
            )
        if str(resource.get("Type", "")).startswith("Custom::"):
            raise LocalDeployError(f"{stack.name}/{logical_id} is referenced before it was created")
        stack.standins[logical_id] = standins.synthetic(
            stack.name, logical_id, resource["Type"]
        )  # cycle guard
        try:
            props = intrinsics.resolve(resource.get("Properties", {}), self._scope(stack))
        except (LocalDeployError, UnsupportedIntrinsicError, KeyError):
            props = {}
        made = standins.make(stack.name, logical_id, resource["Type"], props)
        if resource["Type"] == "AWS::S3::Bucket" and made.made_in_emulator:
            # As CloudFormation tags the buckets a stack creates (Custom::S3BucketEmptier checks it).
            stacks.tag_bucket(made.ref, self.cfn.stack_id, logical_id)
        stack.standins[logical_id] = made
        return made

    # -- ordering -----------------------------------------------------------------------------------
    def _stack_order(self) -> list[tuple[str, dict[str, Any]]]:
        nested = {
            name: res
            for name, res in self.root.get("Resources", {}).items()
            if res.get("Type") == "AWS::CloudFormation::Stack"
        }
        return [(name, nested[name]) for name in _toposort(nested)]

    def _custom_order(self, stack: Stack) -> list[str]:
        resources = stack.resources
        scope = self._scope(stack)
        active = {
            name: res
            for name, res in resources.items()
            if "Condition" not in res or scope.condition(str(res["Condition"]))
        }
        order = _toposort(active)
        return [name for name in order if str(active[name].get("Type", "")).startswith("Custom::")]

    # -- phases -------------------------------------------------------------------------------------
    def deploy(self) -> None:
        stacks.record(self.cfn.stack_id, "CREATE_IN_PROGRESS")
        if not any(
            r.get("Type") == "AWS::CloudFormation::Stack" for r in self.root.get("Resources", {}).values()
        ):
            # A flat template: the root is the only stack.
            stack = Stack(
                name=self.root_template.stem,
                path=self.root_template,
                template=self.root,
                parameters=self.root_parameters,
            )
            self.stacks[stack.name] = stack
            self._deploy_stack(stack)
        else:
            self._deploy_nested()
        stacks.record(self.cfn.stack_id, "CREATE_COMPLETE" if not self.failed else "CREATE_FAILED")

    def _deploy_nested(self) -> None:
        root_scope = Scope(
            parameters=self.root_parameters,
            pseudo=self._pseudo(self.stack_name),
            conditions=self.root.get("Conditions", {}),
            refs=lambda name: self.stacks[name].name if name in self.stacks else name,
            attribute=lambda name, attr: (
                self._attribute(self.stacks[name], name, attr)
                if name not in self.stacks
                else self.stacks[name].outputs[attr.split(".", 1)[1]]
            ),
            imports=self._imports,
            mappings=self.root.get("Mappings", {}),
        )
        for name, resource in self._stack_order():
            if "Condition" in resource and not root_scope.condition(str(resource["Condition"])):
                continue
            props = resource.get("Properties", {})
            url = str(intrinsics.resolve(props.get("TemplateURL", ""), root_scope))
            path = (self.root_template.parent / url).resolve()
            if not path.is_file():
                raise LocalDeployError(f"nested stack {name}: TemplateURL '{url}' is not a local file")
            template = load_template(path)
            passed = intrinsics.resolve(props.get("Parameters", {}), root_scope)
            stack = Stack(
                name=name, path=path, template=template, parameters=_with_defaults(template, passed)
            )
            self.stacks[name] = stack
            self._deploy_stack(stack)

    def _deploy_stack(self, stack: Stack) -> None:
        self.progress(f"== stack {stack.name} ({stack.path.name})")
        for logical_id in self._custom_order(stack):
            resource = stack.resources[logical_id]
            self._stand_in_dependencies(stack, resource)
            props = intrinsics.resolve(resource.get("Properties", {}), self._scope(stack))
            resource_type = str(resource["Type"])
            custom = CustomResource(stack.name, logical_id, resource_type, props)
            stack.customs[logical_id] = custom
            self._prepare(custom)
            answer = self._send(
                "CREATE",
                custom,
                lambda c: self.cfn.create(c.resource_type, c.properties, logical_id=c.logical_id),
            )
            if answer is not None:
                custom.physical_id = answer.physical_id
                custom.data = answer.data
                self.created.append(custom)
        scope = self._scope(stack)
        for key, output in stack.template.get("Outputs", {}).items():
            try:
                stack.outputs[key] = intrinsics.resolve(output.get("Value"), scope)
            except (LocalDeployError, UnsupportedIntrinsicError) as exc:
                stack.outputs[key] = f"<unresolved: {exc}>"
            export = output.get("Export", {}).get("Name")
            if export is not None:
                with contextlib.suppress(LocalDeployError, UnsupportedIntrinsicError):
                    self.exports[str(intrinsics.resolve(export, scope))] = stack.outputs[key]

    def _stand_in_dependencies(self, stack: Stack, resource: dict[str, Any]) -> None:
        """Native resources a custom one depends on (DependsOn or references) exist first, as in
        CloudFormation; contact flow placeholders name queues that only DependsOn orders."""
        depends = resource.get("DependsOn", [])
        names = ({depends} if isinstance(depends, str) else set(depends)) | intrinsics.references(
            resource.get("Properties", {})
        )
        for name in sorted(names):
            target = stack.resources.get(name)
            if target is None or str(target.get("Type", "")).startswith("Custom::"):
                continue
            if name not in stack.standins:
                made = self._standin(stack, name)
                if made.made_in_emulator:
                    self.progress(f"   native {name} ({target['Type']}) stands in as {made.ref}")

    def _prepare(self, custom: CustomResource) -> None:
        from gapfill.local.prerequisites import ensure_for

        for line in ensure_for(custom.resource_type, custom.properties):
            self.progress(f"   prerequisite in the emulator: {line}")

    def _send(self, operation: str, custom: CustomResource, call: Callable[[CustomResource], Any]) -> Any:
        started = time.time()
        answer = call(custom)
        seconds = time.time() - started
        status = answer.status if answer.puts else "NO RESPONSE"
        row = Row(
            custom.stack,
            custom.logical_id,
            custom.resource_type,
            operation,
            status,
            answer.physical_id if answer.puts else "",
            seconds,
            answer.reason if status != "SUCCESS" else "",
            answer.code_version,
        )
        self.rows.append(row)
        mark = "ok " if status == "SUCCESS" else "ERR"
        self.progress(
            f"   [{mark}] {operation:<8} {custom.logical_id:<28} {custom.resource_type:<30} "
            f"{row.physical_id[:60]} ({seconds:.1f}s)"
        )
        if status != "SUCCESS":
            self.progress(f"         reason: {row.reason}")
            return None
        return answer

    # -- rehearsal ----------------------------------------------------------------------------------
    def rehearse_update(self) -> None:
        """One in-place change and one replacement, as a stack update would send them."""
        self.progress(f"== rehearsal: stack update ({self.root_template.name})")
        stacks.record(self.cfn.stack_id, "UPDATE_IN_PROGRESS")
        self._rehearse_in_place()
        self._rehearse_replacement()
        stacks.record(self.cfn.stack_id, "UPDATE_COMPLETE")

    def _skip(self, what: str) -> None:
        note = f"{self.root_template.name}: {what}; skipped"
        self.skipped.append(note)
        self.progress(f"   [--] {note}")

    def _rehearse_in_place(self) -> None:
        in_place = _pick_in_place(self.created)
        if in_place is None:
            self._skip("no resource offers an in-place change to rehearse")
            return
        custom, new_props, what = in_place
        answer = self._send(
            "UPDATE",
            custom,
            lambda c: self.cfn.update(
                c.resource_type, c.physical_id, new_props, c.properties, logical_id=c.logical_id
            ),
        )
        if answer is not None:
            self.progress(
                f"         in place: {what}; physical id kept: {answer.physical_id == custom.physical_id}"
            )
            if answer.physical_id != custom.physical_id:
                self.rows[-1].status = "FAILED"
                self.rows[-1].reason = "in-place update changed the physical id"
            custom.properties, custom.data = new_props, answer.data

    def _rehearse_replacement(self) -> None:
        replacing = _pick_replacement(self.created)
        if replacing is None:
            self._skip("no resource offers a replacement to rehearse")
            return
        custom, new_props, what = replacing
        old = copy.deepcopy(custom)
        answer = self._send(
            "REPLACE",
            custom,
            lambda c: self.cfn.update(
                c.resource_type, c.physical_id, new_props, c.properties, logical_id=c.logical_id
            ),
        )
        if answer is not None:
            self.progress(f"         replacement: {what}; new physical id {answer.physical_id}")
            custom.properties, custom.physical_id, custom.data = new_props, answer.physical_id, answer.data
            # UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: CloudFormation deletes the old resource.
            stacks.record(self.cfn.stack_id, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            self._send(
                "CLEANUP",
                old,
                lambda c: self.cfn.delete(
                    c.resource_type, c.physical_id, c.properties, logical_id=c.logical_id
                ),
            )

    def update_unchanged(self) -> list[str]:
        """A stack update with the template and parameters unchanged, after the providers were
        upgraded: CloudFormation sends a custom resource an event only when its properties
        changed, and refuses a changed ServiceToken. Every property is resolved again (the
        ServiceTokens through the upgraded providers' exports); returns what changed (nothing,
        when the tokens are stable), each change also a FAILED row."""
        self.progress(f"== rehearsal: stack update, template unchanged ({self.root_template.name})")
        stacks.record(self.cfn.stack_id, "UPDATE_IN_PROGRESS")
        changed = []
        for custom in self.created:
            stack = self.stacks[custom.stack]
            resource = stack.resources[custom.logical_id]
            now = intrinsics.resolve(resource.get("Properties", {}), self._scope(stack))
            if now == custom.properties:
                continue
            token = now.get("ServiceToken") != custom.properties.get("ServiceToken")
            reason = (
                f"ServiceToken {custom.properties.get('ServiceToken')} -> {now.get('ServiceToken')}: "
                "CloudFormation does not support updating a ServiceToken"
                if token
                else "properties changed although the template did not"
            )
            changed.append(f"{custom.stack}/{custom.logical_id}: {reason}")
            self.rows.append(
                Row(
                    custom.stack, custom.logical_id, custom.resource_type, "UPDATE", "FAILED", "", 0.0, reason
                )
            )
        stacks.record(self.cfn.stack_id, "UPDATE_COMPLETE" if not changed else "UPDATE_ROLLBACK_COMPLETE")
        self.progress(
            f"   {len(self.created) - len(changed)} of {len(self.created)} custom resources unchanged "
            "(same ServiceToken, same properties): no event sent, none replaced"
        )
        return changed

    def delete_all(self) -> None:
        self.progress(f"== rehearsal: stack deletion (reverse order, {self.root_template.name})")
        stacks.record(self.cfn.stack_id, "DELETE_IN_PROGRESS")
        for custom in reversed(self.created):
            self._send(
                "DELETE",
                custom,
                lambda c: self.cfn.delete(
                    c.resource_type, c.physical_id, c.properties, logical_id=c.logical_id
                ),
            )
        stacks.record(self.cfn.stack_id, "DELETE_COMPLETE")

    # -- results ------------------------------------------------------------------------------------
    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if row.status != "SUCCESS"]

    def table(self) -> str:
        return render_table(self.rows)

    def close(self) -> None:
        self.cfn.close()


def render_table(rows: list[Row]) -> str:
    """The final table: one line per operation, of every stack played."""
    headers = ("stack", "resource", "type", "operation", "status", "physical id", "code", "time")
    body = [
        (
            r.stack,
            r.logical_id,
            r.resource_type,
            r.operation,
            r.status,
            _clip(r.physical_id, 56),
            r.code_version or "-",
            f"{r.seconds:.2f}s",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join([line, "  ".join("-" * w for w in widths), *lines])


def load_template(path: Path) -> dict[str, Any]:
    """The template, or a one-line error naming the file and line for bad YAML or JSON."""
    import yaml

    try:
        return load(path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"
        problem = exc.problem or exc.context or "not valid YAML"
        raise LocalDeployError(f"{path.name}: {where}: {problem}") from None
    except (yaml.YAMLError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LocalDeployError(f"{path.name}: {first}") from None
    except OSError as exc:
        raise LocalDeployError(f"{path}: {exc.strerror or exc}") from None


def check_parameter(name: str, spec: dict[str, Any], value: Any) -> None:
    """CloudFormation's own parameter checks, with its kind of message naming the parameter."""
    if isinstance(value, list):
        return
    text = str(value)
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [str(a) for a in allowed]:
        raise LocalDeployError(
            f"parameter '{name}' must be one of {', '.join(str(a) for a in allowed)} (got '{text}')"
        )
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), text) is None:
        hint = spec.get("ConstraintDescription") or f"must match pattern {pattern}"
        raise LocalDeployError(f"parameter '{name}' {hint} (got '{text}')")
    for key, ok, what in (
        ("MinLength", lambda n: len(text) >= n, "at least {} characters"),
        ("MaxLength", lambda n: len(text) <= n, "at most {} characters"),
    ):
        if key in spec and not ok(int(spec[key])):
            raise LocalDeployError(f"parameter '{name}' must have {what.format(spec[key])} (got '{text}')")
    if spec.get("Type") == "Number":
        _check_number(name, spec, text)


def _check_number(name: str, spec: dict[str, Any], text: str) -> None:
    try:
        number = float(text)
    except ValueError:
        raise LocalDeployError(f"parameter '{name}' must be a number (got '{text}')") from None
    if "MinValue" in spec and number < float(spec["MinValue"]):
        raise LocalDeployError(f"parameter '{name}' must be at least {spec['MinValue']} (got '{text}')")
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        raise LocalDeployError(f"parameter '{name}' must be at most {spec['MaxValue']} (got '{text}')")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _with_defaults(template: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        if name in given:
            value = given[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise LocalDeployError(f"parameter '{name}' has no value and no default")
        check_parameter(name, spec, value)
        if str(spec.get("Type", "")).startswith("List<") or spec.get("Type") == "CommaDelimitedList":
            value = (
                value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
            )
        values[name] = value
    return values


def _toposort(resources: dict[str, Any]) -> list[str]:
    """Order by Ref/GetAtt/Sub references (in Properties and Metadata) and DependsOn; a cycle is an
    error, as in CloudFormation. Metadata counts because CloudFormation resolves references there
    too, which is how a template depends on a conditional resource that DependsOn cannot name."""
    deps: dict[str, set[str]] = {}
    for name, resource in resources.items():
        found = intrinsics.references([resource.get("Properties", {}), resource.get("Metadata", {})])
        depends = resource.get("DependsOn", [])
        found |= {depends} if isinstance(depends, str) else set(depends)
        deps[name] = {d for d in found if d in resources and d != name}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise LocalDeployError("circular dependency: " + " -> ".join((*trail, name)))
        state[name] = 1
        for dep in sorted(deps[name]):
            visit(dep, (*trail, name))
        state[name] = 2
        order.append(name)

    for name in resources:
        visit(name, ())
    return order


#: Preferred in-place changes: (type, property, new value maker, description).
def _pick_in_place(created: list[CustomResource]) -> tuple[CustomResource, dict[str, Any], str] | None:
    from providers.core import tag_keys
    from providers.core.schema import load_schema

    for custom in created:
        schema = load_schema(custom.resource_type)
        if "Description" in custom.properties and "Description" not in schema.create_only:
            props = copy.deepcopy(custom.properties)
            props["Description"] = f"{props['Description']} (rehearsed update)".strip()
            return custom, props, f"{custom.logical_id}.Description changed"
    for custom in created:
        if custom.resource_type == "Custom::S3Objects":
            props = copy.deepcopy(custom.properties)
            props["CacheControl"] = "no-cache, must-revalidate"
            return custom, props, f"{custom.logical_id}.CacheControl changed"
    for custom in created:
        schema = load_schema(custom.resource_type)
        if "Tags" in schema.document.get("properties", {}) and "Tags" not in schema.create_only:
            props = copy.deepcopy(custom.properties)
            tags = list(props.get("Tags", []))
            tags.append({"Key": tag_keys.REHEARSAL, "Value": "updated"})
            props["Tags"] = tags
            return custom, props, f"{custom.logical_id}.Tags gained {tag_keys.REHEARSAL}"
    return None


def _pick_replacement(created: list[CustomResource]) -> tuple[CustomResource, dict[str, Any], str] | None:
    for custom in created:
        if custom.resource_type == "Custom::HtmlPage" and isinstance(custom.properties.get("Key"), str):
            props = copy.deepcopy(custom.properties)
            stem, dot, ext = props["Key"].rpartition(".")
            props["Key"] = f"{stem}-v2.{ext}" if dot else props["Key"] + "-v2"
            return custom, props, f"{custom.logical_id}.Key {custom.properties['Key']} -> {props['Key']}"
    return None


def seed(parameters: dict[str, Any], progress: Callable[[str], None] = _progress) -> None:
    """Put in the emulator the files a contact centre already has (``seed/seeds.json``)."""
    import boto3

    from gapfill.local.prerequisites import ensure_bucket

    for item in json.loads((SEED_DIR / "seeds.json").read_text(encoding="utf-8")):
        bucket, key = parameters.get(item["bucketParameter"]), parameters.get(item["keyParameter"])
        if not bucket or not key:
            continue
        ensure_bucket(str(bucket))
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=(SEED_DIR / item["file"]).read_bytes())
        progress(f"prerequisite in the emulator: {item['what']} at s3://{bucket}/{key}")


def write_pages(deployment: LocalDeployment, output: Path) -> list[Path]:
    """Copy every page a Custom::HtmlPage published from the emulator to ``output``."""
    import boto3

    written: list[Path] = []
    s3 = boto3.client("s3")
    for custom in deployment.created:
        if custom.resource_type != "Custom::HtmlPage":
            continue
        bucket, key = (
            custom.properties.get("Bucket") or custom.properties.get("BucketName"),
            custom.properties.get("Key"),
        )
        if not bucket or not key:
            continue
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.ClientError:
            continue
        target = output / Path(str(key)).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.append(target)
    return written


def plays(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    """(template, parameter file) pairs to play: the one asked for, or every application."""
    template = getattr(args, "template", None)
    given = getattr(args, "parameters", None)
    if template is None:
        return [
            (ROOT / "templates" / name, Path(given) if given and name == "main.yaml" else SEED_DIR / params)
            for name, params in APPLICATIONS
        ]
    path = Path(template)
    if given:
        return [(path, Path(given))]
    defaults = dict(APPLICATIONS)
    key = _application_key(path)
    own = path.parent / "parameters" / "local.json"  # an application in its own folder
    if key not in defaults and own.is_file():
        return [(path, own)]
    return [(path, SEED_DIR / defaults.get(key, "local-parameters.json"))]


def _application_key(path: Path) -> str:
    """A template's key in APPLICATIONS: its path under templates/, so that a template in a
    subfolder (concert-platform/platform.yaml) finds its own parameters, not a namesake's."""
    resolved, templates = path.resolve(), ROOT / "templates"
    return resolved.relative_to(templates).as_posix() if resolved.is_relative_to(templates) else path.name


def main(args: argparse.Namespace) -> int:
    """Entry point of ``gapfill deploy --local``."""
    from gapfill.emulator import start_emulator
    from providers.core.aws import reset_clients
    from providers.core.log import logger

    saved_level = logger.log_level
    if "GAPFILL_LOG_LEVEL" not in os.environ:
        logger.setLevel("WARNING")  # the progress lines and the table tell the story; logs on request
    output = Path(getattr(args, "output", None) or ".gapfill/local")
    os.environ.setdefault("GAPFILL_POLL_INITIAL_SECONDS", "0.2")
    os.environ.setdefault("GAPFILL_POLL_MAX_SECONDS", "1")
    try:
        with start_emulator() as emulator, emulator.applied(on_switch=reset_clients):
            return _run(args, emulator, plays(args), output)
    finally:
        logger.setLevel(saved_level)


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def installed_providers(
    region: providers_model.Region | None = None, stack: str = PROVIDERS_STACK
) -> providers_model.Region:
    """The providers' stack as ``sam deploy`` of the generated template leaves it, with this
    process's code as the deployed build."""
    region = region or providers_model.Region(REGION, EMULATOR_ACCOUNT_ID)
    region.deploy(
        stack, providers_model.template_for(versioning.current()), providers_model.Build.in_process()
    )
    return region


@dataclass
class Upgrade:
    """The providers' upgrade the rehearsal played, and what answered after it."""

    old: str
    new: str
    moved: list[str]
    #: Index of the first row after the upgrade, per deployment.
    marks: dict[int, int] = field(default_factory=dict)

    def check(self, deployments: list[LocalDeployment]) -> list[str]:
        """Every answer after the upgrade came from the new code: a line per deployment."""
        lines = []
        for deployment in deployments:
            after = deployment.rows[self.marks.get(id(deployment), len(deployment.rows)) :]
            for row in after:
                if row.status == "SUCCESS" and row.code_version != self.new:
                    row.status, row.reason = "FAILED", f"answered by code {row.code_version}, not {self.new}"
            answered = {(r.stack, r.logical_id) for r in after if r.code_version == self.new}
            created = {(c.stack, c.logical_id) for c in deployment.created}
            lines.append(
                f"upgrade {self.old} -> {self.new}: {deployment.root_template.name}: "
                f"{len(created & answered)} of {len(created)} resources answered from {self.new} afterwards, "
                f"{len([r for r in after if r.operation == 'REPLACE'])} replaced by a rehearsed change only"
            )
        return lines


def rehearse_upgrade(
    region: providers_model.Region, deployments: list[LocalDeployment], output: Path
) -> Upgrade:
    """Deploy the next minor release of the providers (the tree's code with its version
    bumped) over the installed providers' stack, then update every stack unchanged."""
    current = versioning.current()
    new = current.next_minor()
    folder = output / "builds" / str(new)
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    build = providers_model.Build.copy_of_tree(new, folder)
    _progress(f"\n== rehearsal: providers upgrade {current} -> {new} (stack {PROVIDERS_STACK})")
    try:
        moved = region.deploy(PROVIDERS_STACK, providers_model.template_for(new), build)
    except providers_model.ProvidersStackError as exc:
        raise LocalDeployError(f"providers upgrade {current} -> {new}: {exc}") from None
    _progress(f"   {len(moved)} aliases moved to the new code, e.g. {moved[0] if moved else 'none'}")
    upgrade = Upgrade(str(current), build.code_version(), moved)
    for deployment in deployments:
        deployment.update_unchanged()
        upgrade.marks[id(deployment)] = len(deployment.rows)
    return upgrade


def _deploy_one(
    template: Path, params_path: Path, output: Path, providers: providers_model.Region | None = None
) -> tuple[LocalDeployment, list[Path]]:
    """Deploy one template; a LocalDeployError is reported in one line by the caller."""
    print(
        f"\n== template {_relative(template)}, parameters "
        f"{params_path.name if params_path.is_file() else '(defaults)'}",
        flush=True,
    )
    parameters = load_parameters(params_path) if params_path.is_file() else {}
    stack_name = "gapfill-local" if template.name == "main.yaml" else f"gapfill-local-{template.stem}"
    deployment = LocalDeployment(template, parameters, stack_name=stack_name, providers=providers)
    try:
        seed(deployment.root_parameters)
        deployment.deploy()
    except BaseException:
        deployment.close()
        raise
    return deployment, write_pages(deployment, output)


def _run(args: argparse.Namespace, emulator: Emulator, played: list[tuple[Path, Path]], output: Path) -> int:
    print(
        f"embedded AWS emulator on {emulator.endpoint} (moto server + gapfill's Connect extension)",
        flush=True,
    )
    deployments: list[LocalDeployment] = []
    pages: list[Path] = []
    errors: list[str] = []
    started = time.time()
    region = installed_providers()
    notes: list[str] = []
    try:
        for template, params_path in played:
            try:
                deployment, written = _deploy_one(template, params_path, output, region)
            except (LocalDeployError, UnsupportedIntrinsicError, standins.StandInError) as exc:
                errors.append(f"gapfill deploy --local: {exc}")
                print(errors[-1], file=sys.stderr, flush=True)
                continue
            deployments.append(deployment)
            pages += written
        _record(deployments, emulator, output)
        if getattr(args, "keep", False):
            _keep_serving(emulator)
        if getattr(args, "rehearse", False):
            notes = _rehearse(region, [d for d in deployments if not d.failed], output, errors)
        code = _summary(deployments, pages, errors, started, notes)
        from gapfill.emulator.iam import report as iam_report  # calls checked against each role

        print(
            f"\n{iam_report.table()}\n  (details: {iam_report.write(output / 'iam-report.json')})", flush=True
        )
        return code
    finally:
        for deployment in deployments:
            deployment.close()


def _rehearse(
    region: providers_model.Region, rehearsed: list[LocalDeployment], output: Path, errors: list[str]
) -> list[str]:
    """The providers' minor upgrade under every stack, then each stack's update and deletion;
    returns the upgrade's lines for the summary (errors are appended to ``errors``)."""

    def failed(exc: Exception) -> None:
        errors.append(f"gapfill deploy --local: {exc}")
        print(errors[-1], file=sys.stderr, flush=True)

    upgrade = None
    if rehearsed:
        try:
            upgrade = rehearse_upgrade(region, rehearsed, output)
        except (LocalDeployError, UnsupportedIntrinsicError) as exc:
            failed(exc)
    for deployment in rehearsed:
        try:
            deployment.rehearse_update()
            deployment.delete_all()
        except (LocalDeployError, UnsupportedIntrinsicError) as exc:
            failed(exc)
    return upgrade.check(rehearsed) if upgrade is not None else []


def targets(deployment: LocalDeployment) -> list[Any]:
    """What the deployment's stacks last asked of each gapfill resource (for ``gapfill drift``)."""
    from gapfill.drift.check import Target

    return [
        Target(c.stack, deployment.cfn.stack_id, c.logical_id, c.resource_type, c.physical_id, c.properties)
        for c in deployment.created
        if c.physical_id
    ]


def _record(deployments: list[LocalDeployment], emulator: Emulator, output: Path) -> None:
    from gapfill.drift.local import RECORD_NAME, write_record

    made = [t for d in deployments for t in targets(d)]
    path = write_record(output / RECORD_NAME, made, emulator.endpoint)
    print(f"\n{len(made)} resources recorded for 'gapfill drift --local' in {path}", flush=True)


def _keep_serving(emulator: Emulator) -> None:
    print(
        f"\nemulator keeps serving on {emulator.endpoint}; inspect with e.g.\n"
        f"  AWS_ENDPOINT_URL={emulator.endpoint} AWS_ACCESS_KEY_ID=testing "
        f"AWS_SECRET_ACCESS_KEY=testing "
        f"aws s3 ls --region {REGION}\nCtrl-C to continue",
        flush=True,
    )
    from gapfill.local.serve import wait_until_interrupted

    wait_until_interrupted()
    print("", flush=True)


def _summary(
    deployments: list[LocalDeployment],
    pages: list[Path],
    errors: list[str],
    started: float,
    notes: list[str] | None = None,
) -> int:
    rows = [row for deployment in deployments for row in deployment.rows]
    if rows:
        print("\n" + render_table(rows), flush=True)
    for page in pages:
        print(
            f"\ngenerated page written to {page} — open it with: xdg-open {page} (or any browser)", flush=True
        )
    for deployment in deployments:
        for note in deployment.skipped:
            print(f"rehearsal: {note}", flush=True)
    for note in notes or []:
        print(f"rehearsal: {note}", flush=True)
    failed = [row for row in rows if row.status != "SUCCESS"]
    names = ", ".join(d.root_template.name for d in deployments) or "nothing"
    seconds = time.time() - started
    print(
        f"\n{len(rows) - len(failed)}/{len(rows)} operations succeeded ({names}) in {seconds:.1f}s",
        flush=True,
    )
    if errors:
        return 2
    return 1 if failed or not rows else 0
