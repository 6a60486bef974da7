"""Contract case for ``Custom::S3BucketNotification``. Every resource gets a fresh bucket that
already carries someone else's notifications (SQS, SNS, Lambda, EventBridge), so each check
of the suite also proves those survive: ``exists`` fails loudly if any of them changed."""

from __future__ import annotations

import copy
from typing import Any

from gapfill.emulator import s3_notifications
from providers.s3_bucket_notification import config
from providers.s3_bucket_notification.config import Owner, PhysicalId
from tests.contract.suite import ContractCase, Env
from tests.integration import s3_destinations as dest

#: Content keys ignore ids and owners, so any owner serves to describe what props ask for.
_ANY_OWNER = Owner("contract", "contract")


def _bucket(env: Env) -> str:
    s3_notifications.install()
    bucket = dest.bucket(env.client, env.unique("contract-s3n"))
    others = dest.others_configuration(env.client, env.unique)
    env.client("s3").put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=others)
    env.scratch.setdefault("others", {})[bucket] = others
    return bucket


def make_properties(env: Env) -> dict[str, Any]:
    return {
        "BucketName": _bucket(env),
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": dest.queue(env.client, env.unique("contract-q")),
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "incoming/"}]}},
                }
            ]
        },
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    props["NotificationConfiguration"]["QueueConfigurations"][0]["Event"] = "s3:ObjectCreated:Put"
    props["NotificationConfiguration"]["TopicConfigurations"] = [
        {
            "Event": "s3:ObjectRemoved:*",
            "Topic": dest.topic(env.client, env.unique("contract-t")),
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
        }
    ]
    return props


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "BucketName": _bucket(env)}


def _wanted(props: dict[str, Any]) -> set[str]:
    entries = config.desired_entries(props.get("NotificationConfiguration"), _ANY_OWNER)
    return {config.content_key(e.kind, e.body) for e in entries}


def _present(env: Env, bucket: str) -> list[str]:
    document = config.normalise_document(dest.read(env.client, bucket))
    return [config.content_key(e.kind, e.body) for e in config.entries_of(document)]


def _assert_others_intact(env: Env, bucket: str) -> None:
    others = env.scratch.get("others", {}).get(bucket)
    if others is None:
        return
    document = config.normalise_document(dest.read(env.client, bucket))
    now = {e.id: config.content_key(e.kind, e.body) for e in config.entries_of(document)}
    for entry in config.entries_of(config.normalise_document(others)):
        assert now.get(entry.id) == config.content_key(entry.kind, entry.body), (
            f"someone else's notification {entry.id} changed or vanished"
        )
    assert config.eventbridge_on(document), "someone else's EventBridge setting was switched off"


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    """All of props' notifications are on the physical id's bucket (and nobody else's lost)."""
    parsed = PhysicalId.parse(physical_id)
    assert parsed is not None, f"not an S3BucketNotification physical id: {physical_id}"
    assert parsed.bucket == props["BucketName"]
    _assert_others_intact(env, parsed.bucket)
    present = set(_present(env, parsed.bucket))
    wanted = _wanted(props)
    if wanted <= present:
        return True
    assert not (wanted & present), "only part of the notifications are there"
    return False


def count(env: Env, props: dict[str, Any]) -> int:
    """Entries doing what props ask: a repeated RequestId must not add them twice."""
    wanted = _wanted(props)
    return max(sum(1 for key in _present(env, props["BucketName"]) if key == w) for w in wanted)


def _two_prefixes(props: dict[str, Any]) -> dict[str, Any]:
    props = copy.deepcopy(props)
    rules = props["NotificationConfiguration"]["QueueConfigurations"][0]["Filter"]["S3Key"]["Rules"]
    rules.append({"Name": "Prefix", "Value": "other/"})
    return props


def _set_queue(field: str, value: Any) -> Any:
    def transform(props: dict[str, Any]) -> dict[str, Any]:
        props = copy.deepcopy(props)
        props["NotificationConfiguration"]["QueueConfigurations"][0][field] = value
        return props

    return transform


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """Someone puts a notification document without ours."""
    env.client("s3").put_bucket_notification_configuration(
        Bucket=props["BucketName"], NotificationConfiguration={}
    )
    return "NotificationConfiguration.QueueConfigurations"


CASE = ContractCase(
    resource_type="Custom::S3BucketNotification",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    required=("BucketName", "NotificationConfiguration"),
    bad_values=[
        ("BucketName", lambda p: {**p, "BucketName": "Not_A_Bucket"}),
        ("NotificationConfiguration.QueueConfigurations[0].Event", _set_queue("Event", "ObjectCreated")),
        ("NotificationConfiguration.QueueConfigurations[0].Queue", _set_queue("Queue", "my-queue")),
        ("NotificationConfiguration.QueueConfigurations[0].Filter.S3Key.Rules", _two_prefixes),
        ("SkipDestinationValidation", lambda p: {**p, "SkipDestinationValidation": "maybe"}),
        ("NotificationConfiguration.QueueConfigurations[0].Id", _set_queue("Id", "a,b")),
    ],
)
