"""The intrinsic functions the local runner resolves, and nothing more.

``gapfill deploy --local`` is a runner of the custom-resource protocol, not a
re-implementation of CloudFormation: it resolves the intrinsics that the project's
templates use for their ``Custom::`` resources and refuses anything else by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SUPPORTED = (
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::FindInMap",
    "Fn::Equals",
    "Fn::Not",
    "Fn::And",
    "Fn::Or",
    "Condition",
)
NO_VALUE = object()
_SUB_VAR = re.compile(r"\$\{([^}]+)\}")


class UnsupportedIntrinsicError(ValueError):
    """The template uses something the local runner deliberately does not emulate."""


@dataclass
class Scope:
    """What names resolve to inside one stack."""

    parameters: Mapping[str, Any]
    pseudo: Mapping[str, Any]
    conditions: Mapping[str, Any]
    #: logical id -> physical id (Ref)
    refs: Callable[[str], Any]
    #: (logical id, attribute) -> value (Fn::GetAtt)
    attribute: Callable[[str, str], Any]
    #: export name -> value (Fn::ImportValue)
    imports: Callable[[str], Any]
    #: the template's Mappings (Fn::FindInMap)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    _condition_cache: dict[str, bool] = field(default_factory=dict)

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            if name not in self.conditions:
                raise UnsupportedIntrinsicError(f"unknown condition '{name}'")
            self._condition_cache[name] = bool(resolve(self.conditions[name], self))
        return self._condition_cache[name]


def _is_intrinsic(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        if key in {"Ref", "Condition"} or key.startswith("Fn::"):
            return str(key)
    return None


def resolve(value: Any, scope: Scope) -> Any:
    """Resolve ``value`` recursively; ``AWS::NoValue`` removes the key or list item."""
    name = _is_intrinsic(value)
    if name is not None:
        if name not in SUPPORTED:
            raise UnsupportedIntrinsicError(f"{name} is not supported by the local runner")
        return _FUNCTIONS[name](value[name], scope)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            resolved = resolve(item, scope)
            if resolved is not NO_VALUE:
                out[key] = resolved
        return out
    if isinstance(value, list):
        return [r for r in (resolve(item, scope) for item in value) if r is not NO_VALUE]
    return value


def _ref(arg: Any, scope: Scope) -> Any:
    if not isinstance(arg, str):
        raise UnsupportedIntrinsicError("Ref takes a name")
    if arg == "AWS::NoValue":
        return NO_VALUE
    if arg in scope.pseudo:
        return scope.pseudo[arg]
    if arg in scope.parameters:
        return scope.parameters[arg]
    return scope.refs(arg)


def _get_att(arg: Any, scope: Scope) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    resource, attribute = resolve(arg[0], scope), resolve(arg[1], scope)
    return scope.attribute(str(resource), str(attribute))


def _sub(arg: Any, scope: Scope) -> Any:
    if isinstance(arg, list):
        text, variables = arg[0], {k: resolve(v, scope) for k, v in arg[1].items()}
    else:
        text, variables = arg, {}

    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.startswith("!"):
            return "${" + token[1:] + "}"
        if token in variables:
            return str(variables[token])
        if "." in token and token.split(".", 1)[0] not in scope.parameters:
            resource, attribute = token.split(".", 1)
            return str(scope.attribute(resource, attribute))
        return str(_ref(token, scope))

    return _SUB_VAR.sub(replace, str(text))


def _join(arg: Any, scope: Scope) -> Any:
    delimiter, items = arg
    values = resolve(items, scope)
    return str(delimiter).join(str(v) for v in values)


def _select(arg: Any, scope: Scope) -> Any:
    index, items = resolve(arg[0], scope), resolve(arg[1], scope)
    return items[int(index)]


def _split(arg: Any, scope: Scope) -> Any:
    delimiter, text = arg[0], resolve(arg[1], scope)
    return str(text).split(str(delimiter))


def _if(arg: Any, scope: Scope) -> Any:
    name, yes, no = arg
    return resolve(yes if scope.condition(str(name)) else no, scope)


def _import(arg: Any, scope: Scope) -> Any:
    return scope.imports(str(resolve(arg, scope)))


def _find_in_map(arg: Any, scope: Scope) -> Any:
    name, top, second = (resolve(part, scope) for part in arg[:3])
    try:
        return scope.mappings[str(name)][str(top)][str(second)]
    except KeyError:
        raise UnsupportedIntrinsicError(f"Fn::FindInMap: no {name}/{top}/{second} in Mappings") from None


def _equals(arg: Any, scope: Scope) -> Any:
    left, right = resolve(arg[0], scope), resolve(arg[1], scope)
    return str(left) == str(right)


def _not(arg: Any, scope: Scope) -> Any:
    return not resolve(arg[0], scope)


def _and(arg: Any, scope: Scope) -> Any:
    return all(resolve(item, scope) for item in arg)


def _or(arg: Any, scope: Scope) -> Any:
    return any(resolve(item, scope) for item in arg)


def _condition(arg: Any, scope: Scope) -> Any:
    return scope.condition(str(arg))


_FUNCTIONS: dict[str, Callable[[Any, Scope], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::ImportValue": _import,
    "Fn::FindInMap": _find_in_map,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Condition": _condition,
}


def references(value: Any) -> set[str]:
    """Logical ids ``value`` depends on (Ref, GetAtt, and ${X} / ${X.Attr} in Sub)."""
    found: set[str] = set()
    name = _is_intrinsic(value)
    if name == "Ref" and isinstance(value["Ref"], str) and not value["Ref"].startswith("AWS::"):
        found.add(value["Ref"])
    elif name == "Fn::GetAtt":
        arg = value["Fn::GetAtt"]
        found.add(str(arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]))
    elif name == "Fn::Sub":
        arg = value["Fn::Sub"]
        text = arg[0] if isinstance(arg, list) else arg
        local = set(arg[1]) if isinstance(arg, list) else set()
        for token in _SUB_VAR.findall(str(text)):
            if token.startswith("!") or token.startswith("AWS::"):
                continue
            head = token.split(".", 1)[0]
            if head not in local:
                found.add(head)
        if isinstance(arg, list):
            found |= references(arg[1])
    if isinstance(value, dict):
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found
