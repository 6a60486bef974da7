"""Nothing lost (protocol rule 6), S3 bucket notifications, at the protocol level.

A hypothesis state machine interleaves our Create/Update/Delete (through the real handler, over the local
ResponseURL, against the emulator) with another party's read-modify-write of its own
configurations on the same bucket (its rules): adding, changing and removing entries,
including one whose Id starts with our ``gapfill-`` prefix. After every step (its invariant), every configuration that is
not ours must be exactly as its owner last wrote it, and ours exactly as the template says.
(The merge function itself is property-tested in tests/unit/test_s3_notification_config.py.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis.stateful import rule, run_state_machine_as_test

from gapfill.local.protocol import LocalCloudFormation
from tests.integration import s3_destinations as dest
from tests.nothing_lost.plans import INTERLEAVING, VARIANT, OurResource

TYPE = "Custom::S3BucketNotification"
OUR_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]
THEIR_IDS = ["their-a", "their-b", "gapfill-lookalike-of-ours"]


@pytest.fixture(scope="module")
def pool(emulator: Any) -> dict[str, list[str]]:
    """Real destinations, made once: three queues and two topics."""
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=emulator.endpoint)

    import uuid

    tag = uuid.uuid4().hex[:8]
    return {
        "queues": [dest.queue(client, f"nl-q{i}-{tag}") for i in range(3)],
        "topics": [dest.topic(client, f"nl-t{i}-{tag}") for i in range(2)],
    }


@pytest.fixture(scope="module")
def local(emulator: Any) -> Iterator[LocalCloudFormation]:
    from gapfill.emulator import s3_notifications

    s3_notifications.install()
    with LocalCloudFormation(stack_name="nothing-lost-s3") as runner:
        yield runner


def _ours(pool: dict[str, list[str]], variant: int) -> dict[str, Any]:
    queues = [
        {
            "Event": OUR_EVENTS[variant],
            "Queue": pool["queues"][variant],
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": f"ours{variant}/first/"}]}},
        },
        {
            "Event": "s3:ObjectRemoved:*",
            "Queue": pool["queues"][(variant + 1) % 3],
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": f"ours{variant}/"}]}},
        },
    ]
    return {"QueueConfigurations": queues[: 1 + variant % 2]}


def _theirs(pool: dict[str, list[str]], slot: int, version: int) -> tuple[str, dict[str, Any]]:
    """(document key, entry) another party writes; ``version`` changes its content."""
    if slot == 1:
        return "TopicConfigurations", {
            "Id": THEIR_IDS[slot],
            "TopicArn": pool["topics"][version % 2],
            "Events": ["s3:ObjectRestore:*" if version % 2 else "s3:ObjectRemoved:Delete"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "theirs/"}]}},
        }
    return "QueueConfigurations", {
        "Id": THEIR_IDS[slot],
        "QueueArn": pool["queues"][(slot + version) % 3],
        "Events": ["s3:ObjectCreated:Post"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": f"theirs{slot}-{version}/"}]}},
    }


def _document(s3: Any, bucket: str) -> dict[str, list[dict[str, Any]]]:
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    keys = ("QueueConfigurations", "TopicConfigurations", "LambdaFunctionConfigurations")
    return {k: list(got.get(k, [])) for k in keys}


def _canonical(entry: dict[str, Any]) -> tuple[Any, ...]:
    rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    arn = entry.get("QueueArn") or entry.get("TopicArn") or entry.get("LambdaFunctionArn")
    return (
        entry["Id"],
        arn,
        tuple(sorted(entry["Events"])),
        tuple(sorted((r["Name"].lower(), r["Value"]) for r in rules)),
    )


def _their_write(s3: Any, bucket: str, change: Any) -> None:
    """Another careful party: read the whole document, change only its own entry, write
    (S3 reads filter rule names back capitalised but takes them lowercase)."""
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    got.pop("ResponseMetadata", None)
    document = {k: v for k, v in got.items() if v != []}
    for entries in document.values():
        for entry in entries if isinstance(entries, list) else []:
            for filter_rule in entry.get("Filter", {}).get("Key", {}).get("FilterRules", []):
                filter_rule["Name"] = filter_rule["Name"].lower()
    change(document)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=document)


def _remove(their_id: str) -> Callable[[dict[str, Any]], None]:
    def remove(doc: dict[str, Any]) -> None:
        for key in list(doc):
            if isinstance(doc[key], list):
                doc[key] = [e for e in doc[key] if e.get("Id") != their_id]

    return remove


def _put(key: str, entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def put(doc: dict[str, Any]) -> None:
        _remove(entry["Id"])(doc)
        doc.setdefault(key, []).append(copy.deepcopy(entry))

    return put


class Interleaving(OurResource):
    """Our notification and another party's configurations on one bucket."""

    TYPE, LOGICAL_ID = TYPE, "Notifications"
    THEIR_STEPS = ("their_put", "their_change", "their_remove")
    pool: dict[str, list[str]]
    s3: Any
    make_bucket: Callable[[], str]

    def __init__(self) -> None:
        super().__init__()
        self.bucket = self.make_bucket()
        self.theirs: dict[str, tuple[str, dict[str, Any]]] = {}  # Id -> (document key, entry) as last written
        self.versions: dict[int, int] = {}

    def props(self, variant: int) -> dict[str, Any]:
        return {"BucketName": self.bucket, "NotificationConfiguration": _ours(self.pool, variant)}

    @rule(slot=VARIANT)
    def their_put(self, slot: int) -> None:
        self._their_write(slot, self.versions.get(slot, 0))

    @rule(slot=VARIANT)
    def their_change(self, slot: int) -> None:
        self._their_write(slot, self.versions.get(slot, 0) + 1)

    def _their_write(self, slot: int, version: int) -> None:
        self.versions[slot] = version
        key, entry = _theirs(self.pool, slot, version)
        _their_write(self.s3, self.bucket, _put(key, entry))
        self.theirs[THEIR_IDS[slot]] = (key, entry)

    @rule(slot=VARIANT)
    def their_remove(self, slot: int) -> None:
        _their_write(self.s3, self.bucket, _remove(THEIR_IDS[slot]))
        self.theirs.pop(THEIR_IDS[slot], None)

    def check(self) -> None:
        ids = self.ours["data"]["ConfigurationIds"] if self.ours else None
        _assert_state(self.s3, self.bucket, self.theirs, ids)


def test_interleaved_with_another_partys_changes_nothing_not_ours_changes(
    local: LocalCloudFormation, pool: dict[str, list[str]], aws: Any, unique: Any
) -> None:
    class Run(Interleaving):
        pass

    Run.local, Run.pool, Run.s3 = local, pool, aws("s3")
    Run.make_bucket = staticmethod(lambda: dest.bucket(aws, unique("nothing-lost")))
    run_state_machine_as_test(Run, settings=INTERLEAVING)


def _assert_state(
    s3: Any, bucket: str, theirs: dict[str, tuple[str, dict[str, Any]]], ours: str | None
) -> None:
    document = _document(s3, bucket)
    present = {e["Id"]: (key, e) for key, entries in document.items() for e in entries}
    for their_id, (key, entry) in theirs.items():
        assert their_id in present, f"another party's configuration {their_id} was removed"
        assert present[their_id][0] == key
        assert _canonical(present[their_id][1]) == _canonical(entry), f"{their_id} was changed"
    our_ids = set(ours.split(",")) if ours else set()
    unexpected = set(present) - set(theirs) - our_ids
    assert not unexpected, f"configurations nobody owns now: {unexpected}"
    assert our_ids <= set(present), "our own configurations are missing"
