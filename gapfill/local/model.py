"""What the local job keeps of what it played: a stack, a custom resource, a row of the table,
and the one error it reports in a line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapfill.local import standins

#: The region the local job plays in (the pseudo parameter AWS::Region, the providers' stack).
REGION = "us-east-1"


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
