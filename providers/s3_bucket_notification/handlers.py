"""``Custom::S3BucketNotification``: Lambda, SQS and SNS notifications (and EventBridge
delivery) on a bucket that may already exist and already have notifications of others.

A thin AWS layer around :mod:`providers.s3_bucket_notification.config`: read the bucket's
document, merge, write it back only if it changed. Every operation is one
read-modify-write; a write S3 refuses because it cannot validate a destination yet (a new
queue policy still propagating) is retried from a fresh read with backoff, a bounded number
of times, then reported with S3's own message.

EventBridge is one bucket-wide switch with no owner recorded by S3. It is left as found
unless the template enables it. Delete (or an Update that stops enabling it) turns it off
only when this resource found it off and turned it on at Create; that fact lives in the
physical id (``<bucket>/<hash>/eventbridge``), the only place that survives until Delete.
An Update that newly enables EventBridge cannot change the physical id, so that switch is
left on after Delete: every doubt is resolved towards not breaking someone else's rules.
"""

from __future__ import annotations

import os
from typing import Any

from providers.core import ids
from providers.core.aws import error_code, error_message
from providers.core.errors import ProviderError
from providers.core.provider import Pending, Provider, Result
from providers.s3_bucket_notification import config
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

    # -- protocol -------------------------------------------------------------------------
    def create(self) -> Result | Pending:
        return self._attempt(1)

    def update(self) -> Result | Pending:
        return self._attempt(1)

    def delete(self) -> Result | Pending | None:
        return self._attempt(1)

    def check(self, pending: Pending) -> Result | Pending:
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
            if attempt >= validation_attempts():
                raise ProviderError(
                    f"PutBucketNotificationConfiguration failed after {attempt} attempts: {reason}"
                ) from None
            self.log.info(
                "S3 cannot validate a destination yet; retrying",
                extra={"phase": self.operation.lower(), "attempt": attempt, "error": reason},
            )
            # Nothing was written: a Create that ends here reports the "made nothing" marker,
            # an Update (replacing or not) the id CloudFormation already holds.
            creating = self.operation == "Create"
            pid = ids.failed_create_id(self.request.request_id) if creating else str(self.physical_id)
            return Pending(pid, "S3 to validate the notification destinations", {"attempt": attempt})

    @property
    def _owner(self) -> Owner:
        return Owner(self.request.stack_id, self.request.logical_id)

    def _physical_id(self, bucket: str, owns_eventbridge: bool) -> str:
        return str(PhysicalId(bucket, config.owner_hash(self._owner), owns_eventbridge))

    def _create_once(self) -> Result:
        bucket = str(self.properties["BucketName"])
        wanted_config = self.properties.get("NotificationConfiguration")
        wanted = config.desired_entries(wanted_config, self._owner)
        want_eb = config.wants_eventbridge(wanted_config)
        current = self._read(bucket)
        owns_eb = want_eb and not config.eventbridge_on(current)
        pid = self._physical_id(bucket, owns_eb)
        data = config.attributes(pid, wanted)
        plan = config.merge(
            current, owner=self._owner, add=wanted, eventbridge="enable" if want_eb else "keep"
        )
        self._write(bucket, plan)
        return Result(pid, data)

    def _update_once(self) -> Result:
        pid = self._parsed_physical_id()
        if pid is None:
            raise ProviderError(f"physical id '{self.physical_id}' was not issued by this resource type")
        new_config = self.properties.get("NotificationConfiguration")
        old_config = self.old_properties.get("NotificationConfiguration")
        wanted = config.desired_entries(new_config, self._owner)
        data = config.attributes(str(pid), wanted)
        action: EventBridgeAction = "keep"
        if config.wants_eventbridge(new_config):
            action = "enable"
        elif config.wants_eventbridge(old_config) and pid.owns_eventbridge:
            action = "disable"
        current = self._read(pid.bucket)
        plan = config.merge(
            current,
            owner=self._owner,
            remove_ids=config.lenient_ids(old_config, self._owner),
            add=wanted,
            eventbridge=action,
        )
        self._write(pid.bucket, plan)
        return Result(str(pid), data)

    def _delete_once(self) -> None:
        pid = self._parsed_physical_id()
        if pid is None:
            self.log.warning(
                "physical id not issued by this type; nothing to remove", extra={"phase": "delete"}
            )
            return None
        old_config = self.properties.get("NotificationConfiguration")
        try:
            current = self._read(pid.bucket)
        except Exception as exc:
            if error_code(exc) == "NoSuchBucket":
                return None
            raise
        action: EventBridgeAction = (
            "disable" if pid.owns_eventbridge and config.wants_eventbridge(old_config) else "keep"
        )
        plan = config.merge(
            current,
            owner=self._owner,
            remove_ids=config.lenient_ids(old_config, self._owner),
            eventbridge=action,
        )
        try:
            self._write(pid.bucket, plan)
        except Exception as exc:
            if error_code(exc) == "NoSuchBucket":
                return None
            raise
        return None

    def _parsed_physical_id(self) -> PhysicalId | None:
        return PhysicalId.parse(self.physical_id)

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
        self.client("s3").put_bucket_notification_configuration(**kwargs)
        self.log.info("bucket notifications written", extra=fields)
