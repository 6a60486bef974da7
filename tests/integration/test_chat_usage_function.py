"""The chat usage function against moto server: real S3 objects, real-shaped S3 events."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import pytest

from gapfill.emulator.iam import load_role, signing_as
from gapfill.emulator.iam.roles import REPO
from tests.unit.test_chat_usage_samples import encoded, transcript


def s3_event(bucket: str, key: str, event_name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """The shape S3 sends to Lambda: the key is form-encoded."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2024-03-06T00:02:00.000Z",
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "gapfill-chat-usage",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key, safe="/"), "size": 1},
        },
    }


@pytest.fixture
def buckets(aws: Callable[[str], Any], unique: Callable[[str], str]) -> tuple[str, str]:
    s3 = aws("s3")
    source, target = unique("transcripts"), unique("usage")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=target)
    return source, target


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch, emulator: Any, buckets: tuple[str, str]) -> Callable[..., Any]:
    """The function, signing as the role templates/chat.yaml gives it (its usage bucket being
    the output bucket of the test)."""
    from functions.chat_usage import handler as module

    module._s3.cache_clear()
    monkeypatch.setenv("OUTPUT_PREFIX", "chat-usage/")
    source, _ = buckets

    def invoke(event: dict[str, Any]) -> Any:
        output = os.environ.get("OUTPUT_BUCKET") or source
        role = load_role(
            REPO / "templates" / "chat.yaml",
            "UsageFunctionRole",
            stack_name="contact-centre-Chat",
            parameters={"NotificationBucket": source, "TranscriptBucketPrefix": ""},
            attributes={"UsageBucket.Arn": f"arn:aws:s3:::{output}"},
        )
        with signing_as(role):
            return module.lambda_handler(event)

    return invoke


def _objects(s3: Any, bucket: str) -> dict[str, dict[str, Any]]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: json.loads(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()) for o in listed}


def test_batch_with_encoded_colon_key_and_malformed_transcript(
    aws: Callable[[str], Any],
    buckets: tuple[str, str],
    handler: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, target = buckets
    monkeypatch.setenv("OUTPUT_BUCKET", target)
    s3 = aws("s3")
    good_key = "connect/demo/ChatTranscripts/2024/03/05/c0ffee01_20240305T23:59_UTC.json"
    bad_key = "connect/demo/ChatTranscripts/2024/03/05/broken file.json"
    second_key = "connect/demo/ChatTranscripts/2024/03/05/c0ffee02.json"
    s3.put_object(Bucket=source, Key=good_key, Body=encoded(transcript("c0ffee01")))
    s3.put_object(Bucket=source, Key=bad_key, Body=b'{"ContactId": "x", "Transcript": ')
    s3.put_object(Bucket=source, Key=second_key, Body=encoded(transcript("c0ffee02")))

    result = handler(
        {"Records": [s3_event(source, good_key), s3_event(source, bad_key), s3_event(source, second_key)]}
    )

    assert result["written"] == 2
    assert result["malformed"] == 1
    assert result["results"][1]["key"] == bad_key
    written = _objects(s3, target)
    assert set(written) == {
        "chat-usage/year=2024/month=03/day=05/c0ffee01.json",
        "chat-usage/year=2024/month=03/day=05/c0ffee02.json",
    }
    record = written["chat-usage/year=2024/month=03/day=05/c0ffee01.json"]
    assert record["source"] == f"s3://{source}/{good_key}"
    assert record["customer_messages"] == 2
    assert record["duration_seconds"] == 107.5
    source_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=source)["Contents"]]
    assert sorted(source_keys) == sorted([good_key, bad_key, second_key])


def test_redelivery_overwrites_instead_of_duplicating(
    aws: Callable[[str], Any],
    buckets: tuple[str, str],
    handler: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, target = buckets
    monkeypatch.setenv("OUTPUT_BUCKET", target)
    s3 = aws("s3")
    key = "t/contact:1.json"
    s3.put_object(Bucket=source, Key=key, Body=encoded(transcript("c1")))
    handler({"Records": [s3_event(source, key)]})
    handler({"Records": [s3_event(source, key)]})
    assert list(_objects(s3, target)) == ["chat-usage/year=2024/month=03/day=05/c1.json"]


def test_same_bucket_output_never_retriggers(
    aws: Callable[[str], Any],
    buckets: tuple[str, str],
    handler: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, _ = buckets
    monkeypatch.delenv("OUTPUT_BUCKET", raising=False)
    s3 = aws("s3")
    s3.put_object(Bucket=source, Key="t/c2.json", Body=encoded(transcript("c2")))
    first = handler({"Records": [s3_event(source, "t/c2.json")]})
    output_key = first["results"][0]["output"].split(f"s3://{source}/", 1)[1]
    again = handler({"Records": [s3_event(source, output_key)]})
    assert again["results"] == [{"status": "skipped", "key": output_key, "reason": "own output"}]
    assert sorted(_objects(s3, source)) == [output_key, "t/c2.json"]


def test_missing_object_fails_the_batch_after_finishing_it(
    aws: Callable[[str], Any],
    buckets: tuple[str, str],
    handler: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, target = buckets
    monkeypatch.setenv("OUTPUT_BUCKET", target)
    s3 = aws("s3")
    s3.put_object(Bucket=source, Key="t/ok.json", Body=encoded(transcript("ok")))
    with pytest.raises(RuntimeError, match="1 of 2 records failed"):
        handler({"Records": [s3_event(source, "t/gone.json"), s3_event(source, "t/ok.json")]})
    assert list(_objects(s3, target)) == ["chat-usage/year=2024/month=03/day=05/ok.json"]
