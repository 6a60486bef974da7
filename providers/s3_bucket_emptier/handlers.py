"""``Custom::S3BucketEmptier``: empty a bucket when, and only when, its stack deletes it.

Create and Update only check that the bucket is the stack's own (see :mod:`rules`) and so
fail early on a template that attaches the emptier to a bucket it does not create. Delete
re-checks the attachment and the stack's status, then deletes every object version and
delete marker in batches of up to 1000 (and aborts unfinished multipart uploads). A large
bucket is emptied across re-invocations: when the invocation's time runs short, the
provider returns ``Pending`` and the engine hands over to a fresh invocation, which lists
again from the start (what was deleted is gone, so no position needs to be carried).
"""

from __future__ import annotations

from typing import Any

from providers.core.aws import error_code, error_message
from providers.core.errors import ProviderError
from providers.core.provider import Pending, Provider, ReadResult, Result
from providers.s3_bucket_emptier import rules

#: Seconds kept free before handing over: one listing page and one DeleteObjects call.
MARGIN_SECONDS = 20.0


class S3BucketEmptier(Provider):
    resource_type = "Custom::S3BucketEmptier"
    #: A bucket with millions of versions takes many invocations; CloudFormation allows an hour.
    max_wait_seconds = 3300.0
    NOT_READ = ("Enabled",)

    def create(self) -> Result:
        return self._attach()

    def update(self) -> Result:
        return self._attach()

    def delete(self) -> Result | Pending | None:
        bucket = rules.parse_physical_id(self.physical_id)
        if bucket is None:
            return None
        if not self._bucket_exists(bucket):
            return None
        enabled = self.properties.get("Enabled", True) is not False
        attachment = rules.attachment_problem(bucket, self._tagged_stack(bucket), self.request.stack_id)
        empty, why = rules.should_empty(enabled, attachment, self._stack_status())
        self.log.info(why, extra={"phase": "delete", "bucket": bucket})
        if not empty:
            return None
        return self._empty(bucket, deleted=0)

    def check(self, pending: Pending) -> Result | Pending:
        bucket = rules.parse_physical_id(pending.physical_id)
        if bucket is None or not self._bucket_exists(bucket):
            return Result(pending.physical_id)
        return self._empty(bucket, deleted=int(pending.state.get("deleted", 0)))

    # -- steps --------------------------------------------------------------------------------
    def _attach(self) -> Result:
        bucket = str(self.properties["BucketName"])
        if not self._bucket_exists(bucket):
            raise ProviderError(f"BucketName: bucket '{bucket}' does not exist")
        problem = rules.attachment_problem(bucket, self._tagged_stack(bucket), self.request.stack_id)
        if problem is not None:
            raise ProviderError(problem)
        return Result(rules.physical_id(bucket))

    def _empty(self, bucket: str, deleted: int) -> Result | Pending:
        pid = rules.physical_id(bucket)
        self._abort_uploads(bucket)
        done_here = 0
        while True:
            # At least one batch per invocation, so that every re-invocation makes progress.
            if done_here and self.deadline.invocation_left() < MARGIN_SECONDS:
                # A retry_after above the time left makes the engine hand over at once.
                return Pending(
                    pid, f"bucket {bucket} emptied", {"deleted": deleted}, retry_after=MARGIN_SECONDS
                )
            entries = self._first_versions(bucket)
            if not entries:
                break
            for batch in rules.batches(entries):
                self._delete_batch(bucket, batch)
                deleted += len(batch)
            done_here += 1
        self.log.info("bucket emptied", extra={"phase": "delete", "bucket": bucket, "deleted": deleted})
        return Result(pid)

    def _first_versions(self, bucket: str) -> list[dict[str, Any]]:
        """The first listing page of versions and delete markers.

        Listing starts again after each batch rather than following the markers of entries
        just deleted: what is left is always what the next page shows.
        """
        page = self.client("s3").list_object_versions(Bucket=bucket, MaxKeys=rules.BATCH)
        return list(page.get("Versions", [])) + list(page.get("DeleteMarkers", []))

    def _delete_batch(self, bucket: str, batch: list[dict[str, str]]) -> None:
        reply = self.client("s3").delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        errors = reply.get("Errors") or []
        if errors:
            first = errors[0]
            raise ProviderError(
                f"could not empty bucket '{bucket}': {len(errors)} of {len(batch)} deletions failed, "
                f"e.g. {first.get('Key')}: {first.get('Code')}: {first.get('Message')}"
            )

    def _abort_uploads(self, bucket: str) -> None:
        s3 = self.client("s3")
        for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
            for upload in page.get("Uploads", []):
                s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])

    def read(self) -> ReadResult | None:
        """The bucket the emptier is attached to, while it exists. ``Enabled`` is the template's
        switch, kept nowhere in AWS: read cannot return it (it is in ``NOT_READ``)."""
        bucket = rules.parse_physical_id(self.physical_id)
        if bucket is None or not self._bucket_exists(bucket):
            return None
        return ReadResult({"BucketName": bucket}, {})

    # -- AWS reads ----------------------------------------------------------------------------
    def _bucket_exists(self, bucket: str) -> bool:
        try:
            self.client("s3").head_bucket(Bucket=bucket)
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
        return True

    def _tagged_stack(self, bucket: str) -> str | None:
        try:
            tags = self.client("s3").get_bucket_tagging(Bucket=bucket).get("TagSet", [])
        except Exception as exc:
            if error_code(exc) in ("NoSuchTagSet", "NoSuchTagSetError"):
                return None
            raise
        return rules.stack_id_tag(tags)

    def _stack_status(self) -> str | None:
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=self.request.stack_id)["Stacks"]
        except Exception as exc:
            if error_code(exc) == "ValidationError":
                self.log.info("stack not found", extra={"phase": "delete", "error": error_message(exc)})
                return None
            raise
        return str(stacks[0].get("StackStatus")) if stacks else None
