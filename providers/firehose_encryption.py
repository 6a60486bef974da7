"""``Custom::FirehoseEncryption``: server-side encryption for a delivery stream the stack does
not own.

Firehose encrypts asynchronously (ENABLING, then ENABLED or ENABLING_FAILED), allows only 25
start/stop calls per stream per 24 hours, and refuses streams that read from a Kinesis data
stream. So the provider describes first and calls StartDeliveryStreamEncryption only when
the stream is not already encrypted the requested way, waits with ``Pending``/``check``
rather than sleeping, and reports ENABLING_FAILED with Firehose's own FailureDescription.

Ownership (protocol rule 6): encryption is stopped on delete only if this resource turned it
on. The physical id records that (``firehose-encryption:<stream>:started`` or ``:kept``), so
Delete works from the id alone. A tag with the resource's deterministic owner hash marks a
stream whose encryption we started, so that a repeated Create request (same RequestId, after
the first already enabled it) recognises its own work and returns the same physical id
instead of mistaking it for someone else's encryption.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

from providers.core import tag_keys
from providers.core.aws import error_code, error_message
from providers.core.errors import ProviderError, made
from providers.core.ids import short_hash
from providers.core.provider import Outcome, Pending, Provider, ReadResult, Result

PID_PREFIX = "firehose-encryption"
STARTED = "started"  # encryption was off (or failed) and this resource turned it on
KEPT = "kept"  # encryption was already on: leave it on when this resource goes
IN_FLIGHT = ("ENABLING", "DISABLING")
#: ENABLING_FAILED protects nothing, so a stream in that state counts as not encrypted.
ENCRYPTED = ("ENABLED", "ENABLING")


# -- pure logic (unit tested without AWS) --------------------------------------------------------
def physical_id(stream_name: str, mode: str) -> str:
    return f"{PID_PREFIX}:{stream_name}:{mode}"


def parse_physical_id(pid: str | None) -> tuple[str, str] | None:
    """``(stream name, mode)``, or None for an id this provider never made."""
    if not pid:
        return None
    parts = pid.split(":")
    if len(parts) != 3 or parts[0] != PID_PREFIX or parts[2] not in (STARTED, KEPT) or not parts[1]:
        return None
    return parts[1], parts[2]


def desired_config(properties: Mapping[str, Any]) -> dict[str, str]:
    """The ``DeliveryStreamEncryptionConfigurationInput`` the properties ask for.

    The schema cannot express "KeyARN only with CUSTOMER_MANAGED_CMK" within the resource
    schema meta-schema, so the pairing is checked here, naming the property.
    """
    key_type = str(properties.get("KeyType") or "AWS_OWNED_CMK")
    key_arn = properties.get("KeyARN")
    if key_type == "CUSTOMER_MANAGED_CMK" and not key_arn:
        raise ProviderError("KeyARN: required when KeyType is CUSTOMER_MANAGED_CMK")
    if key_type == "AWS_OWNED_CMK" and key_arn:
        raise ProviderError(
            "KeyARN: only allowed with KeyType CUSTOMER_MANAGED_CMK (KeyType is AWS_OWNED_CMK)"
        )
    config = {"KeyType": key_type}
    if key_arn:
        config["KeyARN"] = str(key_arn)
    return config


def encrypted_as(current: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    """Is the stream already encrypted (or being encrypted) exactly the way ``wanted`` says?"""
    if current.get("Status") not in ENCRYPTED or current.get("KeyType") != wanted["KeyType"]:
        return False
    return wanted["KeyType"] != "CUSTOMER_MANAGED_CMK" or current.get("KeyARN") == wanted.get("KeyARN")


def mode_for(current: Mapping[str, Any], wanted: Mapping[str, str], tagged_by_us: bool) -> str:
    """Whether deleting this resource should stop encryption again."""
    if encrypted_as(current, wanted):
        return STARTED if tagged_by_us else KEPT
    return KEPT if current.get("Status") == "ENABLED" else STARTED


def failure_reason(stream_name: str, current: Mapping[str, Any]) -> str:
    failure = current.get("FailureDescription") or {}
    kind = failure.get("Type") or "UNKNOWN_ERROR"
    details = failure.get("Details") or "no details given"
    return f"Firehose could not enable encryption of delivery stream '{stream_name}': {kind}: {details}"


def kms_refusal_reason(stream_name: str, wanted: Mapping[str, str], kms_code: str, message: str) -> str:
    """InvalidKMSResourceException in Firehose's words: KMS refused Firehose the key."""
    key_arn = wanted.get("KeyARN")
    prop, key = ("KeyARN", f"KMS key '{key_arn}'") if key_arn else ("KeyType", "its AWS owned KMS key")
    answered = f" (KMS answered {kms_code})" if kms_code else ""
    return (
        f"{prop}: Firehose could not use {key} to encrypt delivery stream '{stream_name}': "
        f"InvalidKMSResourceException{answered}: {message}. Firehose raises this when KMS refuses it "
        "(AccessDeniedException, InvalidStateException, DisabledException or NotFoundException): the "
        "key must exist, be enabled and not pending deletion, and its key policy must let Firehose "
        "use it"
    )


