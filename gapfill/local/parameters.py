"""A template's parameters as CloudFormation fills and checks them: defaults, AllowedValues,
AllowedPattern, lengths, ranges, lists; each refusal names the parameter as CloudFormation does."""

from __future__ import annotations

import re
from typing import Any

from gapfill.local.model import LocalDeployError


def with_defaults(template: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Every declared parameter's value (given, else its default), checked; lists split."""
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
