"""The rehearsal of the providers' minor upgrade under live stacks: the next minor release (a
copy of the tree at that version, loaded as separate modules) deployed over the providers'
stack, every stack updated with its template unchanged (no custom resource changes, so none is
sent an event or replaced), and every later answer required to come from the new code."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gapfill import versioning
from gapfill.local import intrinsics, stacks
from gapfill.local import providers_stack as providers_model
from gapfill.local.model import LocalDeployError, Row

if TYPE_CHECKING:
    from gapfill.local.deployment import LocalDeployment


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
        shutil.rmtree(folder)
    build = providers_model.Build.copy_of_tree(new, folder)
    stack = providers_model.PROVIDERS_STACK
    print(f"\n== rehearsal: providers upgrade {current} -> {new} (stack {stack})", flush=True)
    try:
        moved = region.deploy(stack, providers_model.template_for(new), build)
    except providers_model.ProvidersStackError as exc:
        raise LocalDeployError(f"providers upgrade {current} -> {new}: {exc}") from None
    print(f"   {len(moved)} aliases moved to the new code, e.g. {moved[0] if moved else 'none'}", flush=True)
    upgrade = Upgrade(str(current), build.code_version(), moved)
    for deployment in deployments:
        update_unchanged(deployment)
        upgrade.marks[id(deployment)] = len(deployment.rows)
    return upgrade


def update_unchanged(deployment: LocalDeployment) -> list[str]:
    """A stack update with the template and parameters unchanged, after the providers were
    upgraded: CloudFormation sends a custom resource an event only when its properties
    changed, and refuses a changed ServiceToken. Every property is resolved again (the
    ServiceTokens through the upgraded providers' exports); returns what changed (nothing,
    when the tokens are stable), each change also a FAILED row."""
    deployment.progress(f"== rehearsal: stack update, template unchanged ({deployment.root_template.name})")
    stacks.record(deployment.cfn.stack_id, "UPDATE_IN_PROGRESS")
    changed = []
    for custom in deployment.created:
        stack = deployment.stacks[custom.stack]
        resource = stack.resources[custom.logical_id]
        now = intrinsics.resolve(resource.get("Properties", {}), deployment.scope(stack))
        if now == custom.properties:
            continue
        was, token = custom.properties.get("ServiceToken"), now.get("ServiceToken")
        reason = (
            f"ServiceToken {was} -> {token}: CloudFormation does not support updating a ServiceToken"
            if token != was
            else "properties changed although the template did not"
        )
        changed.append(f"{custom.stack}/{custom.logical_id}: {reason}")
        deployment.rows.append(
            Row(custom.stack, custom.logical_id, custom.resource_type, "UPDATE", "FAILED", "", 0.0, reason)
        )
    status = "UPDATE_COMPLETE" if not changed else "UPDATE_ROLLBACK_COMPLETE"
    stacks.record(deployment.cfn.stack_id, status)
    total = len(deployment.created)
    deployment.progress(
        f"   {total - len(changed)} of {total} custom resources unchanged "
        "(same ServiceToken, same properties): no event sent, none replaced"
    )
    return changed