def kinesis_source_reason(stream_name: str, description: Mapping[str, Any]) -> str:
    source = description.get("Source", {}).get("KinesisStreamSourceDescription", {})
    arn = source.get("KinesisStreamARN")
    where = f" ({arn})" if arn else ""
    return (
        f"DeliveryStreamName: delivery stream '{stream_name}' reads from a Kinesis data stream{where}, "
        "and Firehose does not support server-side encryption for such streams "
        "(StartDeliveryStreamEncryption refuses them). Encrypt the source Kinesis data stream "
        "instead (AWS::Kinesis::Stream StreamEncryption with KMS): Firehose keeps records encrypted "
        "at rest when its source stream is encrypted."
    )


@functools.cache
def _switch_client(region: str | None, endpoint: str | None) -> Any:
    """A Firehose client that does not retry, for Start/StopDeliveryStreamEncryption only.

    botocore counts LimitExceededException as throttling and retries it with backoff, but
    for these two calls it means the 25-calls-per-day quota is spent: retrying only burns
    about 40 seconds of the Lambda's time before the same failure. ``endpoint`` is part of
    the cache key because tests switch AWS_ENDPOINT_URL between emulators.
    """
    import boto3
    from botocore.config import Config

    from providers.core.aws import USER_AGENT

    config = Config(
        retries={"mode": "standard", "max_attempts": 1},
        connect_timeout=5,
        read_timeout=30,
        user_agent_extra=USER_AGENT,
    )
    return boto3.session.Session().client("firehose", region_name=region, config=config)


