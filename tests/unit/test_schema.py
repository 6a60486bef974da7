"""Coercion, defaults and validation by schema (protocol rule 3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.core.errors import PropertyValidationError
from providers.core.schema import ResourceSchema, coerce, format_path
from tests.unit.fake_providers import SCHEMA


def schema() -> ResourceSchema:
    return ResourceSchema("Custom::TestThing", SCHEMA)


def test_scalars_are_coerced_by_schema_not_by_guess() -> None:
    props = schema().prepare(
        {"Name": "n", "Size": "42", "Enabled": "true", "Code": "00014", "Delay": "1.5", "ServiceToken": "arn"}
    )
    assert props == {"Name": "n", "Size": 42, "Enabled": True, "Code": "00014", "Delay": 1.5}


def test_nested_arrays_of_objects_are_coerced() -> None:
    props = schema().prepare({"Name": "n", "Users": [{"Email": "a@example.com", "Age": "7"}]})
    assert props["Users"] == [{"Email": "a@example.com", "Age": 7}]


def test_defaults_are_applied_only_when_absent() -> None:
    assert schema().prepare({"Name": "n"})["Size"] == 1
    assert schema().prepare({"Name": "n", "Size": "0"})["Size"] == 0


def test_reserved_properties_are_stripped() -> None:
    props = schema().prepare({"Name": "n", "ServiceToken": "arn:x", "ServiceTimeout": "60"})
    assert "ServiceToken" not in props
    assert "ServiceTimeout" not in props


def test_every_error_names_its_property_path() -> None:
    with pytest.raises(PropertyValidationError) as info:
        schema().prepare({"Users": [{"Email": "a@example.com"}, {"Email": "x"}, {"Age": "old"}], "Bogus": 1})
    errors = info.value.errors
    assert "Name: required property is missing" in errors
    assert "Bogus: unknown property" in errors
    assert "Users[1].Email: 'x' is not a 'email'" in errors
    assert any(e.startswith("Users[2].Age:") for e in errors)


def test_read_only_properties_are_rejected_as_input() -> None:
    with pytest.raises(PropertyValidationError) as info:
        schema().prepare({"Name": "n", "Id": "x"})
    assert "Id: unknown property" in info.value.errors


def test_write_only_values_never_appear_in_errors() -> None:
    doc = dict(SCHEMA, properties={**SCHEMA["properties"], "Secret": {"type": "string", "minLength": 30}})
    with pytest.raises(PropertyValidationError) as info:
        ResourceSchema("Custom::TestThing", doc).prepare({"Name": "n", "Secret": "hunter22"})
    assert "hunter22" not in str(info.value)
    assert "Secret" in str(info.value)


def test_lenient_preparation_never_raises() -> None:
    assert schema().prepare({"Size": "x", "Bogus": 1}, strict=False) == {"Size": "x", "Bogus": 1}
    assert schema().prepare(["not", "a", "dict"], strict=False) == {}  # type: ignore[arg-type]


def test_create_only_changes() -> None:
    s = schema()
    assert s.create_only_changes({"Name": "a"}, {"Name": "b"}) == ["Name"]
    assert s.create_only_changes({"Name": "a", "Size": 2}, {"Name": "a", "Size": 1}) == []


def test_one_of_branches_coerce_to_the_branch_that_fits() -> None:
    doc: dict[str, Any] = {
        "oneOf": [{"type": "integer"}, {"type": "object", "properties": {"A": {"type": "boolean"}}}]
    }
    assert coerce("5", doc, doc) == 5
    assert coerce({"A": "false"}, doc, doc) == {"A": False}


def test_refs_are_followed() -> None:
    doc: dict[str, Any] = {
        "definitions": {"Port": {"type": "integer"}},
        "type": "object",
        "properties": {"P": {"$ref": "#/definitions/Port"}},
    }
    assert coerce({"P": "8080"}, doc, doc) == {"P": 8080}


def test_format_path() -> None:
    assert format_path(["Users", 2, "Email"]) == "Users[2].Email"
    assert format_path([]) == ""


@given(st.text())
def test_strings_declared_as_strings_are_never_changed(value: str) -> None:
    assert coerce(value, {"type": "string"}, {}) == value


@given(st.integers())
def test_integers_round_trip_through_strings(value: int) -> None:
    assert coerce(str(value), {"type": "integer"}, {}) == value
