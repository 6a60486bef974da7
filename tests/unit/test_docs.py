"""The reference pages are generated from the schemas and must not drift from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gapfill.docs.generate import DOCS, SCHEMAS, render, write

SCHEMA_FILES = sorted(SCHEMAS.glob("*.json"))


def test_committed_pages_match_the_schemas() -> None:
    stale = write(check=True)
    assert not stale, f"run `gapfill docs`: out of date: {[str(p.name) for p in stale]}"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.stem)
def test_every_property_and_attribute_is_described(path: Path) -> None:
    document = json.loads(path.read_text())
    for name, spec in document["properties"].items():
        assert spec.get("description") or "$ref" in spec, f"{path.stem}.{name} has no description"
    page = render(path)
    for name in document["properties"]:
        assert f"`{name}`" in page
    for pointer in document.get("createOnlyProperties", []):
        name = pointer.removeprefix("/properties/")
        row = next(line for line in page.splitlines() if line.startswith(f"| `{name}` |"))
        assert "Replacement" in row


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.stem)
def test_every_type_has_an_example(path: Path) -> None:
    assert (DOCS / "examples" / f"{path.stem}.yaml").is_file()
    assert "## Example" in render(path)
