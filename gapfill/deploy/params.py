"""Parameter files, read here and nowhere else: ``gapfill deploy --parameters FILE`` and the
local job (``gapfill deploy --local``) both load them with :func:`load`.

Accepted shapes, so that files written for other tools work unchanged:

* CloudFormation's own: ``[{"ParameterKey": "K", "ParameterValue": "V"}, ...]`` (what
  ``aws cloudformation create-stack --parameters file://`` reads);
* the template-configuration shape of CodePipeline / ``aws cloudformation deploy``:
  ``{"Parameters": {"K": "V"}}`` (optionally with ``Tags``);
* a plain mapping ``{"K": "V"}``, in JSON or YAML.

Values are sent as strings, as CloudFormation wants; lists become comma-separated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class ParameterError(ValueError):
    """The parameter file cannot be read or does not fit the template."""


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, int | float | str) for v in value):
        return ",".join(str(v) for v in value)
    raise ParameterError(f"parameter {key}: value must be a string, number, boolean or list of them")


def parse(data: Any, source: str = "parameters") -> dict[str, str]:
    """Any accepted shape -> ``{key: string value}``."""
    if isinstance(data, list):
        out: dict[str, str] = {}
        for index, item in enumerate(data):
            if not isinstance(item, Mapping) or "ParameterKey" not in item:
                raise ParameterError(f"{source}[{index}]: expected {{ParameterKey, ParameterValue}}")
            key = str(item["ParameterKey"])
            if item.get("UsePreviousValue"):
                raise ParameterError(f"{source}: {key} uses UsePreviousValue; give the value explicitly")
            if key in out:
                raise ParameterError(f"{source}: {key} is given twice")
            out[key] = _scalar(key, item.get("ParameterValue", ""))
        return out
    if isinstance(data, Mapping):
        if "Parameters" in data and isinstance(data["Parameters"], Mapping):
            data = data["Parameters"]
        return {str(k): _scalar(str(k), v) for k, v in data.items()}
    raise ParameterError(f"{source}: expected a list of ParameterKey/ParameterValue or a mapping")


def load(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ParameterError(f"{path}: {exc}") from exc
    return parse(data, path.name)


def fit(template: Mapping[str, Any], given: Mapping[str, str], fill: Mapping[str, str]) -> dict[str, str]:
    """The parameters to send: ``given`` plus ``fill`` for declared ones not given.

    Fails early, naming the keys, where CloudFormation would fail late: keys the template does
    not declare, and declared parameters without default that nobody set.
    """
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(f"not parameters of the template: {', '.join(unknown)}")
    out = dict(given)
    for key, value in fill.items():
        if key in declared and key not in out:
            out[key] = value
    missing = sorted(k for k, spec in declared.items() if k not in out and "Default" not in (spec or {}))
    if missing:
        raise ParameterError(f"no value for required parameters: {', '.join(missing)}")
    return out


def as_cfn(values: Mapping[str, str]) -> list[dict[str, str]]:
    """The ``Parameters`` argument of CloudFormation's API, in a stable order."""
    return [{"ParameterKey": k, "ParameterValue": values[k]} for k in sorted(values)]
