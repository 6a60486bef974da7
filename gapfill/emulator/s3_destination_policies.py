"""Whether a notification destination lets S3 deliver from one bucket: the check S3 makes
on every PutBucketNotificationConfiguration.

S3 refuses a PUT naming a queue, topic or function that does not exist or whose
resource policy does not allow ``s3.amazonaws.com`` to send to it from the bucket. The
permissions S3 needs are stated in the S3 User Guide ("Granting permissions to publish event
notification messages to a destination"): ``sqs:SendMessage`` in the queue policy,
``sns:Publish`` in the topic policy, ``lambda:InvokeFunction`` in the function's resource
policy, each for the service principal, optionally conditioned on ``aws:SourceArn`` (the
bucket ARN) and ``aws:SourceAccount`` (the bucket owner). Those two keys are the only request
context S3 brings, so a statement conditioned on anything else (the default topic policy's
``AWS:SourceOwner``, for instance) does not apply to S3, as on AWS, where a topic with its
default policy fails validation.

The policy reading here is a small, self-contained model of IAM's resource-policy matching
(Effect, Principal, Action, Resource, Condition with the string and ARN operators);
explicit Deny wins.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gapfill.emulator import documented

GRANT_SOURCE = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html"
)
SERVICE_PRINCIPAL = "s3.amazonaws.com"

DESTINATION_POLICY_RULE = documented.rule(
    id="s3.notification.destination-permissions",
    service="s3",
    operations=("PutBucketNotificationConfiguration",),
    source=GRANT_SOURCE,
    fact=(
        "For S3 to publish to a destination, the destination's resource policy must allow the "
        "s3.amazonaws.com service principal: sqs:SendMessage on the queue, sns:Publish on the "
        "topic, lambda:InvokeFunction on the function; conditions may restrict it to the bucket's "
        "ARN (aws:SourceArn) and owner account (aws:SourceAccount)."
    ),
)


@dataclass(frozen=True)
class Source:
    """The request context S3 brings when it delivers: its bucket ARN and owner account."""

    bucket_arn: str
    account: str

    def value(self, key: str) -> str | None:
        return {"aws:sourcearn": self.bucket_arn, "aws:sourceaccount": self.account}.get(key.lower())


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    services = [str(p).lower() for p in _listed(principal.get("Service", []))]
    everyone = "*" in [str(p) for p in _listed(principal.get("AWS", []))]
    return SERVICE_PRINCIPAL in services or everyone


def _wildcard(pattern: str, text: str, *, case: bool) -> bool:
    """IAM's ``*``/``?`` matching (no character classes, unlike fnmatch's ``[...]``)."""
    escaped = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(text, escaped) if case else fnmatch.fnmatch(text.lower(), escaped.lower())


def _action_matches(actions: Any, wanted: str) -> bool:
    return any(_wildcard(str(a), wanted, case=False) for a in _listed(actions))


def _resource_matches(resources: Any, arn: str) -> bool:
    if resources is None:
        return True
    return any(_wildcard(str(r), arn, case=True) for r in _listed(resources))


_OPERATORS = {
    "stringequals": lambda want, got: want == got,
    "stringequalsignorecase": lambda want, got: want.lower() == got.lower(),
    "stringlike": lambda want, got: _wildcard(want, got, case=True),
    "arnequals": lambda want, got: want == got,
    "arnlike": lambda want, got: _wildcard(want, got, case=True),
}


def _conditions_hold(conditions: Any, source: Source) -> bool:
    """Every condition satisfied by S3's context; unknown operators or keys never hold."""
    if conditions is None:
        return True
    if not isinstance(conditions, Mapping):
        return False
    for operator, pairs in conditions.items():
        test = _OPERATORS.get(str(operator).lower())
        if test is None or not isinstance(pairs, Mapping):
            return False
        for key, wanted in pairs.items():
            got = source.value(str(key))
            if got is None or not any(test(str(w), got) for w in _listed(wanted)):
                return False
    return True


def _applies(statement: Any, action: str, arn: str, source: Source) -> bool:
    return (
        isinstance(statement, Mapping)
        and _principal_matches(statement.get("Principal"))
        and _action_matches(statement.get("Action", []), action)
        and _resource_matches(statement.get("Resource"), arn)
        and _conditions_hold(statement.get("Condition"), source)
    )


def allows(policy: Any, action: str, arn: str, source: Source) -> bool:
    """True when ``policy`` (JSON text or parsed) lets S3 perform ``action`` on ``arn``."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return False
    if not isinstance(policy, Mapping):
        return False
    statements = [s for s in _listed(policy.get("Statement", [])) if _applies(s, action, arn, source)]
    if any(str(s.get("Effect")) == "Deny" for s in statements):
        return False
    return any(str(s.get("Effect")) == "Allow" for s in statements)


# -- the three destination types, read from moto's backends -------------------------------------

MISSING = "The destination {kind} does not exist"
FORBIDDEN = "Permissions on the destination {kind} do not allow S3 to publish notifications from this bucket"


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of ``arn:partition:service:region:account:resource``."""
    parts = arn.split(":", 5)
    return (parts[3], parts[4], parts[5]) if len(parts) == 6 else ("", "", "")


def _queue_policy(arn: str) -> Any:
    from moto.sqs.models import sqs_backends

    region, account, name = _arn_parts(arn)
    queue = sqs_backends[account][region].queues.get(name)
    return MISSING if queue is None else (queue.policy or "{}")


def _topic_policy(arn: str) -> Any:
    from moto.sns.models import sns_backends

    region, account, _ = _arn_parts(arn)
    topic = sns_backends[account][region].topics.get(arn)
    return MISSING if topic is None else topic.policy


def _function_policy(arn: str) -> Any:
    from moto.awslambda.models import lambda_backends

    region, account, _ = _arn_parts(arn)
    backend = lambda_backends[account][region]
    try:
        function = backend.get_function(arn)
    except Exception:  # moto raises its own not-found types
        return MISSING
    try:
        return json.loads(backend.get_policy(function.function_arn))["Policy"]
    except Exception:  # no statement yet: no policy at all
        return "{}"


_DESTINATIONS = {
    "queue": (_queue_policy, "sqs:SendMessage"),
    "topic": (_topic_policy, "sns:Publish"),
    "function": (_function_policy, "lambda:InvokeFunction"),
}


def problem(kind: str, arn: str, source: Source) -> str | None:
    """Why S3 could not validate ``arn`` (a ``queue``, ``topic`` or ``function``), or None."""
    read, action = _DESTINATIONS[kind]
    if not all(_arn_parts(arn)[:2]):
        return MISSING.format(kind=kind)
    try:
        policy = read(arn)
    except KeyError:
        return MISSING.format(kind=kind)
    if policy == MISSING:
        return MISSING.format(kind=kind)
    return None if allows(policy, action, arn, source) else FORBIDDEN.format(kind=kind)
