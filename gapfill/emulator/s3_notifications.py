"""S3 bucket-notification behaviour that moto lacks or gets wrong, grafted onto moto's S3.

The S3 notification provider is only as well tested as the emulator is faithful, so these
gaps of moto 5.2 are closed here (in process; a ThreadedMotoServer in the same process
serves the change over HTTP too), each registered in :mod:`gapfill.emulator.documented`
with the AWS page it comes from:

* ``GetBucketNotificationConfiguration`` omits ``EventBridgeConfiguration`` even when it is
  enabled; S3 returns it as an empty element.
* S3 returns filter rule names capitalised (``Prefix``/``Suffix``) whatever case was written,
  and takes either case back; moto echoes what it stored and answers a capitalised name in a
  PUT with HTTP 500 (an AssertionError).
* S3 refuses configurations that are ambiguous: two rules for overlapping event types whose
  prefixes overlap and whose suffixes overlap, whatever their destinations. moto accepts them.
* S3 validates every destination of every PUT (the queue, topic or function must exist and
  its policy must let S3 deliver from this bucket) unless the request skips validation, and
  answers ``InvalidArgument: Unable to validate the following destination configurations``.
  moto validates nothing. :func:`fail_validation` additionally makes a destination fail for a
  number of PUTs, the way a policy that is still propagating does on AWS.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

from gapfill.emulator import documented
from gapfill.emulator.s3_destination_policies import Source, problem

VALIDATION_MESSAGE = "Unable to validate the following destination configurations"
AMBIGUOUS_MESSAGE = (
    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the "
    "prefixes are overlapping for the same event type."
)
RULE_NAME_MESSAGE = "filter rule name must be either prefix or suffix"
_API = "https://docs.aws.amazon.com/AmazonS3/latest/API"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide"

VALIDATION_RULE = documented.rule(
    id="s3.notification.destination-validation",
    service="s3",
    operations=("PutBucketNotificationConfiguration",),
    source=f"{_API}/API_PutBucketNotificationConfiguration.html",
    fact=(
        "On every PutBucketNotificationConfiguration S3 first verifies that each SNS or SQS "
        "destination exists and that the bucket owner may publish to it, and that each Lambda "
        "function's permissions let S3 invoke it from this bucket; SkipDestinationValidation "
        "skips these checks. A destination that fails is refused with InvalidArgument (400) "
        "'Unable to validate the following destination configurations', naming the destination "
        "(ArgumentName) and the reason (ArgumentValue), and nothing is stored."
    ),
)
OVERLAP_RULE = documented.rule(
    id="s3.notification.no-overlap",
    service="s3",
    operations=("PutBucketNotificationConfiguration",),
    source=f"{_GUIDE}/notification-how-to-filtering.html",
    fact=(
        "Two notification configurations of one bucket (any destinations) may not both match an "
        "event: when their event types overlap (equal, or one is the wildcard of the other's "
        "family such as s3:ObjectCreated:* and s3:ObjectCreated:Put), their prefixes overlap (one "
        "starts the other, a missing prefix overlapping every prefix) and their suffixes overlap "
        "(one ends the other, a missing suffix overlapping every suffix), S3 refuses the PUT with "
        "InvalidArgument (400) 'Configuration is ambiguously defined. Cannot have overlapping "
        "suffixes in two rules if the prefixes are overlapping for the same event type.'"
    ),
)
RULE_NAME_RULE = documented.rule(
    id="s3.notification.filter-rule-name-case",
    service="s3",
    operations=("PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration"),
    source=f"{_API}/API_FilterRule.html",
    fact=(
        "A FilterRule Name is prefix or suffix. S3 returns the names capitalised (Prefix, Suffix) "
        "in GetBucketNotificationConfiguration and accepts them in either case in a PUT "
        "(reported in aws/aws-sdk issue 389 and aws/aws-sdk-java-v2 issue 1196); any other name is "
        "refused with InvalidArgument (400) 'filter rule name must be either prefix or suffix'."
    ),
)
EVENTBRIDGE_RULE = documented.rule(
    id="s3.notification.eventbridge-in-get",
    service="s3",
    operations=("GetBucketNotificationConfiguration",),
    source=f"{_API}/API_GetBucketNotificationConfiguration.html",
    fact=(
        "When EventBridge delivery is enabled, GetBucketNotificationConfiguration returns an "
        "(empty) EventBridgeConfiguration element."
    ),
)

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
#: Parsed PUT element -> (ARN key, destination kind as S3's messages name it).
_ELEMENTS = {
    "TopicConfiguration": ("Topic", "topic"),
    "QueueConfiguration": ("Queue", "queue"),
    "CloudFunctionConfiguration": ("CloudFunction", "function"),
}
_RULE_NAME = re.compile(r"(<FilterRule>\s*(?:<Value>[^<]*</Value>\s*)?<Name>)([^<]*)(</Name>)")


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


def _entries(parsed: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, entry) of every configuration in a parsed PUT body."""
    found: list[tuple[str, dict[str, Any]]] = []
    for element, (key, kind) in _ELEMENTS.items():
        for entry in parsed.get(element) or []:
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                found.append((kind, {"arn": entry[key], **entry}))
    return found


