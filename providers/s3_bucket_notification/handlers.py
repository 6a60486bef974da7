"""``Custom::S3BucketNotification``: Lambda, SQS and SNS notifications (and EventBridge
delivery) on a bucket that may already exist and already have notifications of others.

A thin AWS layer around :mod:`providers.s3_bucket_notification.config`: read the bucket's
document, merge, write it back only if it changed.

**Concurrent writers.** S3 offers only whole-document GET and PUT, with no conditional write,
so two writers that read before either writes each put back a document without the other's
change. After writing, this resource re-reads the document at jittered intervals for a settle
window (``GAPFILL_S3_SETTLE_SECONDS``, default 3 s); whenever our entries are not as wanted it
re-merges from that fresh read and writes again (at most ``MAX_REWRITES`` times), restarting
the window. Two of these resources racing on one bucket therefore both end present; what no
implementation can cover is said in docs/guarantees.md.

**Validation.** S3 validates every destination of every PUT. A write S3 refuses because it
cannot validate a destination yet (a new queue policy still propagating) is retried from a
fresh read with backoff, a bounded number of times. A Delete is never blocked by someone
else's broken destination: its document holds only entries read back from S3 (S3 accepted
them once) minus ours, so it is written again with destination validation skipped.

**EventBridge** is one bucket-wide switch with no owner recorded by S3. It is switched on
when the template asks and never switched off by this resource (as the AWS CDK does): from the
moment it is on, anyone may rely on it, and nobody can tell who does. Physical ids issued
before this rule (``<bucket>/<hash>/eventbridge``) still parse and delete normally.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any

from providers.core import ids
from providers.core.aws import error_code, error_message
from providers.core.errors import ProviderError
from providers.core.provider import Pending, Provider, ReadResult, Result
from providers.s3_bucket_notification import config, reading
from providers.s3_bucket_notification.config import (
    AmbiguousConfigurationError,
    ConfigError,
    EventBridgeAction,
    Owner,
    OwnershipConflictError,
    PhysicalId,
    Plan,
)

#: PUT attempts while S3 cannot validate a destination (engine backoff between them:
#: about 40 seconds in all with the default polling intervals).
DEFAULT_VALIDATION_ATTEMPTS = 10
VALIDATION_TEXT = "Unable to validate the following destination configurations"
#: Seconds after our last write during which the document is re-read (see the module doc).
DEFAULT_SETTLE_SECONDS = 3.0
#: Rewrites after which a bucket whose document keeps changing under us is reported.
MAX_REWRITES = 8

Merge = Callable[[dict[str, Any]], Plan]


def settle_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("GAPFILL_S3_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)))
    except ValueError:
        return DEFAULT_SETTLE_SECONDS


def validation_attempts() -> int:
    try:
        return max(1, int(os.environ.get("GAPFILL_S3_VALIDATION_ATTEMPTS", DEFAULT_VALIDATION_ATTEMPTS)))
    except ValueError:
        return DEFAULT_VALIDATION_ATTEMPTS


def is_validation_error(exc: BaseException) -> bool:
    return error_code(exc) == "InvalidArgument" and VALIDATION_TEXT in error_message(exc)


def describe_validation_error(exc: BaseException) -> str:
    """S3's message with the destinations it names (``ArgumentName1``/``ArgumentValue1``...)."""
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {}) if isinstance(response, dict) else {}
    details = [
        f"{error[key]}: {error.get(key.replace('Name', 'Value'), '')}".rstrip(": ")
        for key in sorted(error)
        if key.startswith("ArgumentName")
    ]
    text = f"InvalidArgument: {error_message(exc)}"
    return f"{text} ({'; '.join(details)})" if details else text


