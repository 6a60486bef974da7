"""W9104: a ServiceToken imports the versioned export of its own type."""

from __future__ import annotations

from pathlib import Path

from gapfill.lint.runner import lint_paths

HEAD = """AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  ProvidersStackName: {Type: String, Default: gapfill-providers}
Resources:
"""


def _w9104(tmp_path: Path, token: str, resource_type: str = "Custom::S3BucketEmptier") -> list[str]:
    path = tmp_path / "template.yaml"
    path.write_text(
        HEAD + f"  Emptier:\n    Type: {resource_type}\n    Properties:\n"
        f"      ServiceToken:\n        Fn::ImportValue: {token}\n      BucketName: b\n"
    )
    return [f.message for f in lint_paths([path]) if f.rule == "W9104"]


def test_the_v1_token_of_the_type_passes(tmp_path: Path) -> None:
    assert _w9104(tmp_path, '!Sub "${ProvidersStackName}-v1-S3BucketEmptier-ServiceToken"') == []


def test_the_unversioned_token_is_reported_with_the_one_to_use(tmp_path: Path) -> None:
    found = _w9104(tmp_path, '!Sub "${ProvidersStackName}-S3BucketEmptier-ServiceToken"')
    assert found == [
        "Emptier: ServiceToken imports the unversioned '${ProvidersStackName}-S3BucketEmptier-ServiceToken'; "
        "import '<stack>-v1-S3BucketEmptier-ServiceToken' (a ServiceToken can never change later)"
    ]


def test_another_types_token_is_reported(tmp_path: Path) -> None:
    found = _w9104(tmp_path, "gapfill-providers-v1-HtmlPage-ServiceToken")
    assert found == [
        "Emptier: ServiceToken 'gapfill-providers-v1-HtmlPage-ServiceToken' is the token of Custom::HtmlPage"
    ]
