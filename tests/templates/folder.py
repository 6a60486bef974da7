"""Reading an application's template folder (templates/<app>/) for its template tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

from gapfill.deploy.params import load as load_parameters


@dataclass(frozen=True)
class TemplateFolder:
    path: Path

    def load(self, name: str) -> dict[str, Any]:
        """``<name>.yaml`` decoded as cfn-lint decodes it (no decoding problem allowed)."""
        template, matches = decode(str(self.path / f"{name}.yaml"))
        assert not matches, matches
        assert isinstance(template, dict)
        return template

    def resources(self, name: str, kind: str) -> dict[str, Any]:
        return {k: v for k, v in self.load(name)["Resources"].items() if v["Type"] == kind}

    def parameters(self, environment: str) -> dict[str, str]:
        """``parameters/<environment>.json``, read as ``gapfill deploy --parameters`` reads it."""
        return load_parameters(self.path / "parameters" / f"{environment}.json")


def walk(node: Any) -> Iterator[Any]:
    """Every value of a template tree, depth first."""
    yield node
    if isinstance(node, Mapping):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)
