"""The owner marker on S3 objects (rule 6), against the emulator's S3: what is read as owned,
and that a delete leaves anything that is not, or is no longer, the resource's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from providers.core import owned_objects


def _bucket(aws: Callable[[str], Any], unique: Callable[[str], str]) -> tuple[Any, str]:
    s3, name = aws("s3"), unique("owned")
    s3.create_bucket(Bucket=name)
    return s3, name


def test_nothing_at_a_key_is_neither_owned_nor_foreign(aws: Callable[[str], Any], unique: Any) -> None:
    s3, bucket = _bucket(aws, unique)
    found = owned_objects.head(s3, bucket, "absent.txt")
    assert found is None
    assert not owned_objects.owned_by(found, "me")
    assert not owned_objects.foreign(found, "me")
    assert owned_objects.head(s3, bucket + "-missing", "k") is None  # no bucket: nothing there either


def test_only_the_marker_of_this_owner_makes_an_object_ours(aws: Callable[[str], Any], unique: Any) -> None:
    s3, bucket = _bucket(aws, unique)
    s3.put_object(Bucket=bucket, Key="mine", Body=b"1", Metadata=owned_objects.marker("me"))
    s3.put_object(Bucket=bucket, Key="theirs", Body=b"2", Metadata=owned_objects.marker("other"))
    s3.put_object(Bucket=bucket, Key="unmarked", Body=b"3")
    mine, theirs, unmarked = (owned_objects.head(s3, bucket, k) for k in ("mine", "theirs", "unmarked"))
    assert owned_objects.owned_by(mine, "me")
    assert not owned_objects.foreign(mine, "me")
    assert owned_objects.foreign(theirs, "me")
    assert owned_objects.foreign(unmarked, "me")


def test_delete_removes_ours_and_leaves_what_someone_else_uploaded_since(
    aws: Callable[[str], Any], unique: Any
) -> None:
    s3, bucket = _bucket(aws, unique)
    s3.put_object(Bucket=bucket, Key="page", Body=b"ours", Metadata=owned_objects.marker("me"))
    s3.put_object(Bucket=bucket, Key="page2", Body=b"ours", Metadata=owned_objects.marker("me"))
    s3.put_object(Bucket=bucket, Key="page2", Body=b"someone's later upload")  # marker gone
    assert owned_objects.delete_if_owned(s3, bucket, "page", "me") is True
    assert owned_objects.delete_if_owned(s3, bucket, "page2", "me") is False
    assert owned_objects.delete_if_owned(s3, bucket, "never-there", "me") is False
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["page2"]
    assert s3.get_object(Bucket=bucket, Key="page2")["Body"].read() == b"someone's later upload"
