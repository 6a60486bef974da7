"""Resource schemas: loading, coercion of CloudFormation's strings, defaults, validation.

One JSON file per type in ``schemas/`` (CloudFormation resource-schema vocabulary) drives
runtime validation, replacement decisions, the lint rule, the docs and the IAM policies.
CloudFormation sends every scalar as a string, so values are coerced to the types the
schema declares before validation, and only by the schema: ``"00014"`` declared as a
string stays ``"00014"``.

Strictly: a number is coerced only when it is written with ASCII digits in JSON's number
grammar (``"+7"``, ``"1_0"``, ``"١٢"`` stay strings, so validation reports them with their
path), and an integer only up to :data:`MAX_INT_DIGITS` digits (Python refuses longer ones).
Patterns are matched as JSON Schema means them (ECMA-262): ``$`` is the end of the string
(Python's ``$`` also matches before a final newline, which let ``"pages"`` plus a newline
through) and the digit and word classes are ASCII. ``format: email`` is :mod:`providers.core.email_address`.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers.core.email_address import is_email
from providers.core.errors import PropertyValidationError

#: Properties CloudFormation adds to every custom resource; never part of a type's schema.
RESERVED_PROPERTIES = ("ServiceToken", "ServiceTimeout")

_INT_RE = re.compile(r"-?[0-9]+")
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
#: Python's default limit on int() of a decimal string (sys.int_info.default_max_str_digits).
MAX_INT_DIGITS = 4300
_ASCII_SPACE = " \t\r\n"
_MAX_MESSAGE = 300


def schema_dir() -> Path:
    """Where the schemas live: beside ``providers/`` in the repo and in the Lambda zip."""
    override = os.environ.get("GAPFILL_SCHEMA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "schemas"


def schema_file_name(resource_type: str) -> str:
    """``Custom::ConnectUser`` -> ``ConnectUser.json``."""
    return resource_type.split("::", 1)[-1] + ".json"


@functools.cache
def load_schema(resource_type: str) -> ResourceSchema:
    """Load and cache the schema of a ``Custom::`` type."""
    path = schema_dir() / schema_file_name(resource_type)
    with path.open(encoding="utf-8") as handle:
        document = json.load(handle)
    return ResourceSchema(resource_type, document)


def _pointer_names(pointers: Iterable[str]) -> tuple[str, ...]:
    """``["/properties/A", "/properties/B/C"]`` -> ``("A", "B/C")``."""
    return tuple(p.removeprefix("/properties/") for p in pointers)


def get_pointer(properties: Mapping[str, Any], name: str) -> Any:
    """Read a ``A/B`` style path; missing parts give ``None``."""
    value: Any = properties
    for part in name.split("/"):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def format_path(parts: Iterable[str | int]) -> str:
    """``["Users", 2, "Email"]`` -> ``Users[2].Email``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class ResourceSchema:
    """A loaded resource schema with the views the engine needs."""

    resource_type: str
    document: dict[str, Any]
    create_only: tuple[str, ...] = field(init=False)
    read_only: tuple[str, ...] = field(init=False)
    write_only: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.create_only = _pointer_names(self.document.get("createOnlyProperties", ()))
        self.read_only = _pointer_names(self.document.get("readOnlyProperties", ()))
        self.write_only = _pointer_names(self.document.get("writeOnlyProperties", ()))

    @property
    def type_name(self) -> str:
        return str(self.document["typeName"])

    @functools.cached_property
    def input_schema(self) -> dict[str, Any]:
        """The JSON schema that template properties must satisfy (read-only ones excluded)."""
        props = {
            name: spec
            for name, spec in self.document.get("properties", {}).items()
            if name not in self.read_only
        }
        schema: dict[str, Any] = {
            "type": "object",
            "properties": props,
            # Every gapfill schema says false (an unknown property is a typo to report); the
            # document's own value is honoured so that the contract suite can show what a
            # lax schema lets through.
            "additionalProperties": self.document.get("additionalProperties", False),
            "definitions": self.document.get("definitions", {}),
        }
        for key in ("required", "allOf", "anyOf", "oneOf", "dependencies", "dependentRequired"):
            if key in self.document:
                schema[key] = self.document[key]
        return schema

    @functools.cached_property
    def _validator(self) -> Any:
        return strict_validator(self.input_schema)

    def prepare(self, raw: Mapping[str, Any] | None, *, strict: bool = True) -> dict[str, Any]:
        """Strip reserved keys, coerce, apply defaults and (when ``strict``) validate.

        ``strict=False`` is for Delete events and OldResourceProperties, which may come from
        an older template version: they are coerced as far as possible and never rejected.
        """
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            if strict:
                raise PropertyValidationError(["ResourceProperties: must be an object"])
            return {}
        props = {k: v for k, v in raw.items() if k not in RESERVED_PROPERTIES}
        props = coerce(props, self.input_schema, self.input_schema)
        apply_defaults(props, self.input_schema, self.input_schema)
        if strict:
            errors = self.errors(props)
            if errors:
                raise PropertyValidationError(errors)
        return props

    def errors(self, props: Mapping[str, Any]) -> list[str]:
        """Every validation problem, each naming its property path."""
        found: list[str] = []
        for error in sorted(self._validator.iter_errors(props), key=lambda e: list(map(str, e.path))):
            found.extend(self._describe(error))
        return list(dict.fromkeys(found))

    def _describe(self, error: Any) -> list[str]:
        path = list(error.absolute_path)
        if error.validator in ("oneOf", "anyOf") and error.context:
            from jsonschema.exceptions import best_match

            return self._describe(best_match(error.context))
        if error.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            name = missing[0] if missing else "?"
            return [f"{format_path([*path, name])}: required property is missing"]
        if error.validator == "additionalProperties":
            extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            pattern_keys = error.schema.get("patternProperties", {})
            extras = [e for e in extras if not any(re.search(p, e) for p in pattern_keys)]
            if extras:
                return [f"{format_path([*path, e])}: unknown property" for e in extras]
        where = format_path(path) or "Properties"
        if self._is_write_only(path):
            return [f"{where}: invalid value (fails '{error.validator}' check)"]
        message = error.message
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 3] + "..."
        return [f"{where}: {message}"]

    def _is_write_only(self, path: list[str | int]) -> bool:
        names = [p for p in path if isinstance(p, str)]
        joined = "/".join(names)
        return any(joined == w or joined.startswith(w + "/") for w in self.write_only)

    def create_only_changes(self, new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
        """Names of createOnly properties whose value differs: any one forces replacement."""
        return [name for name in self.create_only if get_pointer(new, name) != get_pointer(old, name)]

    def write_only_values(self, props: Mapping[str, Any]) -> list[str]:
        """Every string value under a writeOnly property, for redaction."""
        values: list[str] = []
        for name in self.write_only:
            _collect_strings(get_pointer(props, name), values)
        return [v for v in values if v]


def _collect_strings(value: Any, into: list[str]) -> None:
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect_strings(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect_strings(item, into)


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while isinstance(schema, Mapping) and "$ref" in schema and seen < 32:
        ref = str(schema["$ref"])
        if not ref.startswith("#/"):
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        schema = target
        seen += 1
    return schema


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        return []
    return [declared] if isinstance(declared, str) else list(declared)


def _coerce_scalar(value: str, types: list[str]) -> Any:
    if not types or "string" in types:
        return value
    text = value.strip(_ASCII_SPACE)
    if "boolean" in types and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return value  # validation reports it with its path; int() would raise
    if ("integer" in types or "number" in types) and _INT_RE.fullmatch(text):
        return int(text)
    if "number" in types and _NUMBER_RE.fullmatch(text):
        number = float(text)
        return value if math.isinf(number) else number
    return value


_PATTERN_ANCHOR = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|\$")


@functools.lru_cache(maxsize=512)
def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema (ECMA-262) pattern as Python needs it: every bare ``$`` (not escaped, not
    in a character class) becomes ``\\Z``, and classes such as ``\\d`` are ASCII."""
    translated = _PATTERN_ANCHOR.sub(lambda m: r"\Z" if m.group(0) == "$" else m.group(0), pattern)
    return re.compile(translated, re.ASCII)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Any:
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and not ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def _format_checker() -> Any:
    from jsonschema import Draft7Validator

    checker = copy.deepcopy(Draft7Validator.FORMAT_CHECKER)
    checker.checks("email")(lambda value: not isinstance(value, str) or is_email(value))
    return checker


def strict_validator(schema: Mapping[str, Any]) -> Any:
    """Draft 7 with ECMA-262 patterns and the project's email grammar."""
    from jsonschema import Draft7Validator, validators

    cls = validators.extend(Draft7Validator, {"pattern": _pattern})
    return cls(schema, format_checker=_format_checker())


def coerce(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int = 0) -> Any:
    """Convert CloudFormation's strings to the types ``schema`` declares; never guess."""
    if depth > 64:
        return value
    schema = _resolve(schema, root)
    if not isinstance(schema, Mapping):
        return value
    for combinator in ("oneOf", "anyOf"):
        branches = schema.get(combinator)
        if branches and not _types(schema):
            return _coerce_branches(value, branches, root, depth)
    if isinstance(value, str):
        return _coerce_scalar(value, _types(schema))
    if isinstance(value, Mapping):
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties")
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub: Any = props.get(key)
            if sub is None:
                sub = next((s for p, s in patterns.items() if re.search(p, str(key))), None)
            if sub is None and isinstance(extra, Mapping):
                sub = extra
            out[key] = coerce(item, sub, root, depth + 1) if isinstance(sub, Mapping) else item
        return out
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            return [coerce(item, items, root, depth + 1) for item in value]
        return list(value)
    return value


def _coerce_branches(value: Any, branches: list[Any], root: Mapping[str, Any], depth: int) -> Any:
    from jsonschema import Draft7Validator

    for branch in branches:
        candidate = coerce(value, branch, root, depth + 1)
        resolved = dict(_resolve(branch, root))
        resolved.setdefault("definitions", root.get("definitions", {}))
        if Draft7Validator(resolved).is_valid(candidate):
            return candidate
    return value


def apply_defaults(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int = 0) -> None:
    """Fill in schema defaults, in place, for absent properties of present objects."""
    if depth > 64:
        return
    schema = _resolve(schema, root)
    if not isinstance(schema, Mapping):
        return
    if isinstance(value, dict):
        for key, raw_sub in schema.get("properties", {}).items():
            sub = _resolve(raw_sub, root)
            if key not in value and isinstance(sub, Mapping) and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                apply_defaults(value[key], sub, root, depth + 1)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            for item in value:
                apply_defaults(item, items, root, depth + 1)
