"""The Custom:: lint rules against a fixture schema: each kind of mistake is caught, with
file, line, resource and property path, and intrinsic functions are accepted where a value
may stand."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gapfill.cli import main
from gapfill.lint import Finding, exit_code, lint_paths

WIDGET_SCHEMA = {
    "typeName": "Gapfill::Test::Widget",
    "description": "A test type.",
    "properties": {
        "Name": {"type": "string", "description": "Name."},
        "Size": {"type": "integer", "minimum": 1, "description": "Size."},
        "Enabled": {"type": "boolean", "description": "Switch."},
        "Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}, "description": "Tags."},
        "Target": {
            "description": "A name or a tag.",
            "oneOf": [{"type": "string"}, {"$ref": "#/definitions/Tag"}],
        },
        "Arn": {"type": "string", "description": "Returned."},
        "Id": {"type": "string", "description": "Returned."},
    },
    "definitions": {
        "Tag": {
            "type": "object",
            "additionalProperties": False,
            "required": ["Key", "Value"],
            "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}},
        }
    },
    "required": ["Name"],
    "additionalProperties": False,
    "primaryIdentifier": ["/properties/Id"],
    "readOnlyProperties": ["/properties/Arn", "/properties/Id"],
}

HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Label:
    Type: String
Conditions:
  IsA: !Equals [!Ref Label, a]
Resources:
"""

GOOD = """\
  Good:
    Type: Custom::Widget
    Properties:
      ServiceToken: !ImportValue gapfill-providers-Widget-ServiceToken
      Name: !Ref Label
      Size: 3
      Enabled: "true"
      Tags:
        - Key: a
          Value: !Sub "${Label}-x"
      Target: !Join ["-", [a, !Ref Label]]
"""


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "Widget.json").write_text(json.dumps(WIDGET_SCHEMA))
    return folder


def lint(tmp_path: Path, schemas: Path, resources: str, tail: str = "") -> list[Finding]:
    path = tmp_path / "template.yaml"
    path.write_text(HEAD + GOOD + textwrap.indent(textwrap.dedent(resources), "  ") + tail)
    return [f for f in lint_paths([path], schema_dir=schemas) if f.rule.startswith("E91")]


def test_valid_resource_with_intrinsics_passes(tmp_path: Path, schemas: Path) -> None:
    assert lint(tmp_path, schemas, "") == []


def test_wrong_type_is_named_with_path_and_line(tmp_path: Path, schemas: Path) -> None:
    findings = lint(
        tmp_path,
        schemas,
        """\
          Bad:
            Type: Custom::Widget
            Properties:
              ServiceToken: x
              Name: n
              Size: big
        """,
    )
    assert len(findings) == 1
    (finding,) = findings
    assert finding.message == "Bad: Size: 'big' is not of type 'integer'"
    assert finding.filename.endswith("template.yaml")
    assert finding.line == 24  # the Size: line (7 lines of head, 11 of Good)
    assert finding.severity == "error"


def test_missing_required_and_unknown_property(tmp_path: Path, schemas: Path) -> None:
    findings = lint(
        tmp_path,
        schemas,
        """\
          Bad:
            Type: Custom::Widget
            Properties:
              ServiceToken: x
              Colour: red
              Tags:
                - Key: k
        """,
    )
    assert {f.message for f in findings} == {
        "Bad: Name: required property is missing",
        "Bad: Colour: unknown property",
        "Bad: Tags[0].Value: required property is missing",
    }
    colour = next(f for f in findings if "Colour" in f.message)
    assert colour.line == 23


def test_missing_service_token(tmp_path: Path, schemas: Path) -> None:
    findings = lint(
        tmp_path,
        schemas,
        """\
          Bad:
            Type: Custom::Widget
            Properties:
              Name: n
        """,
    )
    assert [f.message for f in findings] == ["Bad: ServiceToken is required"]


def test_unknown_custom_type(tmp_path: Path, schemas: Path) -> None:
    findings = lint(
        tmp_path,
        schemas,
        """\
          Gizmo:
            Type: Custom::Gizmo
            Properties:
              ServiceToken: x
        """,
    )
    assert [f.message for f in findings] == [
        "Gizmo: unknown custom resource type Custom::Gizmo (no schemas/Gizmo.json)"
    ]


def test_string_function_where_an_object_is_expected(tmp_path: Path, schemas: Path) -> None:
    findings = lint(
        tmp_path,
        schemas,
        """\
          Bad:
            Type: Custom::Widget
            Properties:
              ServiceToken: x
              Name: n
              Tags: !Sub "${Label}"
              Enabled: !If [IsA, "yes", !Ref AWS::NoValue]
        """,
    )
    assert [f.message for f in findings] == ["Bad: Tags: Fn::Sub yields a string, but array is expected"]


def test_getatt_and_sub_must_name_returned_attributes(tmp_path: Path, schemas: Path) -> None:
    outputs = """\
Outputs:
  Ok:
    Value: !GetAtt Good.Arn
  Wrong:
    Value: !GetAtt Good.Nope
  WrongList:
    Value: {"Fn::GetAtt": [Good, Missing]}
  InSub:
    Value: !Sub "${Good.Id}/${Good.Absent}/${Label}"
"""
    findings = lint(tmp_path, schemas, "", tail=outputs)
    assert sorted(f.message for f in findings) == [
        "Good: Custom::Widget returns no attribute 'Absent' (returns: Arn, Id)",
        "Good: Custom::Widget returns no attribute 'Missing' (returns: Arn, Id)",
        "Good: Custom::Widget returns no attribute 'Nope' (returns: Arn, Id)",
    ]


def test_nested_stack_templates_are_linted(tmp_path: Path, schemas: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text(
        HEAD
        + """\
  Bad:
    Type: Custom::Widget
    Properties:
      ServiceToken: x
      Name: n
      Size: 0
"""
    )
    parent = tmp_path / "parent.yaml"
    parent.write_text(
        """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [W3002]
    Properties:
      TemplateURL: child.yaml
      Parameters:
        Label: a
"""
    )
    findings = [f for f in lint_paths([parent], schema_dir=schemas) if f.rule.startswith("E")]
    assert [(Path(f.filename).name, f.message) for f in findings] == [
        ("child.yaml", "Bad: Size: 0 is less than the minimum of 1")
    ]
    assert exit_code(findings) == 2


def test_cli_exit_code_and_output(tmp_path: Path, schemas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "template.yaml"
    head = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
    path.write_text(head + "  Bad:\n    Type: Custom::Widget\n    Properties:\n      ServiceToken: x\n")
    assert main(["lint", str(path), "--schemas", str(schemas)]) == 2
    out = capsys.readouterr().out
    assert "template.yaml:5:5: E9101 [error] Bad: Name: required property is missing" in out
    path.write_text(
        head + "  Ok:\n    Type: Custom::Widget\n    Properties:\n      ServiceToken: x\n      Name: n\n"
    )
    assert main(["lint", str(path), "--schemas", str(schemas)]) == 0
