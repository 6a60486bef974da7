"""Hypothesis strategies for CloudFormation custom-resource events, driven by ``schemas/``.

Valid-looking properties are generated from each type's own resource schema (a small
generator: hypothesis-jsonschema is not a dependency), then most events are broken on
purpose: envelope fields missing or of the wrong type, unknown request types, huge values,
deep nesting, and strings that survive JSON but trip naive code (lone surrogates, NUL,
control characters), all passed through a JSON round trip as the Lambda runtime would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from gapfill.local.protocol import stringify

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
ENVELOPE_KEYS = (
    "RequestType",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
    "ResourceProperties",
    "OldResourceProperties",
    "PhysicalResourceId",
    "ServiceToken",
)
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/fuzz/8c5d2f10-0000-4000-8000-000000000000"
_MAX_DEPTH = 6


def schema_for(resource_type: str) -> dict[str, Any] | None:
    """The type's schema document, or None when it has not landed yet."""
    path = SCHEMAS / f"{resource_type.rsplit('::', maxsplit=1)[-1]}.json"
    return dict(json.loads(path.read_text())) if path.exists() else None


# -- strings that arrive through JSON ------------------------------------------------------------

#: JSON escapes a CloudFormation template (or a hand-written event) can carry: the Lambda
#: runtime decodes them into Python strings that are not valid UTF-8 when encoded back.
_NASTY_ESCAPES = (
    r"\ud800",
    r"\udfff",
    r"\ud83d",
    r"\u0000",
    r"\u001b",
    r"\u202e",
    r"\ufeff",
    r"\\x",
    r"\\u12",
)


@st.composite
def nasty_text(draw: st.DrawFn) -> str:
    """Text with lone surrogates, NUL and other characters, decoded from JSON escapes."""
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(_NASTY_ESCAPES),
                st.text(
                    alphabet=st.characters(
                        codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters='"\\'
                    ),
                    max_size=8,
                ),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return str(json.loads('"' + "".join(parts) + '"'))