# -- the provider ---------------------------------------------------------------------------------
class FirehoseEncryption(Provider):
    resource_type = "Custom::FirehoseEncryption"
    #: ENABLING normally takes seconds; a stuck key grant should not hold a stack for an hour.
    max_wait_seconds = 1800.0

    def create(self) -> Outcome:
        return self._ensure()

    def update(self) -> Outcome:
        return self._ensure()

    def delete(self) -> Outcome | None:
        parsed = parse_physical_id(self.physical_id)
        if parsed is None:
            self.log.info("delete: not an id of this provider, nothing to undo", extra={"phase": "delete"})
            return None
        stream, mode = parsed
        if mode == KEPT:
            self.log.info(
                "delete: encryption was on before this resource; left on", extra={"phase": "delete"}
            )
            return None
        return self._stop(stream)

    def check(self, pending: Pending) -> Outcome:
        stream = str(pending.state["stream"])
        phase = pending.state["phase"]
        description = self._describe(stream, missing_ok=phase == "disable" or self.operation == "Delete")
        if description is None:
            return Result(pending.physical_id)
        current = description.get("DeliveryStreamEncryptionConfiguration") or {}
        status = current.get("Status")
        if phase == "settle":
            if self._busy(description):
                return pending
            if self.operation == "Delete":
                return self._stop(stream) or Result(pending.physical_id)
            return self._ensure()
        if phase == "disable":
            if status == "DISABLING":
                return pending
            self._untag(stream)
            return Result(pending.physical_id)
        # phase == "enable"
        if status == "ENABLING":
            return pending
        if status == "ENABLED":
            return self._result(pending.physical_id, description)
        if status == "ENABLING_FAILED":
            raise ProviderError(failure_reason(stream, current), physical_id=pending.physical_id)
        raise ProviderError(
            f"encryption of delivery stream '{stream}' went to {status} while it was being enabled "
            "(another StartDeliveryStreamEncryption or StopDeliveryStreamEncryption call?)",
            physical_id=pending.physical_id,
        )

    # -- steps ------------------------------------------------------------------------------------
    def _ensure(self) -> Outcome:
        wanted = desired_config(self.properties)
        stream = str(self.properties["DeliveryStreamName"])
        description = self._describe(stream)
        assert description is not None
        if description.get("DeliveryStreamType") == "KinesisStreamAsSource":
            raise ProviderError(kinesis_source_reason(stream, description))
        current = description.get("DeliveryStreamEncryptionConfiguration") or {}
        owner = short_hash(self.request.stack_id, self.request.logical_id)
        if self.operation == "Update" and not self.replacing:
            pid = str(self.physical_id)
            mode = (parse_physical_id(pid) or (stream, KEPT))[1]
        else:
            mode = mode_for(current, wanted, self._tag(stream) == owner)
            pid = physical_id(stream, mode)
        if encrypted_as(current, wanted):
            self.log.info(
                "already encrypted as asked; no StartDeliveryStreamEncryption call",
                extra={"phase": self.operation.lower(), "Status": current.get("Status")},
            )
            if current.get("Status") == "ENABLING":
                return Pending(
                    pid, f"encryption of delivery stream {stream}", {"stream": stream, "phase": "enable"}
                )
            return self._result(pid, description)
        if self._busy(description):
            return Pending(pid, f"delivery stream {stream} to settle", {"stream": stream, "phase": "settle"})
        try:
            self._switch().start_delivery_stream_encryption(
                DeliveryStreamName=stream, DeliveryStreamEncryptionConfigurationInput=wanted
            )
        except Exception as exc:
            if error_code(exc) == "InvalidKMSResourceException":
                kms_code = str(getattr(exc, "response", {}).get("code") or "")
                raise ProviderError(
                    kms_refusal_reason(stream, wanted, kms_code, error_message(exc).rstrip(".")),
                    physical_id=pid if self.operation != "Create" else None,
                ) from exc
            self._explain_call_error(exc, stream, "StartDeliveryStreamEncryption", pid)
            raise
        pending = Pending(
            pid, f"encryption of delivery stream {stream}", {"stream": stream, "phase": "enable"}
        )
        with made(pid):  # encryption started: any failure from here names it, for cleanup
            if mode == STARTED:
                # Tagged only once the call succeeded, so a refused start leaves nothing behind.
                self.client("firehose").tag_delivery_stream(
                    DeliveryStreamName=stream, Tags=[{"Key": tag_keys.ENCRYPTION_STARTED_BY, "Value": owner}]
                )
            return self.check(pending)  # AWS may already be done; one describe is cheaper than a sleep

    def _stop(self, stream: str) -> Outcome | None:
        pid = str(self.physical_id)
        description = self._describe(stream, missing_ok=True)
        if description is None:
            return None
        current = description.get("DeliveryStreamEncryptionConfiguration") or {}
        status = current.get("Status")
        if status in (None, "DISABLED"):
            self._untag(stream)
            return None
        if status in IN_FLIGHT:
            return Pending(pid, f"delivery stream {stream} to settle", {"stream": stream, "phase": "settle"})
        try:
            self._switch().stop_delivery_stream_encryption(DeliveryStreamName=stream)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            self._explain_call_error(exc, stream, "StopDeliveryStreamEncryption", pid)
            raise
        return self.check(
            Pending(pid, f"decryption of delivery stream {stream}", {"stream": stream, "phase": "disable"})
        )

    def read(self) -> ReadResult | None:
        """The stream's encryption as Firehose reports it: KeyType (and KeyARN) only while the
        status is ENABLED or ENABLING, so a stream whose encryption was stopped reads without
        them; None when the stream is gone."""
        parsed = parse_physical_id(self.physical_id)
        if parsed is None:
            return None
        description = self._describe(parsed[0], missing_ok=True)
        if description is None:
            return None
        current = description.get("DeliveryStreamEncryptionConfiguration") or {}
        props: dict[str, Any] = {"DeliveryStreamName": parsed[0]}
        if current.get("Status") in ENCRYPTED and current.get("KeyType"):
            props["KeyType"] = current["KeyType"]
            if current.get("KeyARN"):
                props["KeyARN"] = current["KeyARN"]
        return ReadResult(props, self._result(str(self.physical_id), description).data)

    # -- AWS helpers ------------------------------------------------------------------------------
    def _switch(self) -> Any:
        return _switch_client(self.request.region, os.environ.get("AWS_ENDPOINT_URL"))

    def _describe(self, stream: str, *, missing_ok: bool = False) -> dict[str, Any] | None:
        try:
            reply = self.client("firehose").describe_delivery_stream(DeliveryStreamName=stream)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            if missing_ok:
                return None
            raise ProviderError(f"DeliveryStreamName: delivery stream '{stream}' does not exist") from exc
        return dict(reply["DeliveryStreamDescription"])

    @staticmethod
    def _busy(description: Mapping[str, Any]) -> bool:
        status = (description.get("DeliveryStreamEncryptionConfiguration") or {}).get("Status")
        return status in IN_FLIGHT or description.get("DeliveryStreamStatus") not in (None, "ACTIVE")

    def _tag(self, stream: str) -> str | None:
        reply = self.client("firehose").list_tags_for_delivery_stream(DeliveryStreamName=stream, Limit=50)
        for tag in reply.get("Tags", []):
            if tag.get("Key") == tag_keys.ENCRYPTION_STARTED_BY:
                return str(tag.get("Value"))
        return None

    def _untag(self, stream: str) -> None:
        try:
            self.client("firehose").untag_delivery_stream(
                DeliveryStreamName=stream, TagKeys=[tag_keys.ENCRYPTION_STARTED_BY]
            )
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise

    def _explain_call_error(self, exc: BaseException, stream: str, operation: str, pid: str) -> None:
        """Turn the errors a user can act on into Reasons that say what to do."""
        code = error_code(exc)
        if code == "LimitExceededException":
            raise ProviderError(
                f"{operation} refused for delivery stream '{stream}': Firehose allows 25 "
                "StartDeliveryStreamEncryption/StopDeliveryStreamEncryption calls per stream per "
                f"24 hours ({error_message(exc)}); retry later",
                physical_id=pid if self.operation != "Create" else None,
            ) from exc
        if code == "ResourceInUseException":
            raise ProviderError(
                f"{operation} refused for delivery stream '{stream}' because it is busy: "
                f"{error_message(exc)}",
                physical_id=pid if self.operation != "Create" else None,
            ) from exc

    def _result(self, pid: str, description: Mapping[str, Any]) -> Result:
        current = description.get("DeliveryStreamEncryptionConfiguration") or {}
        return Result(
            pid,
            {
                "DeliveryStreamArn": description.get("DeliveryStreamARN", ""),
                "EncryptionStatus": current.get("Status", ""),
            },
        )
