"""When emptying a bucket is allowed, as pure functions (unit tested without AWS).

CloudFormation cannot delete a bucket that holds objects, and it has no native way to empty
one. Emptying is the most destructive thing a provider can do, so it happens only when every
one of these holds, and otherwise the bucket is left alone and the Delete still succeeds:

* the resource is enabled (``Enabled``, default true, lets a parameter switch it per environment);
* the bucket was made by the same stack: its ``aws:cloudformation:stack-id`` tag, which only
  CloudFormation can write (the ``aws:`` prefix is reserved), equals the event's StackId;
* the stack itself is being deleted (``DELETE_IN_PROGRESS``) or is rolling back its creation
  (``ROLLBACK_IN_PROGRESS``), so the bucket is about to be deleted too. Any other status means
  that only this resource is going (removed from the template, replaced, or the parameter
  turned it off) while the bucket stays, and then nothing is emptied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

STACK_ID_TAG = "aws:cloudformation:stack-id"
PID_PREFIX = "s3-bucket-emptier:"
#: Stack statuses in which CloudFormation deletes every resource of the stack.
DELETING = ("DELETE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS")
#: DeleteObjects accepts at most 1000 keys per request.
BATCH = 1000


def physical_id(bucket: str) -> str:
    return PID_PREFIX + bucket


def parse_physical_id(pid: str | None) -> str | None:
    if not pid or not pid.startswith(PID_PREFIX):
        return None
    bucket = pid[len(PID_PREFIX) :]
    return bucket or None


def stack_id_tag(tags: Iterable[Mapping[str, Any]]) -> str | None:
    for tag in tags:
        if tag.get("Key") == STACK_ID_TAG:
            return str(tag.get("Value"))
    return None


def attachment_problem(bucket: str, tagged_stack: str | None, stack_id: str) -> str | None:
    """Why the bucket is not this stack's own, or None when it is."""
    if tagged_stack is None:
        return (
            f"BucketName: bucket '{bucket}' has no {STACK_ID_TAG} tag, so it was not created by this "
            "stack's template; only a bucket the same stack creates (and deletes) can be emptied"
        )
    if tagged_stack != stack_id:
        return (
            f"BucketName: bucket '{bucket}' belongs to another stack ({tagged_stack}); only a bucket the "
            "same stack creates (and deletes) can be emptied"
        )
    return None


def should_empty(enabled: bool, attachment: str | None, stack_status: str | None) -> tuple[bool, str]:
    """Whether this Delete empties the bucket, and the reason logged either way."""
    if not enabled:
        return False, "Enabled is false: the bucket is left as it is"
    if attachment is not None:
        return False, attachment
    if stack_status not in DELETING:
        return False, (
            f"the stack is {stack_status or 'not found'}, not being deleted: only this resource is going, "
            "the bucket stays and is left as it is"
        )
    return True, f"the stack is {stack_status} and the bucket is its own: emptying it"


def batches(entries: Iterable[Mapping[str, Any]], size: int = BATCH) -> Iterable[list[dict[str, str]]]:
    """``{Key, VersionId}`` lists of at most ``size`` (versions and delete markers alike)."""
    batch: list[dict[str, str]] = []
    for entry in entries:
        item = {"Key": str(entry["Key"])}
        if entry.get("VersionId"):
            item["VersionId"] = str(entry["VersionId"])  # "null" names the unversioned object
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
