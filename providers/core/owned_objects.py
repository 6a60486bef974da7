"""S3 objects a resource owns: the owner marker, reading it, and deleting only while it is there.

Custom::HtmlPage, Custom::S3Objects and the user directory's mapping write objects into buckets
they do not own; rule 6 (change only what you own) is kept with one marker in the object's user
metadata (``x-amz-meta-gapfill-owner``). A key whose object lacks the marker, or carries another
resource's, is someone else's and is never overwritten or deleted. The marker is re-read right
before each delete, so an upload made by someone else since the resource wrote survives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.core.aws import error_code

#: User-metadata key (sent as ``x-amz-meta-gapfill-owner``) naming the resource that wrote an object.
OWNER_KEY = "gapfill-owner"
#: Error codes S3 answers for a key or bucket that is not there (HeadObject gives bare 404s).
MISSING = ("404", "NoSuchKey", "NotFound", "NoSuchBucket")


def is_missing(exc: BaseException) -> bool:
    """Whether ``exc`` is S3 saying that the key (or its bucket) does not exist."""
    return error_code(exc) in MISSING


def marker(owner: str) -> dict[str, str]:
    """The user metadata that marks an object as written by ``owner``."""
    return {OWNER_KEY: owner}


def head(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """HeadObject's answer, or None when nothing is at ``key``."""
    try:
        return dict(s3.head_object(Bucket=bucket, Key=key))
    except Exception as exc:
        if is_missing(exc):
            return None
        raise


def owned_by(found: Mapping[str, Any] | None, owner: str) -> bool:
    """Whether a HeadObject answer carries ``owner``'s marker (None, nothing there: not owned)."""
    return found is not None and found.get("Metadata", {}).get(OWNER_KEY) == owner


def foreign(found: Mapping[str, Any] | None, owner: str) -> bool:
    """Whether something is at the key and it is not ``owner``'s."""
    return found is not None and not owned_by(found, owner)


def delete_if_owned(s3: Any, bucket: str, key: str, owner: str) -> bool:
    """Delete the object only while ``owner``'s marker is on it; True when it was deleted."""
    if not owned_by(head(s3, bucket, key), owner):
        return False
    try:
        s3.delete_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if not is_missing(exc):
            raise
    return True
