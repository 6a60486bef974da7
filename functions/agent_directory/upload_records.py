"""A record of every upload to the agent directory folder, in DynamoDB, written idempotently.

The onboarding write-up keeps a table keyed by the object key with the S3 event's
``sequencer`` as range key, written for every upload. S3 delivers events at least once and
in no guaranteed order, so two rules hold here, both enforced by conditional writes:

* the same event twice writes once: the history item ``(objectKey, sequencer)`` is put only
  if it does not exist;
* an older event never overwrites a newer one: the ``(objectKey, "LATEST")`` item, which
  holds the object's newest known upload, is replaced only by a greater sequencer.

S3 documents how sequencers compare: for the same key, the greater hexadecimal value is the
later event, and strings of different lengths are compared after left-padding the shorter
with zeros. Sequencers are therefore stored left-padded to a fixed width, so DynamoDB's
string comparison (and the range key's sort order) is S3's order.

Environment: ``UPLOADS_TABLE`` (no table, no records).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from providers.core.aws import client, error_code
from providers.core.log import logger

LATEST = "LATEST"  # sorts after every padded sequencer (upper-case hex digits are 0-9A-F)
WIDTH = 32


def padded(sequencer: str) -> str:
    """S3's sequencer, upper-cased and left-padded so that string order is event order."""
    value = sequencer.strip().upper()
    return value.rjust(max(WIDTH, len(value)), "0")


def upload_records(event: Mapping[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """The DynamoDB items (history rows) for the ObjectCreated records of an S3 event."""
    items = []
    for record in event.get("Records") or []:
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith(
            "ObjectCreated"
        ):
            continue
        s3 = record.get("s3") or {}
        obj = s3.get("object") or {}
        key = unquote_plus(str(obj.get("key", "")))
        sequencer = str(obj.get("sequencer") or "")
        if not key.startswith(prefix) or not sequencer:
            continue
        item = {
            "objectKey": {"S": key},
            "sequencer": {"S": padded(sequencer)},
            "bucket": {"S": str((s3.get("bucket") or {}).get("name", ""))},
            "size": {"N": str(int(obj.get("size", 0)))},
            "eTag": {"S": str(obj.get("eTag", ""))},
            "eventTime": {"S": str(record.get("eventTime", ""))},
            "eventName": {"S": str(record.get("eventName", ""))},
        }
        if obj.get("versionId"):
            item["versionId"] = {"S": str(obj["versionId"])}
        items.append(item)
    return items


def write(table: str, item: dict[str, Any]) -> tuple[bool, bool]:
    """(history written, latest replaced): each write is conditional, so repeats are no-ops."""
    dynamodb = client("dynamodb")
    wrote = _conditional_put(dynamodb, table, item, "attribute_not_exists(objectKey)", {})
    latest = {**item, "sequencer": {"S": LATEST}, "latestSequencer": item["sequencer"]}
    replaced = _conditional_put(
        dynamodb,
        table,
        latest,
        "attribute_not_exists(objectKey) OR latestSequencer < :sequencer",
        {":sequencer": item["sequencer"]},
    )
    return wrote, replaced


def _conditional_put(
    dynamodb: Any, table: str, item: dict[str, Any], condition: str, values: dict[str, Any]
) -> bool:
    try:
        dynamodb.put_item(
            TableName=table,
            Item=item,
            ConditionExpression=condition,
            **({"ExpressionAttributeValues": values} if values else {}),
        )
    except Exception as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_uploads(event: Mapping[str, Any]) -> int:
    """Write the event's upload records when ``UPLOADS_TABLE`` is set; returns new history rows."""
    table = os.environ.get("UPLOADS_TABLE", "").strip()
    if not table:
        return 0
    written = 0
    for item in upload_records(event, os.environ.get("DIRECTORY_PREFIX", "")):
        wrote, replaced = write(table, item)
        written += int(wrote)
        logger.info(
            "upload recorded" if wrote else "upload already recorded",
            extra={"key": item["objectKey"]["S"], "sequencer": item["sequencer"]["S"], "latest": replaced},
        )
    return written
