"""Pure usage logic: counting, timing, keys, guards against malformed input and self-triggering."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.chat_usage.usage import (
    MalformedTranscript,
    compute_usage,
    decode_key,
    is_own_output,
    parse_transcript,
    usage_key,
)
from tests.unit.test_chat_usage_samples import encoded, transcript

FALLBACK = datetime(2030, 1, 2, tzinfo=UTC)


def test_counts_messages_by_role_and_times_the_contact() -> None:
    usage = compute_usage(parse_transcript(encoded(transcript())), source="s3://b/k")
    record = usage.record()
    assert record["customer_messages"] == 2
    assert record["agent_messages"] == 1
    assert record["system_messages"] == 1
    assert record["total_messages"] == 4
    assert record["attachments"] == 1
    assert record["events"] == 3
    assert record["participants"] == 2
    assert record["first_message_at"] == "2024-03-05T23:59:58.120Z"
    assert record["last_message_at"] == "2024-03-06T00:01:45.620Z"
    assert record["duration_seconds"] == 107.5
    assert record["instance_id"] == "11111111-2222-3333-4444-555555555555"
    assert record["source"] == "s3://b/k"


def test_key_is_partitioned_by_contact_start_not_by_processing_time() -> None:
    usage = compute_usage(transcript(), source="s3://b/k")
    key = usage_key("/chat-usage/", usage, FALLBACK)
    assert key == "chat-usage/year=2024/month=03/day=05/c0ffee00-0000-4000-8000-000000000001.json"


def test_key_without_timestamps_uses_the_event_time() -> None:
    document = transcript()
    for item in document["Transcript"]:
        del item["AbsoluteTime"]
    usage = compute_usage(document, source="s3://b/k")
    assert usage.duration_seconds is None
    assert usage_key("", usage, FALLBACK).startswith("year=2030/month=01/day=02/")


def test_decode_key_handles_colons_spaces_and_plus() -> None:
    raw = "connect/inst/ChatTranscripts/2024/03/05/c1_20240305T23%3A59_UTC+copy%2B1.json"
    assert decode_key(raw) == "connect/inst/ChatTranscripts/2024/03/05/c1_20240305T23:59_UTC copy+1.json"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"Transcript": []}).encode(), "no ContactId"),
        (json.dumps({"ContactId": "c", "Transcript": {"a": 1}}).encode(), "no Transcript list"),
        (json.dumps({"ContactId": "c", "Transcript": ["x"]}).encode(), "Transcript[0]"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_transcripts_are_named(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedTranscript, match=re.escape(reason)):
        parse_transcript(body)


def test_bad_timestamp_is_malformed() -> None:
    document = transcript()
    document["Transcript"][2]["AbsoluteTime"] = "yesterday"
    with pytest.raises(MalformedTranscript, match="yesterday"):
        compute_usage(document, source="s3://b/k")


def test_own_output_is_recognised_only_in_its_bucket_and_prefix() -> None:
    assert is_own_output("b", "chat-usage/year=2024/x.json", "b", "chat-usage/")
    assert not is_own_output("b", "chat-usage-other/x.json", "b", "chat-usage")
    assert not is_own_output("other", "chat-usage/x.json", "b", "chat-usage")
    assert is_own_output("b", "anything", "b", "")


@given(st.lists(st.sampled_from(["CUSTOMER", "AGENT", "SYSTEM", "CUSTOM_BOT"]), max_size=40))
def test_total_is_the_sum_of_roles(roles: list[str]) -> None:
    document = transcript()
    document["Transcript"] = [
        {"Type": "MESSAGE", "ParticipantRole": role, "AbsoluteTime": f"2024-01-01T00:00:{i % 60:02d}Z"}
        for i, role in enumerate(roles)
    ]
    record = compute_usage(document, source="s").record()
    parts = ("customer_messages", "agent_messages", "system_messages", "other_messages")
    assert sum(record[p] for p in parts) == record["total_messages"] == len(roles)
