"""Template values as a custom resource will see them, with intrinsic functions kept opaque.

CloudFormation resolves intrinsic functions and then sends every scalar of a custom
resource's properties as a string. The lint rule cannot resolve ``!GetAtt`` or
``!ImportValue``, so each intrinsic becomes an :class:`Intrinsic` placeholder that the
validator accepts wherever a value may stand, except where the function can only yield a
string (``Fn::Sub``, ``Fn::Join``...) and the schema wants an object or a list: that mistake
is caught before a deploy rather than by the provider afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Functions whose result is always a single string.
STRING_FUNCTIONS = frozenset(
    {"Fn::Sub", "Fn::Join", "Fn::Base64", "Fn::ImportValue", "Fn::ToJsonString", "Fn::Length"}
)
#: Every intrinsic a property value may be written with.
FUNCTIONS = STRING_FUNCTIONS | frozenset(
    {
        "Ref",
        "Fn::GetAtt",
        "Fn::If",
        "Fn::Select",
        "Fn::Split",
        "Fn::FindInMap",
        "Fn::GetAZs",
        "Fn::Cidr",
        "Fn::Transform",
    }
)
#: ``Ref: AWS::NoValue`` removes the property it stands for.
NO_VALUE = {"Ref": "AWS::NoValue"}


@dataclass(frozen=True)
class Intrinsic:
    """An unresolved intrinsic function in place of a property value."""

    function: str
    argument: Any

    @property
    def yields_string(self) -> bool:
        """True when the function can only produce one string (never a list or object)."""
        return self.function in STRING_FUNCTIONS


def intrinsic_name(value: Any) -> str | None:
    """``{"Fn::Sub": "..."}`` -> ``"Fn::Sub"``; anything else -> None."""
    if isinstance(value, Mapping) and len(value) == 1:
        (key,) = value
        if key in FUNCTIONS:
            return str(key)
    return None


def as_runtime(value: Any) -> Any:
    """The value as the provider would receive it: scalars as strings, intrinsics opaque.

    ``Ref: AWS::NoValue`` entries disappear, as CloudFormation drops them.
    """
    name = intrinsic_name(value)
    if name is not None:
        return Intrinsic(name, value[name])
    if isinstance(value, Mapping):
        return {str(k): as_runtime(v) for k, v in value.items() if v != NO_VALUE}
    if isinstance(value, list):
        return [as_runtime(v) for v in value if v != NO_VALUE]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def get_att_target(argument: Any) -> tuple[str, str] | None:
    """``Fn::GetAtt`` argument (list or dotted string) -> (logical id, attribute)."""
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
        attribute = argument[1]
        return (argument[0], attribute) if isinstance(attribute, str) else None
    if isinstance(argument, str) and "." in argument:
        logical, attribute = argument.split(".", 1)
        return logical, attribute
    return None


def sub_references(template_string: str) -> list[str]:
    """The ``${...}`` names of an ``Fn::Sub`` string (``${!Literal}`` escapes excluded)."""
    names: list[str] = []
    start = template_string.find("${")
    while start != -1:
        end = template_string.find("}", start + 2)
        if end == -1:
            break
        name = template_string[start + 2 : end]
        if name and not name.startswith("!"):
            names.append(name.strip())
        start = template_string.find("${", end + 1)
    return names
