"""S3 bucket-notification behaviour that moto lacks or gets wrong, grafted onto moto's S3.

The S3 notification provider is only as well tested as the emulator is faithful, so three
gaps of moto 5.2 are closed here (in process; a ThreadedMotoServer in the same process
serves the change over HTTP too):

* ``GetBucketNotificationConfiguration`` omits ``EventBridgeConfiguration`` even when it is
  enabled; S3 returns it as an empty element. Without it, "EventBridge survives" cannot be
  tested at all.
* S3 returns filter rule names capitalised (``Prefix``/``Suffix``) whatever case was written,
  while moto echoes what it stored. moto's PUT rejects the capitalised form, so with this
  change a read-modify-write that does not normalise fails here as it would in spirit on AWS.
* S3 validates every destination of a PUT (the queue, topic or function must exist and allow
  S3) and answers ``InvalidArgument: Unable to validate the following destination
  configurations`` until it can, e.g. while a new queue policy propagates. moto validates
  nothing; :func:`fail_validation` makes a destination ARN fail validation for a number of
  PUTs, honouring ``x-amz-skip-destination-validation`` as S3 does.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

VALIDATION_MESSAGE = "Unable to validate the following destination configurations"

_lock = threading.Lock()
_installed = False
#: Destination ARN -> PUTs still to fail validation (negative: every PUT fails).
_failures: dict[str, int] = {}
#: Destination ARN -> PUTs that were validated against it (skipped validation not counted).
_validated: Counter[str] = Counter()

_KINDS = (
    ("TopicConfigurations", "topic", "TopicArn"),
    ("QueueConfigurations", "queue", "QueueArn"),
    ("LambdaFunctionConfigurations", "cloud_function", "LambdaFunctionArn"),
)
_ARN_ELEMENTS = (("TopicConfiguration", "Topic"), ("QueueConfiguration", "Queue"))
_LAMBDA_ELEMENT = ("CloudFunctionConfiguration", "CloudFunction")


def fail_validation(arn: str, times: int = -1) -> None:
    """Make PUTs naming ``arn`` fail destination validation ``times`` times (-1: always)."""
    install()
    with _lock:
        _failures[arn] = times


def validation_attempts(arn: str) -> int:
    """How many PUTs were validated against ``arn`` since the last :func:`clear`."""
    with _lock:
        return _validated[arn]


def clear() -> None:
    """Forget injected failures and counts."""
    with _lock:
        _failures.clear()
        _validated.clear()


def _destinations(parsed: dict[str, Any]) -> list[str]:
    arns: list[str] = []
    for element, key in (*_ARN_ELEMENTS, _LAMBDA_ELEMENT):
        for entry in parsed.get(element) or []:
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                arns.append(entry[key])
    return arns


def _check_destinations(arns: list[str], skip: bool) -> None:
    """Raise S3's validation error if any destination is set to fail this PUT."""
    from moto.s3.exceptions import InvalidArgumentError

    if skip:
        return
    failing: list[str] = []
    with _lock:
        for arn in dict.fromkeys(arns):
            _validated[arn] += 1
            remaining = _failures.get(arn)
            if remaining is None or remaining == 0:
                continue
            failing.append(arn)
            if remaining > 0:
                _failures[arn] = remaining - 1
    if failing:
        raise InvalidArgumentError(
            VALIDATION_MESSAGE,
            failing[0],
            "Permissions on the destination do not allow S3 to publish notifications from this bucket",
        )


def _capitalised_rules(filters: dict[str, Any]) -> list[dict[str, str]]:
    rules = filters.get("S3Key", {}).get("FilterRule", [])
    return [{"Name": str(r["Name"]).capitalize(), "Value": r["Value"]} for r in rules]


def _get_bucket_notification(self: Any) -> Any:
    """GetBucketNotificationConfiguration as S3 answers it (EventBridge, capitalised rules)."""
    from moto.core.responses import ActionResult, EmptyResult

    config = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if not config:
        return self.serialized(EmptyResult())
    result: dict[str, Any] = {}
    for output_key, attribute, arn_key in _KINDS:
        entries = []
        for item in getattr(config, attribute):
            entry: dict[str, Any] = {"Id": item.id, arn_key: item.arn, "Events": list(item.events)}
            if item.filters:
                entry["Filter"] = {"Key": {"FilterRules": _capitalised_rules(item.filters)}}
            entries.append(entry)
        result[output_key] = entries
    if config.event_bridge is not None:
        result["EventBridgeConfiguration"] = {}
    self.data["Action"] = "GetBucketNotificationConfiguration"
    return self.serialized(ActionResult(result))


def install() -> None:
    """Graft the changes onto moto's S3 response class; idempotent and thread-safe."""
    global _installed  # noqa: PLW0603 - process-wide, like moto's own registries
    with _lock:
        if _installed:
            return
        from moto.s3.responses import S3Response

        original_parse = S3Response._notification_config_from_body

        def _notification_config_from_body(self: Any) -> dict[str, Any]:
            parsed: dict[str, Any] = original_parse(self)
            skip = str(self.headers.get("x-amz-skip-destination-validation", "")).lower() == "true"
            _check_destinations(_destinations(parsed), skip)
            return parsed

        S3Response._notification_config_from_body = _notification_config_from_body  # type: ignore[method-assign]
        S3Response.get_bucket_notification = _get_bucket_notification  # type: ignore[method-assign]
        _installed = True
