"""Raw response bodies checked against botocore's output shapes (issue 10 item 2).

botocore's parsers are lenient: an unknown key is dropped, a missing required member or a
number sent as a string goes unnoticed, so a test reading parsed responses cannot see the
emulator answer what AWS never would. :class:`Recorder` hooks ``before-parse`` on a client
and checks the bytes on the wire: no member the shape does not have, required members
present, types, enum values and timestamps as the protocol writes them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from botocore.utils import parse_timestamp

_BODY_LOCATIONS = (None, "")


def _wire_name(name: str, member: Any) -> str:
    return str(member.serialization.get("name", name))


def _body_members(shape: Any) -> dict[str, Any]:
    return {n: m for n, m in shape.members.items() if m.serialization.get("location") in _BODY_LOCATIONS}


# -- JSON (json and rest-json) ------------------------------------------------------------


def json_problems(shape: Any, value: Any, path: str = "$") -> Iterator[str]:
    kind = shape.type_name
    if kind == "structure":
        yield from _json_structure(shape, value, path)
    elif kind == "list":
        if not isinstance(value, list):
            yield f"{path}: {type(value).__name__} where the model has a list"
            return
        for index, item in enumerate(value):
            yield from json_problems(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            yield f"{path}: {type(value).__name__} where the model has a map"
            return
        for key, item in value.items():
            yield from json_problems(shape.value, item, f"{path}.{key}")
    else:
        yield from _json_scalar(shape, value, path)


def _json_structure(shape: Any, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"{path}: {type(value).__name__} where the model has a structure {shape.name}"
        return
    members = {_wire_name(n, m): (n, m) for n, m in _body_members(shape).items()}
    for key in value:
        if key not in members:
            yield f"{path}.{key}: not a member of {shape.name}"
    for name in shape.required_members:
        member = shape.members[name]
        if (
            member.serialization.get("location") in _BODY_LOCATIONS
            and value.get(_wire_name(name, member)) is None
        ):
            yield f"{path}.{name}: required by {shape.name} but missing"
    for key, item in value.items():
        if key in members and item is not None:
            yield from json_problems(members[key][1], item, f"{path}.{key}")


def _json_scalar(shape: Any, value: Any, path: str) -> Iterator[str]:
    kind = shape.type_name
    expected: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "boolean": (bool,),
        "integer": (int,),
        "long": (int,),
        "float": (int, float),
        "double": (int, float),
        "blob": (str,),
        "timestamp": (int, float, str),
    }
    types = expected.get(kind, (object,))
    if not isinstance(value, types) or (kind != "boolean" and isinstance(value, bool)):
        yield f"{path}: {value!r} is not a {kind} ({shape.name})"
        return
    if kind == "string" and getattr(shape, "enum", None) and value not in shape.enum:
        yield f"{path}: {value!r} is not one of {shape.name}'s values {shape.enum}"
    if kind == "timestamp":
        yield from _timestamp(shape, value, path, default="unixTimestamp")
    if kind == "blob":
        try:
            base64.b64decode(value, validate=True)
        except ValueError:
            yield f"{path}: blob is not base64"


def _timestamp(shape: Any, value: Any, path: str, default: str) -> Iterator[str]:
    form = shape.serialization.get("timestampFormat") or default
    if form == "unixTimestamp" and not isinstance(value, int | float):
        yield f"{path}: timestamp {value!r} is not epoch seconds"
        return
    try:
        parse_timestamp(value)
    except (ValueError, TypeError):
        yield f"{path}: {value!r} is not a timestamp"


# -- XML (rest-xml) -------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_problems(shape: Any, element: Any, path: str) -> Iterator[str]:
    if shape.type_name == "structure":
        yield from _xml_structure(shape, element, path)
    elif shape.type_name == "list":
        name = shape.member.serialization.get("name", "member")
        for index, child in enumerate(element):
            if _local(child.tag) != name:
                yield f"{path}/{_local(child.tag)}: list items of {shape.name} are <{name}>"
            else:
                yield from xml_problems(shape.member, child, f"{path}/{name}[{index}]")
    else:
        yield from _xml_scalar(shape, (element.text or "").strip(), path)


def _xml_children(shape: Any) -> dict[str, Any]:
    """Child tag -> member shape (a flattened list's items stand as the member's own tag)."""
    children: dict[str, Any] = {}
    for name, member in _body_members(shape).items():
        tag = _wire_name(name, member)
        if member.type_name == "list" and member.serialization.get("flattened"):
            tag = member.serialization.get("name") or member.member.serialization.get("name", name)
            children[tag] = member.member
        else:
            children[tag] = member
    return children


def _xml_structure(shape: Any, element: Any, path: str) -> Iterator[str]:
    children = _xml_children(shape)
    seen = set()
    for child in element:
        tag = _local(child.tag)
        seen.add(tag)
        if tag not in children:
            yield f"{path}/{tag}: not a member of {shape.name}"
        else:
            yield from xml_problems(children[tag], child, f"{path}/{tag}")
    for name in shape.required_members:
        member = shape.members[name]
        if member.serialization.get("location") in _BODY_LOCATIONS and _wire_name(name, member) not in seen:
            yield f"{path}/{name}: required by {shape.name} but missing"


def _xml_scalar(shape: Any, text: str, path: str) -> Iterator[str]:
    kind = shape.type_name
    if kind in ("integer", "long") and not text.lstrip("-").isdigit():
        yield f"{path}: {text!r} is not an integer"
    elif kind == "boolean" and text not in ("true", "false"):
        yield f"{path}: {text!r} is not a boolean"
    elif kind == "string" and getattr(shape, "enum", None) and text not in shape.enum:
        yield f"{path}: {text!r} is not one of {shape.name}'s values"
    elif kind == "timestamp":
        yield from _timestamp(shape, text, path, default="iso8601")


# -- the recorder ---------------------------------------------------------------------------


@dataclass
class Recorder:
    """Collects, per operation, what the raw responses break and which errors came back."""

    #: Protocols whose bodies this module reads (query answers wrap results differently).
    protocols: tuple[str, ...] = ("json", "rest-json", "rest-xml", "query")
    problems: dict[str, list[str]] = field(default_factory=dict)
    checked: set[tuple[str, str]] = field(default_factory=set)
    errors: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-parse", self._before_parse)
        return client

    def _before_parse(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        service = operation_model.service_model.service_name
        key = (service, operation_model.name)
        if operation_model.service_model.protocol not in self.protocols:
            return
        status = int(response_dict.get("status_code", 200))
        if status >= 300:
            self.errors.setdefault(key, set()).add(_error_code(operation_model, response_dict))
            return
        self.checked.add(key)
        found = list(body_problems(operation_model, response_dict))
        if found:
            self.problems.setdefault(f"{service}.{operation_model.name}", []).extend(found)


def _error_code(operation_model: Any, response_dict: dict[str, Any]) -> str:
    from botocore.parsers import create_parser

    parser = create_parser(operation_model.service_model.protocol)
    parsed = parser.parse(response_dict, operation_model.output_shape)
    return str(parsed.get("Error", {}).get("Code", ""))


def body_problems(operation_model: Any, response_dict: dict[str, Any]) -> Iterator[str]:
    shape = operation_model.output_shape
    body = response_dict.get("body") or b""
    if shape is None:
        if body.strip() not in (b"", b"{}"):
            yield f"body {body[:80]!r} where the model has no output"
        return
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        if member.type_name in ("blob", "string") or member.serialization.get("streaming"):
            return
        shape = member
    if not isinstance(body, bytes) or not body.strip():
        yield from (f"$.{n}: required but the body is empty" for n in _required_body(shape))
        return
    protocol = operation_model.service_model.protocol
    if protocol in ("json", "rest-json"):
        yield from json_problems(shape, json.loads(body))
    else:
        root = ElementTree.fromstring(body)
        wrapper = shape.serialization.get("resultWrapper") if protocol == "query" else None
        if wrapper:
            found = [child for child in root if _local(child.tag) == wrapper]
            if not found:
                yield f"{_local(root.tag)}: no <{wrapper}>"
                return
            root = found[0]
        yield from xml_problems(shape, root, _local(root.tag))


def _required_body(shape: Any) -> list[str]:
    if shape.type_name != "structure":
        return []
    return [
        n for n in shape.required_members if shape.members[n].serialization.get("location") in _BODY_LOCATIONS
    ]
