"""The agent directory function's upload records against moto server over HTTP: keyed by
object key and sequencer, the same event twice writes once, an older event never replaces
the newest record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from functions.agent_directory import handler
from functions.agent_directory.upload_records import LATEST, padded, record_uploads


@pytest.fixture
def table(aws: Callable[[str], Any], unique: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> str:
    name = unique("agent-uploads")
    aws("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "objectKey", "AttributeType": "S"},
            {"AttributeName": "sequencer", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "objectKey", "KeyType": "HASH"},
            {"AttributeName": "sequencer", "KeyType": "RANGE"},
        ],
    )
    monkeypatch.setenv("UPLOADS_TABLE", name)
    monkeypatch.setenv("DIRECTORY_PREFIX", "agents/")
    return name


def event(key: str, sequencer: str, size: int = 10, etag: str = "abc") -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2026-12-01T10:00:00.000Z",
                "s3": {
                    "bucket": {"name": "directory-bucket"},
                    "object": {"key": key, "size": size, "eTag": etag, "sequencer": sequencer},
                },
            }
        ]
    }


def rows(aws: Any, table: str, key: str) -> list[dict[str, Any]]:
    reply = aws("dynamodb").query(
        TableName=table,
        KeyConditionExpression="objectKey = :k",
        ExpressionAttributeValues={":k": {"S": key}},
    )
    return list(reply["Items"])


def test_the_same_event_twice_writes_once(aws: Any, table: str) -> None:
    assert record_uploads(event("agents/team+a.csv", "0055AED6DCD90281E5")) == 1
    assert record_uploads(event("agents/team+a.csv", "0055AED6DCD90281E5")) == 0
    found = rows(aws, table, "agents/team a.csv")
    assert [r["sequencer"]["S"] for r in found] == [padded("0055AED6DCD90281E5"), LATEST]
    history = found[0]
    assert (history["size"], history["eTag"], history["eventTime"]) == (
        {"N": "10"},
        {"S": "abc"},
        {"S": "2026-12-01T10:00:00.000Z"},
    )


def test_an_older_event_never_replaces_the_newest_record(aws: Any, table: str) -> None:
    newer, older = "0055AED6DCD90281F0", "55AED6DCD90281E5"  # shorter is older: S3 left-pads
    assert record_uploads(event("agents/a.csv", newer, size=2, etag="new")) == 1
    assert record_uploads(event("agents/a.csv", older, size=1, etag="old")) == 1
    latest = next(r for r in rows(aws, table, "agents/a.csv") if r["sequencer"]["S"] == LATEST)
    assert latest["eTag"] == {"S": "new"}
    assert latest["latestSequencer"] == {"S": padded(newer)}
    assert len(rows(aws, table, "agents/a.csv")) == 3  # both events' history, one LATEST
    assert record_uploads(event("agents/a.csv", "0055AED6DCD9028200", etag="newest")) == 1
    latest = next(r for r in rows(aws, table, "agents/a.csv") if r["sequencer"]["S"] == LATEST)
    assert latest["eTag"] == {"S": "newest"}


def test_sequencers_compare_as_s3_documents() -> None:
    assert padded("55AED6DCD90281E5") < padded("0055AED6DCD90281F0")
    assert padded("ff") == padded("FF")
    assert padded("0" * 40 + "1") == "0" * 40 + "1"


def test_the_upload_function_records_every_upload(
    aws: Any, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the function's entry point: a non-CSV upload is recorded and not synced."""
    monkeypatch.setenv("INSTANCE_ID", "00000000-0000-4000-8000-000000000000")
    monkeypatch.setenv("OWNER", "upload-records-test")
    result = handler.lambda_handler(event("agents/notes.txt", "0055AED6DCD9028300"), None)
    assert result == {"results": []}
    assert len(rows(aws, table, "agents/notes.txt")) == 2
    handler.lambda_handler(event("elsewhere/x.csv", "0055AED6DCD9028301"), None)
    assert rows(aws, table, "elsewhere/x.csv") == []
