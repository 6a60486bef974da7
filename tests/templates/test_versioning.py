"""CHANGELOG.md's rules for a major release, enforced where a machine can see them.

``schema-snapshot.json`` records, for the major it was taken at, what stack templates written
for that major rely on: each type's properties (with their JSON type), attributes, required
and create-only properties, and the providers' template's exports. Within the same major a
type, property, attribute or export may be added but not removed, a property's type may not
change, and no property may become required or create-only (an update that was in place
would replace the resource). Meaning changes no test can see; the CHANGELOG lists them.

A new major re-records the snapshot: ``python -m tests.templates.test_versioning --record``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gapfill import versioning
from gapfill.local.template import load

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).with_name("schema-snapshot.json")


def _names(pointers: list[str]) -> list[str]:
    return sorted(p.removeprefix("/properties/") for p in pointers)


def snapshot() -> dict[str, Any]:
    """What the tree offers now, in the snapshot's shape."""
    types = {}
    for path in sorted((ROOT / "schemas").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        attributes = set(_names(schema.get("readOnlyProperties", [])))
        types[path.stem] = {
            "properties": {
                name: spec.get("type", spec.get("$ref", "any"))
                for name, spec in sorted(schema.get("properties", {}).items())
                if name not in attributes
            },
            "attributes": sorted(attributes),
            "required": sorted(schema.get("required", [])),
            "createOnly": _names(schema.get("createOnlyProperties", [])),
        }
    template = load(ROOT / "packaging" / "template.yaml")
    exports = sorted(
        output["Export"]["Name"]["Fn::Sub"] for output in template["Outputs"].values() if "Export" in output
    )
    return {"major": versioning.current().major, "types": types, "exports": exports}


def breaking_changes(recorded: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What CHANGELOG.md calls major, between two snapshots (empty if the major was raised)."""
    if now["major"] > recorded["major"]:
        return []
    found = [f"export {name} removed" for name in recorded["exports"] if name not in now["exports"]]
    for name, was in recorded["types"].items():
        current = now["types"].get(name)
        if current is None:
            found.append(f"type {name} removed")
            continue
        for prop, kind in was["properties"].items():
            if prop not in current["properties"]:
                found.append(f"{name}.{prop} removed")
            elif current["properties"][prop] != kind:
                found.append(f"{name}.{prop} changed type {kind} -> {current['properties'][prop]}")
        found += [
            f"{name} attribute {a} removed" for a in was["attributes"] if a not in current["attributes"]
        ]
        found += [f"{name}.{p} became required" for p in current["required"] if p not in was["required"]]
        found += [
            f"{name}.{p} became create-only (updates now replace)"
            for p in current["createOnly"]
            if p not in was["createOnly"]
        ]
    return found


def test_nothing_a_v1_stack_relies_on_was_removed_or_tightened() -> None:
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    found = breaking_changes(recorded, snapshot())
    assert found == [], (
        "major changes (CHANGELOG.md) within major "
        f"{recorded['major']}: {found}; keep them compatible, or release a new major and re-record"
    )


def test_the_rules_catch_what_they_name() -> None:
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = json.loads(json.dumps(recorded))
    page = changed["types"]["HtmlPage"]
    del page["properties"]["CacheControl"]
    page["properties"]["ContentType"] = "array"
    page["attributes"].remove("PageUrl")
    page["required"].append("Template")
    page["createOnly"].append("Values")
    del changed["types"]["S3Objects"]
    changed["exports"].remove("${AWS::StackName}-v1-HtmlPage-ServiceToken")
    assert sorted(breaking_changes(recorded, changed)) == sorted(
        [
            "export ${AWS::StackName}-v1-HtmlPage-ServiceToken removed",
            "HtmlPage.CacheControl removed",
            "HtmlPage.ContentType changed type string -> array",
            "HtmlPage attribute PageUrl removed",
            "HtmlPage.Template became required",
            "HtmlPage.Values became create-only (updates now replace)",
            "type S3Objects removed",
        ]
    )
    changed["major"] = recorded["major"] + 1
    assert breaking_changes(recorded, changed) == []


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python -m tests.templates.test_versioning --record")
    SNAPSHOT.write_text(json.dumps(snapshot(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {SNAPSHOT.relative_to(ROOT)} for major {versioning.current().major}")
