"""Nothing lost (protocol rule 6), S3 bucket notifications, at the protocol level.

Hypothesis interleaves our Create/Update/Delete (through the real handler, over the local
ResponseURL, against the emulator) with another party's read-modify-write of its own
configurations on the same bucket: adding, changing and removing entries, including one
whose Id starts with our ``gapfill-`` prefix. After every step, every configuration that is
not ours must be exactly as its owner last wrote it, and ours exactly as the template says.
(The merge function itself is property-tested in tests/unit/test_s3_notification_config.py.)
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapfill.local.protocol import LocalCloudFormation
from tests.contract.suite import assert_one_valid_response
from tests.integration import s3_destinations as dest
from tests.nothing_lost.plans import Step, with_create

TYPE = "Custom::S3BucketNotification"
OUR_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]
THEIR_IDS = ["their-a", "their-b", "gapfill-lookalike-of-ours"]

steps = with_create(
    st.tuples(st.sampled_from(["their-put", "their-change", "their-remove"]), st.integers(0, 2)), max_size=9
)


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
            for rule in entry.get("Filter", {}).get("Key", {}).get("FilterRules", []):
                rule["Name"] = rule["Name"].lower()
    change(document)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=document)


@settings(
    max_examples=int(__import__("os").environ.get("GAPFILL_NOTHING_LOST_EXAMPLES", "20")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_interleaved_with_another_partys_changes_nothing_not_ours_changes(
    plan: list[Step], local: LocalCloudFormation, pool: dict[str, list[str]], aws: Any, unique: Any
) -> None:
    s3 = aws("s3")
    bucket = dest.bucket(aws, unique("nothing-lost"))
    theirs: dict[str, tuple[str, dict[str, Any]]] = {}  # Id -> (document key, entry) as last written
    versions: dict[int, int] = {}
    ours: dict[str, Any] | None = None  # (physical id, properties, our configuration ids)
    for action, arg in plan:
        if action.startswith("ours"):
            props = {"BucketName": bucket, "NotificationConfiguration": _ours(pool, arg)}
            if action == "ours-create" and ours is None:
                answer = local.create(TYPE, props, logical_id="Notifications")
                body = assert_one_valid_response(answer, "SUCCESS")
                ours = {
                    "pid": body["PhysicalResourceId"],
                    "props": props,
                    "ids": answer.data["ConfigurationIds"],
                }
            elif action == "ours-update" and ours is not None:
                answer = local.update(TYPE, ours["pid"], props, ours["props"], logical_id="Notifications")
                assert_one_valid_response(answer, "SUCCESS")
                ours = {**ours, "props": props, "ids": answer.data["ConfigurationIds"]}
            elif action == "ours-delete" and ours is not None:
                answer = local.delete(TYPE, ours["pid"], ours["props"], logical_id="Notifications")
                assert_one_valid_response(answer, "SUCCESS")
                ours = None
        else:
            their_id = THEIR_IDS[arg]
            if action == "their-remove":

                def remove(doc: dict[str, Any], their_id: str = their_id) -> None:
                    for key in list(doc):
                        if isinstance(doc[key], list):
                            doc[key] = [e for e in doc[key] if e.get("Id") != their_id]

                _their_write(s3, bucket, remove)
                theirs.pop(their_id, None)
            else:
                versions[arg] = versions.get(arg, 0) + (1 if action == "their-change" else 0)
                key, entry = _theirs(pool, arg, versions[arg])

                def put(doc: dict[str, Any], key: str = key, entry: dict[str, Any] = entry) -> None:
                    for k in list(doc):
                        if isinstance(doc[k], list):
                            doc[k] = [e for e in doc[k] if e.get("Id") != entry["Id"]]
                    doc.setdefault(key, []).append(copy.deepcopy(entry))

                _their_write(s3, bucket, put)
                theirs[their_id] = (key, entry)
        _assert_state(s3, bucket, theirs, ours)


def _assert_state(
    s3: Any, bucket: str, theirs: dict[str, tuple[str, dict[str, Any]]], ours: dict[str, Any] | None
) -> None:
    document = _document(s3, bucket)
    present = {e["Id"]: (key, e) for key, entries in document.items() for e in entries}
    for their_id, (key, entry) in theirs.items():
        assert their_id in present, f"another party's configuration {their_id} was removed"
        assert present[their_id][0] == key
        assert _canonical(present[their_id][1]) == _canonical(entry), f"{their_id} was changed"
    our_ids = set(ours["ids"].split(",")) if ours else set()
    unexpected = set(present) - set(theirs) - our_ids
    assert not unexpected, f"configurations nobody owns now: {unexpected}"
    assert our_ids <= set(present), "our own configurations are missing"
