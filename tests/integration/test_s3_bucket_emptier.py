"""``Custom::S3BucketEmptier`` against moto server over HTTP: when it empties, and when not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gapfill.local import stacks
from gapfill.local.protocol import LocalCloudFormation
from providers.s3_bucket_emptier import handlers

TYPE = "Custom::S3BucketEmptier"


def stack_bucket(aws: Any, unique: Callable[[str], str], stack_id: str, versions: int = 3) -> str:
    """A versioned bucket tagged as the stack's own, with versions and delete markers."""
    s3 = aws("s3")
    bucket = unique("stack-bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for number in range(versions):
        s3.put_object(Bucket=bucket, Key=f"k{number % 7}", Body=b"v")
    s3.delete_object(Bucket=bucket, Key="k0")
    s3.create_multipart_upload(Bucket=bucket, Key="unfinished")
    stacks.tag_bucket(bucket, stack_id, "Bucket")
    return bucket


def held(aws: Any, bucket: str) -> int:
    pages = aws("s3").get_paginator("list_object_versions").paginate(Bucket=bucket)
    return sum(len(p.get("Versions", [])) + len(p.get("DeleteMarkers", [])) for p in pages)


def test_empties_every_version_in_batches_across_reinvocations(
    cfn: LocalCloudFormation, aws: Any, unique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = stack_bucket(aws, unique, cfn.stack_id, versions=2001)
    assert held(aws, bucket) == 2002
    created = cfn.create(TYPE, {"BucketName": bucket})
    assert created.ok, created.reason
    stacks.record(cfn.stack_id, "DELETE_IN_PROGRESS")
    # Every invocation has "too little time" after one batch: the work must hand over.
    monkeypatch.setattr(handlers, "MARGIN_SECONDS", 10_000_000.0)
    deleted = cfn.delete(TYPE, created.physical_id, {"BucketName": bucket})
    assert deleted.ok, deleted.reason
    # 2002 entries are three batches of at most 1000, one per invocation; a fourth finds none left.
    assert deleted.invocations == 4
    assert held(aws, bucket) == 0
    assert aws("s3").list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    aws("s3").delete_bucket(Bucket=bucket)


@pytest.mark.parametrize(
    "status", ["UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_IN_PROGRESS", "CREATE_COMPLETE"]
)
def test_removing_or_replacing_only_the_emptier_leaves_the_bucket(
    status: str, cfn: LocalCloudFormation, aws: Any, unique: Any
) -> None:
    bucket = stack_bucket(aws, unique, cfn.stack_id)
    created = cfn.create(TYPE, {"BucketName": bucket})
    assert created.ok, created.reason
    stacks.record(cfn.stack_id, status)
    assert cfn.delete(TYPE, created.physical_id, {"BucketName": bucket}).ok
    assert held(aws, bucket) == 4


def test_disabled_never_empties(cfn: LocalCloudFormation, aws: Any, unique: Any) -> None:
    bucket = stack_bucket(aws, unique, cfn.stack_id)
    props = {"BucketName": bucket, "Enabled": False}
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    stacks.record(cfn.stack_id, "DELETE_IN_PROGRESS")
    assert cfn.delete(TYPE, created.physical_id, props).ok
    assert held(aws, bucket) == 4


def test_refuses_a_bucket_the_stack_did_not_create(cfn: LocalCloudFormation, aws: Any, unique: Any) -> None:
    untagged = unique("plain")
    aws("s3").create_bucket(Bucket=untagged)
    answer = cfn.create(TYPE, {"BucketName": untagged})
    assert not answer.ok
    assert "BucketName" in answer.reason
    assert "not created by this stack" in answer.reason
    other = stack_bucket(aws, unique, "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1")
    answer = cfn.create(TYPE, {"BucketName": other})
    assert not answer.ok
    assert "belongs to another stack" in answer.reason


def test_delete_of_a_bucket_whose_tag_no_longer_matches_leaves_it(
    cfn: LocalCloudFormation, aws: Any, unique: Any
) -> None:
    """A forged physical id naming another stack's bucket empties nothing."""
    other = stack_bucket(aws, unique, "arn:aws:cloudformation:us-east-1:123456789012:stack/other/2")
    stacks.record(cfn.stack_id, "DELETE_IN_PROGRESS")
    answer = cfn.delete(TYPE, f"s3-bucket-emptier:{other}", {"BucketName": other})
    assert answer.ok, answer.reason
    assert held(aws, other) == 4
