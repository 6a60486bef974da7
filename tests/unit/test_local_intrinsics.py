"""The local runner's template loader, intrinsic resolver and ordering."""

from __future__ import annotations

from typing import Any

import pytest

from gapfill.local import intrinsics
from gapfill.local.intrinsics import NO_VALUE, Scope, UnsupportedIntrinsicError, references, resolve
from gapfill.local.model import LocalDeployError
from gapfill.local.order import toposort as _toposort
from gapfill.local.parameters import with_defaults as _with_defaults
from gapfill.local.template import loads


def scope(**kw: Any) -> Scope:
    attrs = {("Inst", "Arn"): "arn:aws:connect:us-east-1:123456789012:instance/i-1"}
    base: dict[str, Any] = {
        "parameters": {"Env": "dev", "Names": ["a", "b"]},
        "pseudo": {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"},
        "conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
        "refs": lambda name: f"phys-{name}",
        "attribute": lambda name, attr: attrs[(name, attr)],
        "imports": lambda name: f"import:{name}",
    }
    base.update(kw)
    return Scope(**base)


def test_yaml_short_tags_become_long_form() -> None:
    doc = loads(
        "Resources:\n  R:\n    Type: Custom::X\n    Properties:\n"
        "      A: !Ref Env\n      B: !GetAtt Inst.Arn\n      C: !Sub '${Env}-x'\n"
        "      D: !If [IsProd, 1, 2]\n      E: !ImportValue name\n      F: !Join ['-', [a, b]]\n"
    )
    props = doc["Resources"]["R"]["Properties"]
    assert props["A"] == {"Ref": "Env"}
    assert props["B"] == {"Fn::GetAtt": ["Inst", "Arn"]}
    assert props["C"] == {"Fn::Sub": "${Env}-x"}
    assert props["D"] == {"Fn::If": ["IsProd", 1, 2]}
    assert props["E"] == {"Fn::ImportValue": "name"}
    assert props["F"] == {"Fn::Join": ["-", ["a", "b"]]}


def test_resolution_of_supported_functions() -> None:
    value = {
        "Ref": {"Ref": "Env"},
        "Pseudo": {"Ref": "AWS::Region"},
        "Res": {"Ref": "Bucket"},
        "Att": {"Fn::GetAtt": ["Inst", "Arn"]},
        "Sub": {"Fn::Sub": "${Env}/${Inst.Arn}/${!Literal}/${AWS::AccountId}"},
        "SubVars": {"Fn::Sub": ["${X}-${Env}", {"X": {"Ref": "Bucket"}}]},
        "Join": {"Fn::Join": [",", {"Ref": "Names"}]},
        "Select": {"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]},
        "If": {"Fn::If": ["NotProd", "dev-value", "prod-value"]},
        "Import": {"Fn::ImportValue": {"Fn::Sub": "${Env}-Token"}},
        "Gone": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]},
        "List": ["keep", {"Ref": "AWS::NoValue"}],
    }
    out = resolve(value, scope())
    assert out == {
        "Ref": "dev",
        "Pseudo": "us-east-1",
        "Res": "phys-Bucket",
        "Att": "arn:aws:connect:us-east-1:123456789012:instance/i-1",
        "Sub": "dev/arn:aws:connect:us-east-1:123456789012:instance/i-1/${Literal}/123456789012",
        "SubVars": "phys-Bucket-dev",
        "Join": "a,b",
        "Select": "b",
        "If": "dev-value",
        "Import": "import:dev-Token",
        "List": ["keep"],
    }


@pytest.mark.parametrize("name", ["Fn::GetAZs", "Fn::Cidr", "Fn::Transform", "Fn::Base64"])
def test_everything_else_is_refused_by_name(name: str) -> None:
    with pytest.raises(UnsupportedIntrinsicError, match=name):
        resolve({"A": {name: "x"}}, scope())


def test_find_in_map_reads_the_templates_mappings() -> None:
    made = scope()
    made.mappings = {"Env": {"dev": {"Days": 7}}}
    assert resolve({"Fn::FindInMap": ["Env", "dev", "Days"]}, made) == 7
    with pytest.raises(UnsupportedIntrinsicError, match="no Env/prod/Days in Mappings"):
        resolve({"Fn::FindInMap": ["Env", "prod", "Days"]}, made)


def test_unknown_condition_is_refused() -> None:
    with pytest.raises(UnsupportedIntrinsicError, match="Nope"):
        resolve({"Fn::If": ["Nope", 1, 2]}, scope())


def test_no_value_marker_is_not_a_value() -> None:
    assert resolve({"Ref": "AWS::NoValue"}, scope()) is NO_VALUE


def test_references_find_ref_getatt_and_sub_names() -> None:
    found = references(
        {
            "A": {"Ref": "Bucket"},
            "B": {"Fn::GetAtt": "Inst.Arn"},
            "C": {"Fn::Sub": "${Queue.Arn}-${AWS::Region}-${!Skip}-${Local}"},
            "D": {"Fn::Sub": ["${V}", {"V": {"Ref": "Other"}}]},
        }
    )
    assert found == {"Bucket", "Inst", "Queue", "Local", "Other"}


def test_toposort_orders_dependencies_and_detects_cycles() -> None:
    resources = {
        "C": {"Properties": {"X": {"Fn::GetAtt": ["B", "Arn"]}}},
        "B": {"Properties": {"X": {"Ref": "A"}}},
        "A": {"Properties": {}},
        "D": {"DependsOn": "C"},
    }
    order = _toposort(resources)
    assert order.index("A") < order.index("B") < order.index("C") < order.index("D")
    with pytest.raises(LocalDeployError, match="circular"):
        _toposort({"A": {"Properties": {"X": {"Ref": "B"}}}, "B": {"Properties": {"X": {"Ref": "A"}}}})


def test_parameters_take_defaults_and_refuse_missing_values() -> None:
    template = {"Parameters": {"A": {"Type": "String", "Default": "x"}, "L": {"Type": "CommaDelimitedList"}}}
    assert _with_defaults(template, {"L": "a, b"}) == {"A": "x", "L": ["a", "b"]}
    with pytest.raises(LocalDeployError, match="'L'"):
        _with_defaults(template, {})


def test_supported_list_is_what_the_resolver_implements() -> None:
    assert set(intrinsics.SUPPORTED) == set(intrinsics._FUNCTIONS)


def test_toposort_counts_references_in_metadata_as_dependencies() -> None:
    """CloudFormation orders a resource after what its Metadata references: the idiom for a
    dependency on a conditional resource, which DependsOn cannot name when it may not exist."""
    seeded = {"Metadata": {"SeededBy": {"Fn::If": ["Seed", {"Ref": "Seed"}, {"Ref": "AWS::NoValue"}]}}}
    resources = {"Directory": seeded, "Seed": {"Properties": {}}}
    order = _toposort(resources)
    assert order.index("Seed") < order.index("Directory")
    # Without the seed (its condition false, so not among the resources) no dependency remains.
    assert _toposort({"Directory": seeded}) == ["Directory"]
