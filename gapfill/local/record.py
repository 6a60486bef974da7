"""What the local job deployed, recorded for ``gapfill drift --local``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gapfill.emulator.server import Emulator

if TYPE_CHECKING:
    from gapfill.local.deployment import LocalDeployment


def targets(deployment: LocalDeployment) -> list[Any]:
    """What the deployment's stacks last asked of each gapfill resource (for ``gapfill drift``)."""
    from gapfill.drift.check import Target

    return [
        Target(c.stack, deployment.cfn.stack_id, c.logical_id, c.resource_type, c.physical_id, c.properties)
        for c in deployment.created
        if c.physical_id
    ]


def record(deployments: list[LocalDeployment], emulator: Emulator, output: Path) -> None:
    """Write every deployment's targets to ``output``'s record, beside the emulator's endpoint."""
    from gapfill.drift.local import RECORD_NAME, write_record

    made = [t for d in deployments for t in targets(d)]
    path = write_record(output / RECORD_NAME, made, emulator.endpoint)
    print(f"\n{len(made)} resources recorded for 'gapfill drift --local' in {path}", flush=True)