def any_json(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values (what a wrong-typed field may hold)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        nasty_text(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


@st.composite
def deep_nesting(draw: st.DrawFn) -> Any:
    """A value nested hundreds of levels deep (lists and objects alternating)."""
    depth = draw(st.integers(min_value=50, max_value=600))
    value: Any = draw(st.sampled_from(["leaf", 1, None]))
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def huge_text() -> st.SearchStrategy[str]:
    """Strings of 5 KB to 300 KB: far past the 4096-byte response and any AWS limit."""
    return st.builds(
        lambda n, c: c * n, st.integers(min_value=5_000, max_value=300_000), st.sampled_from("aZ9é\u2603")
    )


def wrong_value() -> st.SearchStrategy[Any]:
    return st.one_of(any_json(), huge_text(), deep_nesting(), nasty_text())


# -- values from a schema --------------------------------------------------------------------------


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while "$ref" in node and seen < 20:
        ref = str(node["$ref"])
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def _string(node: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low = int(node.get("minLength", 0))
    high = int(node.get("maxLength", max(low, 24)))
    high = min(high, max(low, 64))
    pattern = node.get("pattern")
    if node.get("format") == "email":
        return st.emails()
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
            return st.from_regex(pattern, fullmatch=True).filter(
                lambda s: low <= len(s) <= max(high, low + 200)
            )
        except (re.error, ValueError):
            pass
    return st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=low, max_size=high)


def from_schema(node: Mapping[str, Any], root: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for values that (mostly) satisfy ``node``; approximate by design."""
    node = _resolve(node, root)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(list(node["enum"]))
    for combinator in ("oneOf", "anyOf"):
        if combinator in node and isinstance(node[combinator], list) and node[combinator]:
            base = {k: v for k, v in node.items() if k != combinator}
            return st.one_of(
                [from_schema({**base, **dict(opt)}, root, depth + 1) for opt in node[combinator]]
            )
    kind = node.get("type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    if kind is None:
        kind = "object" if "properties" in node else "string"
    if depth > _MAX_DEPTH:
        return st.just({} if kind == "object" else [] if kind == "array" else "x")
    return _typed(str(kind), node, root, depth)


def _typed(kind: str, node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
    """Values of one JSON Schema type, within the node's bounds."""
    if kind == "string":
        return _string(node)
    if kind == "integer":
        return st.integers(
            min_value=int(node.get("minimum", -1000)), max_value=int(node.get("maximum", 10_000))
        )
    if kind == "number":
        return st.floats(
            min_value=float(node.get("minimum", -1000)),
            max_value=float(node.get("maximum", 10_000)),
            allow_nan=False,
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        items = node.get("items", {"type": "string"})
        low = int(node.get("minItems", 0))
        high = min(int(node.get("maxItems", low + 3)), low + 3)
        return st.lists(from_schema(items, root, depth + 1), min_size=low, max_size=high)
    return _object(node, root, depth)


def _object(
    node: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> st.SearchStrategy[dict[str, Any]]:
    props: Mapping[str, Any] = node.get("properties", {})
    required = [p for p in node.get("required", []) if p in props]
    optional = [p for p in props if p not in required]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in required:
            out[name] = draw(from_schema(props[name], root, depth + 1))
        for name in optional:
            if draw(st.booleans()):
                out[name] = draw(from_schema(props[name], root, depth + 1))
        return out

    return build()


def writable_properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema's properties minus readOnly attributes (what a template may set)."""
    read_only = {p.rsplit("/", 1)[-1] for p in schema.get("readOnlyProperties", [])}
    props = {k: v for k, v in schema.get("properties", {}).items() if k not in read_only}
    return {**schema, "properties": props, "required": [r for r in schema.get("required", []) if r in props]}


# -- properties, valid and broken ------------------------------------------------------------------


@st.composite
def properties(draw: st.DrawFn, schema: Mapping[str, Any] | None) -> Any:
    """Resource properties: schema-shaped (CloudFormation-stringified) or broken on purpose."""
    if schema is None:
        base: dict[str, Any] = draw(st.dictionaries(st.text(max_size=10), any_json(), max_size=4))
    else:
        base = draw(from_schema(writable_properties(schema), schema))
    if draw(st.booleans()):
        base = stringify(base)
    mutation = draw(
        st.sampled_from(
            [
                "none",
                "drop",
                "wrong-type",
                "unknown",
                "huge",
                "deep",
                "nasty",
                "not-an-object",
                "service-timeout",
            ]
        )
    )
    names = sorted(base)
    if mutation == "drop" and names:
        base.pop(draw(st.sampled_from(names)))
    elif mutation == "wrong-type" and names:
        base[draw(st.sampled_from(names))] = draw(wrong_value())
    elif mutation == "unknown":
        base[draw(st.one_of(st.text(max_size=30), nasty_text()))] = draw(any_json())
    elif mutation == "huge":
        key = draw(st.sampled_from(names)) if names and draw(st.booleans()) else "Huge"
        base[key] = draw(huge_text())
    elif mutation == "deep":
        key = draw(st.sampled_from(names)) if names and draw(st.booleans()) else "Deep"
        base[key] = draw(deep_nesting())
    elif mutation == "nasty" and names:
        base[draw(st.sampled_from(names))] = draw(nasty_text())
    elif mutation == "not-an-object":
        return draw(
            st.one_of(st.lists(any_json(), max_size=3), st.text(max_size=10), st.integers(), st.none())
        )
    elif mutation == "service-timeout":
        base["ServiceTimeout"] = draw(
            st.one_of(st.text(max_size=6), st.integers(), st.floats(), nasty_text())
        )
    base.setdefault("ServiceToken", "arn:aws:lambda:us-east-1:123456789012:function:gapfill-fuzz")
    return base


@st.composite
def events(draw: st.DrawFn, resource_type: str) -> dict[str, Any]:
    """A whole event for ``resource_type``; ResponseURL is left for the harness to set."""
    schema = schema_for(resource_type)
    request_type = draw(
        st.one_of(
            st.sampled_from(["Create", "Update", "Delete"]),
            st.sampled_from(["Upsert", "create", "", "DELETE", "Read"]),
            nasty_text(),
            any_json(),
        )
    )
    suffix = resource_type.rsplit("::", maxsplit=1)[-1]
    alias = str(schema["typeName"]) if schema else resource_type
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:gapfill-fuzz",
        "StackId": STACK_ID,
        "RequestId": draw(st.uuids()).hex,
        "LogicalResourceId": draw(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,20}", fullmatch=True)),
        "ResourceType": draw(
            st.sampled_from([resource_type, alias, resource_type + "X", "Custom::" + suffix.lower()])
        ),
        "ResourceProperties": draw(properties(schema)),
    }
    if draw(st.booleans()):
        event["OldResourceProperties"] = draw(properties(schema))
    if draw(st.booleans()):
        event["PhysicalResourceId"] = draw(
            st.one_of(
                st.text(max_size=40),
                nasty_text(),
                huge_text(),
                any_json(),
                st.just("gapfill-create-failed-x"),
            )
        )
    # Break the envelope: drop fields, give them wrong types or absurd sizes.
    for key in draw(st.lists(st.sampled_from(ENVELOPE_KEYS[2:]), max_size=3, unique=True)):
        if key == "ResponseURL":
            continue
        action = draw(st.sampled_from(["drop", "wrong", "huge", "nasty"]))
        if action == "drop":
            event.pop(key, None)
        elif action == "wrong":
            event[key] = draw(any_json())
        elif action == "huge":
            event[key] = draw(huge_text())
        else:
            event[key] = draw(nasty_text())
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        event["GapfillContinuation"] = draw(any_json())
    # Through JSON as the Lambda runtime delivers it (lone surrogates survive as escapes).
    return dict(json.loads(json.dumps(event)))
