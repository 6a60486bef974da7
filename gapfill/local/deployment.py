"""One root template played through CloudFormation's side of the custom-resource protocol.

The ``Custom::`` resources of its stacks (the nested stacks of a root template such as
``templates/main.yaml``, or a flat template such as ``templates/qr-upload.yaml``) are created in
dependency order, with their properties as written and the intrinsic functions they use
resolved; the native resources they refer to stand in (:mod:`gapfill.local.standins`), and the
stack's status is recorded in the emulator as CloudFormation reports it. The rehearsals of a
stack update (:mod:`gapfill.local.rehearsal`) and of the providers' upgrade
(:mod:`gapfill.local.upgrade`) play on a deployment made here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gapfill.emulator.server import EMULATOR_ACCOUNT_ID
from gapfill.local import intrinsics, stacks, standins
from gapfill.local import providers_stack as providers_model
from gapfill.local.intrinsics import Scope, UnsupportedIntrinsicError
from gapfill.local.model import REGION, CustomResource, LocalDeployError, Row, Stack
from gapfill.local.order import toposort
from gapfill.local.parameters import with_defaults
from gapfill.local.summary import render_table
from gapfill.local.template import load_template


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

        self.providers = providers or providers_model.installed_providers()
        self.root_template = root_template
        self.root = load_template(root_template)
        self.root_parameters = with_defaults(self.root, parameters)
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

    def scope(self, stack: Stack) -> Scope:
        """What the intrinsic functions of ``stack``'s resources resolve against."""

        def ref(logical_id: str) -> Any:
            return self._physical(stack, logical_id)

        def attribute(logical_id: str, name: str) -> Any:
            return self._attribute(stack, logical_id, name)

        return Scope(
            parameters=stack.parameters,
            pseudo=self._pseudo(f"{self.stack_name}-{stack.name}"),
            conditions=stack.template.get("Conditions", {}),
            refs=ref,
            attribute=attribute,
            imports=self._imports,
            mappings=stack.template.get("Mappings", {}),
        )

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
            props = intrinsics.resolve(resource.get("Properties", {}), self.scope(stack))
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
        return [(name, nested[name]) for name in toposort(nested)]

    def _custom_order(self, stack: Stack) -> list[str]:
        resources = stack.resources
        scope = self.scope(stack)
        active = {
            name: res
            for name, res in resources.items()
            if "Condition" not in res or scope.condition(str(res["Condition"]))
        }
        order = toposort(active)
        return [name for name in order if str(active[name].get("Type", "")).startswith("Custom::")]

    # -- creation -----------------------------------------------------------------------------------
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

    def _root_scope(self) -> Scope:
        return Scope(
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

    def _deploy_nested(self) -> None:
        root_scope = self._root_scope()
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
            stack = Stack(name=name, path=path, template=template, parameters=with_defaults(template, passed))
            self.stacks[name] = stack
            self._deploy_stack(stack)

    def _deploy_stack(self, stack: Stack) -> None:
        self.progress(f"== stack {stack.name} ({stack.path.name})")
        for logical_id in self._custom_order(stack):
            resource = stack.resources[logical_id]
            self._stand_in_dependencies(stack, resource)
            props = intrinsics.resolve(resource.get("Properties", {}), self.scope(stack))
            custom = CustomResource(stack.name, logical_id, str(resource["Type"]), props)
            stack.customs[logical_id] = custom
            self._prepare(custom)
            answer = self.send(
                "CREATE",
                custom,
                lambda c: self.cfn.create(c.resource_type, c.properties, logical_id=c.logical_id),
            )
            if answer is not None:
                custom.physical_id = answer.physical_id
                custom.data = answer.data
                self.created.append(custom)
        self._resolve_outputs(stack)

    def _resolve_outputs(self, stack: Stack) -> None:
        """The stack's outputs and exports, for the stacks after it (an unresolvable output is
        said in its value, not raised: only a stack that reads it fails)."""
        scope = self.scope(stack)
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

    def send(self, operation: str, custom: CustomResource, call: Callable[[CustomResource], Any]) -> Any:
        """Send one event (``call``), add its row to the table; the answer, or None when it failed."""
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

    # -- update and deletion ------------------------------------------------------------------------
    def rehearse_update(self) -> None:
        """One in-place change and one replacement, as a stack update would send them."""
        from gapfill.local.rehearsal import rehearse_update

        rehearse_update(self)

    def update_unchanged(self) -> list[str]:
        """The stack update after the providers' upgrade (:func:`gapfill.local.upgrade.update_unchanged`)."""
        from gapfill.local.upgrade import update_unchanged

        return update_unchanged(self)

    def delete_all(self) -> None:
        """The stack deletion: every custom resource it created, in reverse order."""
        self.progress(f"== rehearsal: stack deletion (reverse order, {self.root_template.name})")
        stacks.record(self.cfn.stack_id, "DELETE_IN_PROGRESS")
        for custom in reversed(self.created):
            self.send(
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
