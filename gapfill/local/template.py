"""Load CloudFormation templates (YAML short-form tags or JSON) into plain dicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns ``!Ref x`` into ``{"Ref": "x"}`` and ``!Sub`` into ``Fn::Sub``."""


def _construct(loader: _Loader, tag_suffix: str, node: yaml.Node) -> Any:
    key = (
        "Ref" if tag_suffix == "Ref" else ("Condition" if tag_suffix == "Condition" else f"Fn::{tag_suffix}")
    )
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt" and isinstance(value, str):
            resource, _, attribute = value.partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


_Loader.add_multi_constructor("!", _construct)


def loads(text: str) -> dict[str, Any]:
    """Parse a template's text (JSON is YAML too, but is parsed as JSON for exact errors)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return dict(json.loads(text))
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass with tag constructors only
    if not isinstance(data, dict):
        raise ValueError("a template must be a mapping")
    return data


def load(path: Path) -> dict[str, Any]:
    return loads(path.read_text(encoding="utf-8"))


def load_template(path: Path) -> dict[str, Any]:
    """The template, or a one-line error naming the file and line for bad YAML or JSON."""
    from gapfill.local.model import LocalDeployError

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
