"""W9103: two Custom::S3BucketNotification resources on one bucket must be ordered, because
CloudFormation runs unordered resources in parallel and both rewrite the bucket's one
notification document (issue 11 item 2)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gapfill.lint import lint_paths

HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Other:
    Type: AWS::S3::Bucket
  Queue:
    Type: AWS::SQS::Queue
"""


def _notification(name: str, bucket: str, extra: str = "", prefix: str | None = None) -> str:
    return textwrap.indent(
        textwrap.dedent(
            f"""\
            {name}:
              Type: Custom::S3BucketNotification
            {extra}
              Properties:
                ServiceToken: !ImportValue gapfill-providers-S3BucketNotification-ServiceToken
                BucketName: {bucket}
                NotificationConfiguration:
                  QueueConfigurations:
                    - Event: s3:ObjectCreated:*
                      Queue: !GetAtt Queue.Arn
                      Filter:
                        S3Key:
                          Rules:
                            - Name: prefix
                              Value: {prefix or name.lower()}/
            """
        ).replace("\n\n", "\n"),
        "  ",
    )


def _w9103(tmp_path: Path, *resources: str) -> list[str]:
    path = tmp_path / "template.yaml"
    path.write_text(HEAD + "".join(resources))
    return [f"{f.line}: {f.message}" for f in lint_paths([path]) if f.rule == "W9103"]


def test_two_unordered_notifications_on_one_bucket_are_reported_with_both_names(tmp_path: Path) -> None:
    found = _w9103(tmp_path, _notification("First", "!Ref Bucket"), _notification("Second", "!Ref Bucket"))
    assert len(found) == 1, found
    assert "Second:" in found[0]
    assert "First" in found[0]
    assert "DependsOn" in found[0]


@pytest.mark.parametrize(
    ("first", "second", "third"),
    [
        ("", "  DependsOn: First", ""),  # direct
        ("", "  DependsOn: [Queue, First]", ""),  # in a list
        ("", "  DependsOn: Middle", "  DependsOn: First"),  # transitively through another resource
    ],
)
def test_ordered_notifications_pass(tmp_path: Path, first: str, second: str, third: str) -> None:
    middle = textwrap.indent(f"Middle:\n  Type: AWS::SQS::Queue\n{third}\n", "  ") if third else ""
    found = _w9103(
        tmp_path,
        _notification("First", "!Ref Bucket", first),
        middle,
        _notification("Second", "!Ref Bucket", second),
    )
    assert found == []


def test_a_reference_orders_them_too(tmp_path: Path) -> None:
    second = _notification("Second", "!Ref Bucket", prefix="x").replace(
        "Value: x/", "Value: !Sub '${First}/x/'"
    )
    assert _w9103(tmp_path, _notification("First", "!Ref Bucket"), second) == []


def test_three_on_one_bucket_report_each_unordered_pair_and_other_buckets_are_independent(
    tmp_path: Path,
) -> None:
    found = _w9103(
        tmp_path,
        _notification("A", "!Ref Bucket"),
        _notification("B", "!Ref Bucket", "  DependsOn: A"),
        _notification("C", "!Ref Bucket"),
        _notification("D", "!Ref Other"),
        _notification("E", "literal-bucket"),
    )
    assert len(found) == 2, found
    assert all(line.split(": ", 1)[1].startswith("C:") for line in found)


def test_the_project_templates_order_theirs() -> None:
    templates = Path(__file__).resolve().parents[2] / "templates"
    # One lint of every template (slow) serves W9104 too: each imports its type's versioned token.
    assert [f"{f.rule} {f.message}" for f in lint_paths([templates]) if f.rule in ("W9103", "W9104")] == []
