"""The order CloudFormation creates a template's resources in: by their references and DependsOn."""

from __future__ import annotations

from typing import Any

from gapfill.local import intrinsics
from gapfill.local.model import LocalDeployError


def toposort(resources: dict[str, Any]) -> list[str]:
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
