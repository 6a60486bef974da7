"""Custom::ConnectLookup's attributes are named by the template's own values
(``Queue.BasicQueue.Arn``): cfn-lint and gapfill's rule accept them under the schema's keyed
read-only properties, and still refuse a kind the type does not return."""

from __future__ import annotations

from pathlib import Path

from gapfill.docs.generate import DOCS
from gapfill.lint import lint_paths

EXAMPLE = DOCS / "examples" / "ConnectLookup.yaml"


def test_the_example_lints_clean() -> None:
    findings = lint_paths([EXAMPLE])
    assert [f.message for f in findings] == []


def test_an_attribute_of_a_kind_that_is_not_returned_is_refused(tmp_path: Path) -> None:
    text = EXAMPLE.read_text() + "  Wrong:\n    Value: !GetAtt BuiltIns.Queues.BasicQueue.Arn\n"
    path = tmp_path / "lookup.yaml"
    path.write_text(text)
    messages = [f.message for f in lint_paths([path]) if f.rule == "E9102"]
    assert len(messages) == 1
    assert "returns no attribute 'Queues.BasicQueue.Arn'" in messages[0]