# -- filter rule names ---------------------------------------------------------------------------


def _lower_rule_names(body: Any) -> Any:
    """The PUT body with rule names in the case moto's parser takes; other names refused."""
    from moto.s3.exceptions import InvalidArgumentError

    text = body.decode() if isinstance(body, bytes) else str(body)

    def lower(match: re.Match[str]) -> str:
        name = match.group(2)
        if name.lower() not in ("prefix", "suffix"):
            raise InvalidArgumentError(RULE_NAME_MESSAGE, "FilterRule.Name", name)
        return f"{match.group(1)}{name.lower()}{match.group(3)}"

    fixed = _RULE_NAME.sub(lower, text)
    return fixed.encode() if isinstance(body, bytes) else fixed


# -- ambiguity -----------------------------------------------------------------------------------


def _events_overlap(first: list[str], second: list[str]) -> bool:
    def covers(a: str, b: str) -> bool:
        return a == b or (a.endswith(":*") and b.startswith(a[:-1]))

    return any(covers(a, b) or covers(b, a) for a in first for b in second)


def _rule(entry: dict[str, Any], name: str) -> str:
    rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("FilterRule") or []
    return next((str(r.get("Value") or "") for r in rules if str(r.get("Name")).lower() == name), "")


def _ambiguous(first: dict[str, Any], second: dict[str, Any]) -> bool:
    p1, p2 = _rule(first, "prefix"), _rule(second, "prefix")
    s1, s2 = _rule(first, "suffix"), _rule(second, "suffix")
    return (
        _events_overlap(list(first.get("Event") or []), list(second.get("Event") or []))
        and (p1.startswith(p2) or p2.startswith(p1))
        and (s1.endswith(s2) or s2.endswith(s1))
    )


def _check_overlaps(parsed: dict[str, Any]) -> None:
    from moto.s3.exceptions import InvalidArgumentError

    entries = [entry for _, entry in _entries(parsed)]
    for index, first in enumerate(entries):
        for second in entries[index + 1 :]:
            if _ambiguous(first, second):
                raise InvalidArgumentError(AMBIGUOUS_MESSAGE, "Event", ",".join(second.get("Event") or []))


# -- destination validation ----------------------------------------------------------------------


def _check_destinations(parsed: dict[str, Any], source: Source, skip: bool) -> None:
    """Raise S3's validation error for the first destination S3 could not validate."""
    from moto.s3.exceptions import InvalidArgumentError

    if skip:
        return
    failing: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind, entry in _entries(parsed):
        arn = entry["arn"]
        if arn in seen:
            continue
        seen.add(arn)
        with _lock:
            _validated[arn] += 1
            remaining = _failures.get(arn)
            if remaining is not None and remaining != 0:
                if remaining > 0:
                    _failures[arn] = remaining - 1
                failing.append((arn, f"Permissions on the destination {kind} are still being applied"))
                continue
        why = problem(kind, arn, source)
        if why is not None:
            failing.append((arn, why))
    if failing:
        raise InvalidArgumentError(VALIDATION_MESSAGE, failing[0][0], failing[0][1])


# -- GET -----------------------------------------------------------------------------------------


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


def _validated_parse(self: Any, original: Any) -> dict[str, Any]:
    """moto's parse of the PUT body, then S3's checks, in S3's order: the bucket, the
    document itself, then its destinations."""
    from moto.s3.exceptions import MalformedXML

    bucket = self.backend.get_bucket(self.bucket_name)  # NoSuchBucket before anything else
    self.body = _lower_rule_names(self.body)
    try:
        parsed: dict[str, Any] = original(self)
    except AssertionError:
        raise MalformedXML() from None
    _check_overlaps(parsed)
    skip = str(self.headers.get("x-amz-skip-destination-validation", "")).lower() == "true"
    _check_destinations(parsed, Source(f"arn:aws:s3:::{bucket.name}", str(bucket.account_id)), skip)
    return parsed


def install() -> None:
    """Graft the changes onto moto's S3 response class; idempotent and thread-safe."""
    global _installed  # noqa: PLW0603 - process-wide, like moto's own registries
    with _lock:
        if _installed:
            return
        from moto.s3.responses import S3Response

        original_parse = S3Response._notification_config_from_body

        def _notification_config_from_body(self: Any) -> dict[str, Any]:
            return _validated_parse(self, original_parse)

        S3Response._notification_config_from_body = _notification_config_from_body  # type: ignore[method-assign]
        S3Response.get_bucket_notification = _get_bucket_notification  # type: ignore[method-assign]
        _installed = True
