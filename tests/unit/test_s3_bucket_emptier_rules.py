"""When ``Custom::S3BucketEmptier`` may empty a bucket, and how it batches."""

from __future__ import annotations

import pytest

from providers.s3_bucket_emptier import rules

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/qr/1"


def test_only_the_stacks_own_bucket_is_attached() -> None:
    assert rules.attachment_problem("b", STACK, STACK) is None
    assert "no aws:cloudformation:stack-id tag" in str(rules.attachment_problem("b", None, STACK))
    assert "belongs to another stack" in str(rules.attachment_problem("b", STACK + "x", STACK))


@pytest.mark.parametrize("status", ["DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"])
def test_empties_while_the_stack_deletes_its_resources(status: str) -> None:
    assert rules.should_empty(True, None, status)[0]


@pytest.mark.parametrize(
    "status",
    [
        "UPDATE_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        None,
    ],
)
def test_never_empties_when_only_the_emptier_goes(status: str | None) -> None:
    empty, why = rules.should_empty(True, None, status)
    assert not empty
    assert "bucket stays" in why


def test_disabled_or_foreign_never_empties() -> None:
    assert not rules.should_empty(False, None, "DELETE_IN_PROGRESS")[0]
    assert not rules.should_empty(True, "belongs to another stack", "DELETE_IN_PROGRESS")[0]


def test_batches_hold_at_most_1000_and_keep_version_ids() -> None:
    entries = [{"Key": f"k{i}", "VersionId": f"v{i}"} for i in range(2001)] + [
        {"Key": "n", "VersionId": "null"}
    ]
    batches = list(rules.batches(entries))
    assert [len(b) for b in batches] == [1000, 1000, 2]
    assert batches[2] == [{"Key": "k2000", "VersionId": "v2000"}, {"Key": "n", "VersionId": "null"}]
    assert rules.parse_physical_id(rules.physical_id("my-bucket")) == "my-bucket"
    assert rules.parse_physical_id("s3://my-bucket") is None
