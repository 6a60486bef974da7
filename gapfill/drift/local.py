"""``gapfill drift --local``: the resources of the local main job, from its record.

``gapfill deploy --local`` writes ``deployed.json`` in its output folder (``.gapfill/local``)
after the templates are played: per ``Custom::`` resource, its stack, logical id, type,
physical id and the properties it was last sent, resolved (write-only values left out), and
the emulator's endpoint. That record is what the local stacks last asked for: the local
runner plays CloudFormation, so it knows exactly. With ``--keep`` the emulator keeps serving
and ``gapfill drift --local`` reads every resource there, signed as each provider's shipped
role, so the emulator holds the reads to the same policy as the providers' other calls.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from gapfill.drift.check import Target

RECORD_NAME = "deployed.json"
DEFAULT_OUTPUT = Path(".gapfill/local")


@contextlib.contextmanager
def role_signer(resource_type: str, region: str = "us-east-1") -> Iterator[None]:
    """Sign the block's calls as the type's provider role, with its function's environment."""
    from gapfill.emulator.iam import provider_environment, provider_role, signing_as
    from providers.registry import normalise_type

    kind = normalise_type(resource_type)
    role = provider_role(kind, region=region)
    with signing_as(role, provider_environment(kind, role.parameters if role else None)):
        yield


def _without_write_only(resource_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    from providers.core.schema import load_schema
    from providers.registry import normalise_type

    try:
        write_only = load_schema(normalise_type(resource_type)).write_only
    except (FileNotFoundError, KeyError, ValueError):
        write_only = ()
    return {k: v for k, v in properties.items() if k not in write_only}


def record(targets: Iterable[Target], endpoint: str) -> dict[str, Any]:
    """The record's document (write-only values are never written to disk)."""
    return {
        "Endpoint": endpoint,
        "Resources": [
            {
                "Stack": t.stack,
                "StackId": t.stack_id,
                "LogicalResourceId": t.logical_id,
                "ResourceType": t.resource_type,
                "PhysicalResourceId": t.physical_id,
                "Properties": _without_write_only(t.resource_type, dict(t.properties)),
            }
            for t in targets
        ],
    }


def write_record(path: Path, targets: Iterable[Target], endpoint: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record(targets, endpoint), indent=1, default=str), encoding="utf-8")
    return path


def read_record(path: Path) -> tuple[str, list[Target]]:
    """(emulator endpoint, targets) of a record written by ``gapfill deploy --local``."""
    document = json.loads(path.read_text(encoding="utf-8"))
    targets = [
        Target(
            stack=str(item["Stack"]),
            stack_id=str(item["StackId"]),
            logical_id=str(item["LogicalResourceId"]),
            resource_type=str(item["ResourceType"]),
            physical_id=str(item["PhysicalResourceId"]),
            properties=dict(item.get("Properties") or {}),
        )
        for item in document.get("Resources", [])
    ]
    return str(document.get("Endpoint", "")), targets