class S3BucketNotification(Provider):
    resource_type = "Custom::S3BucketNotification"
    max_wait_seconds = 900.0
    NOT_READ = ("SkipDestinationValidation",)

    # -- protocol -------------------------------------------------------------------------
    def create(self) -> Result | Pending:
        return self._attempt(1)

    def update(self) -> Result | Pending:
        return self._attempt(1)

    def delete(self) -> Result | Pending | None:
        return self._attempt(1)

    def check(self, pending: Pending) -> Result | Pending:
        written = pending.state.get("written")
        self._written = str(written) if written else None
        outcome = self._attempt(int(pending.state.get("attempt", 1)) + 1)
        return outcome if outcome is not None else Result(str(self.physical_id))

    # -- one read-modify-write, retried while S3 cannot validate destinations ---------------
    def _attempt(self, attempt: int) -> Any:
        try:
            if self.operation == "Delete":
                return self._delete_once()
            if self.operation == "Create" or self.replacing:
                return self._create_once()
            return self._update_once()
        except (ConfigError, OwnershipConflictError, AmbiguousConfigurationError) as exc:
            raise ProviderError(str(exc)) from None
        except Exception as exc:
            if not is_validation_error(exc):
                raise
            reason = describe_validation_error(exc)
            # Nothing written yet: a Create reports the "made nothing" marker, an Update (replacing
            # or not) the id CloudFormation already holds. Once a settle rewrite of ours was
            # refused, our first write is on the bucket: report its id so Delete removes it.
            creating = self.operation == "Create" and self._written is None
            pid = (
                ids.failed_create_id(self.request.request_id)
                if creating
                else str(self._written or self.physical_id)
            )
            if attempt >= validation_attempts():
                raise ProviderError(
                    f"PutBucketNotificationConfiguration failed after {attempt} attempts: {reason}",
                    physical_id=None if creating else pid,
                ) from None
            self.log.info(
                "S3 cannot validate a destination yet; retrying",
                extra={"phase": self.operation.lower(), "attempt": attempt, "error": reason},
            )
            return Pending(
                pid,
                "S3 to validate the notification destinations",
                {"attempt": attempt, "written": self._written or ""},
            )

    @property
    def _owner(self) -> Owner:
        return Owner(self.request.stack_id, self.request.logical_id)

    def _physical_id(self, bucket: str) -> str:
        return str(PhysicalId(bucket, config.owner_hash(self._owner)))

    def _create_once(self) -> Result:
        bucket = str(self.properties["BucketName"])
        wanted_config = self.properties.get("NotificationConfiguration")
        wanted = config.desired_entries(wanted_config, self._owner)
        want_eb = config.wants_eventbridge(wanted_config)
        pid = self._physical_id(bucket)
        data = config.attributes(pid, wanted)
        action: EventBridgeAction = "enable" if want_eb else "keep"

        def merge(current: dict[str, Any]) -> Plan:
            return config.merge(current, owner=self._owner, add=wanted, eventbridge=action)

        self._converge(bucket, merge, pid)
        return Result(pid, data)

    def _update_once(self) -> Result:
        pid = self._parsed_physical_id()
        if pid is None:
            raise ProviderError(f"physical id '{self.physical_id}' was not issued by this resource type")
        new_config = self.properties.get("NotificationConfiguration")
        old_config = self.old_properties.get("NotificationConfiguration")
        wanted = config.desired_entries(new_config, self._owner)
        data = config.attributes(str(pid), wanted)
        action: EventBridgeAction = "enable" if config.wants_eventbridge(new_config) else "keep"
        old_ids = config.lenient_ids(old_config, self._owner)

        def merge(current: dict[str, Any]) -> Plan:
            return config.merge(
                current, owner=self._owner, remove_ids=old_ids, add=wanted, eventbridge=action
            )

        self._converge(pid.bucket, merge, str(pid))
        return Result(str(pid), data)

    def _delete_once(self) -> None:
        pid = self._parsed_physical_id()
        if pid is None:
            self.log.warning(
                "physical id not issued by this type; nothing to remove", extra={"phase": "delete"}
            )
            return None
        old_ids = config.lenient_ids(self.properties.get("NotificationConfiguration"), self._owner)

        def merge(current: dict[str, Any]) -> Plan:
            return config.merge(current, owner=self._owner, remove_ids=old_ids)

        try:
            self._converge(pid.bucket, merge, str(pid))
        except Exception as exc:
            if error_code(exc) == "NoSuchBucket":
                return None
            raise
        return None

    def _parsed_physical_id(self) -> PhysicalId | None:
        return PhysicalId.parse(self.physical_id)

    # -- read (providers.s3_bucket_notification.reading) -------------------------------------
    def read(self) -> ReadResult | None:
        """Our entries of the bucket's document. Ownership is derived from the stack id and
        logical id (the request's) and, for Ids the template gave, from its properties."""
        pid = self._parsed_physical_id()
        if pid is None:
            return None
        try:
            document = self._read(pid.bucket)
        except Exception as exc:
            if error_code(exc) == "NoSuchBucket":
                return None
            raise
        wanted = self.properties.get("NotificationConfiguration")
        given = [
            str(i["Id"])
            for k in config.KINDS
            for i in (wanted or {}).get(k.template_key) or []
            if isinstance(i, dict) and i.get("Id")
        ]
        view = reading.live_view(document, self._owner, given, config.wants_eventbridge(wanted))
        ids = [e.id for e in reading.ours(document, self._owner, given)]
        data = {"Id": str(pid), "ConfigurationIds": ",".join(ids)}
        return ReadResult({"BucketName": pid.bucket, "NotificationConfiguration": view, **data}, data)

    def desired_read(self) -> dict[str, Any]:
        wanted = self.properties.get("NotificationConfiguration")
        entries = config.desired_entries(wanted, self._owner)
        view = reading.template_view(entries, self._owner, config.wants_eventbridge(wanted))
        return {**self.properties, "NotificationConfiguration": view}

    # -- write, then settle: re-read and re-merge while others' stale writes undo ours ---------
    #: The physical id once this invocation's first write landed (None: nothing written yet).
    _written: str | None = None

    def _converge(self, bucket: str, merge: Merge, physical_id: str) -> None:
        self._write(bucket, merge(self._read(bucket)))
        self._written = physical_id
        window = settle_seconds()
        rewrites = 0
        settled_at = time.monotonic() + window
        while time.monotonic() < settled_at:
            time.sleep(random.uniform(0.1, 0.35) * window)  # noqa: S311 - jitter, not crypto
            plan = merge(self._read(bucket))
            if not plan.changed:
                continue
            rewrites += 1
            if rewrites > MAX_REWRITES:
                raise ProviderError(
                    f"the notification document of bucket {bucket} was replaced by other writers "
                    f"{rewrites} times after ours; giving up rather than fight (order the resources "
                    "that share this bucket with DependsOn)",
                    physical_id=physical_id,
                )
            self.log.warning(
                "another writer replaced the bucket's notifications; merging again",
                extra={"phase": self.operation.lower(), "rewrite": rewrites},
            )
            self._write(bucket, plan)
            settled_at = time.monotonic() + window

    # -- AWS --------------------------------------------------------------------------------
    def _read(self, bucket: str) -> dict[str, Any]:
        answer = self.client("s3").get_bucket_notification_configuration(Bucket=bucket)
        return config.normalise_document(answer)

    def _write(self, bucket: str, plan: Plan) -> None:
        fields = {"phase": self.operation.lower(), "added": plan.added, "removed": plan.removed}
        if not plan.changed:
            self.log.info("bucket notifications already as wanted", extra=fields)
            return
        kwargs: dict[str, Any] = {"Bucket": bucket, "NotificationConfiguration": plan.document}
        if self.properties.get("SkipDestinationValidation") is True:
            kwargs["SkipDestinationValidation"] = True
        try:
            self.client("s3").put_bucket_notification_configuration(**kwargs)
        except Exception as exc:
            if not (self.operation == "Delete" and not plan.added and is_validation_error(exc)):
                raise
            # Everything in a Delete's document was read back from S3 (it accepted each entry
            # once) minus ours: someone else's broken destination must not block our Delete.
            self.log.warning(
                "a destination of someone else fails S3's validation; writing the accepted "
                "entries back with validation skipped",
                extra={**fields, "error": describe_validation_error(exc)},
            )
            kwargs["SkipDestinationValidation"] = True
            self.client("s3").put_bucket_notification_configuration(**kwargs)
        self.log.info("bucket notifications written", extra=fields)
