"""Pure usage computation for Amazon Connect chat transcripts (no AWS here).

A transcript is the JSON document Connect writes to the instance's chat transcript bucket:
``Version``, ``AWSAccountId``, ``InstanceId``, ``InitialContactId``, ``ContactId``,
``Participants`` and ``Transcript`` items with ``AbsoluteTime``, ``ParticipantRole``
(CUSTOMER / AGENT / SYSTEM / ...), ``Type`` (MESSAGE / EVENT / ATTACHMENT / ...) and
``ContentType``. The record written per contact is one JSON line in a
``year=/month=/day=`` partition so that Athena's JSON SerDe and partition projection read
it directly, under a key derived from the contact id so that a redelivered S3 event
overwrites rather than duplicates.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

ROLES = ("CUSTOMER", "AGENT", "SYSTEM")
MAX_TRANSCRIPT_BYTES = 50 * 1024 * 1024


class MalformedTranscript(ValueError):
    """The object is not a chat transcript this function can account for."""


def decode_key(raw_key: str) -> str:
    """S3 event keys are form-encoded: ``+`` is a space, ``%3A`` a colon."""
    return unquote_plus(raw_key)


def parse_time(value: Any) -> datetime:
    """``2024-03-05T10:15:30.123Z`` -> aware UTC datetime; anything else is malformed."""
    if not isinstance(value, str) or not value:
        raise MalformedTranscript(f"AbsoluteTime is not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedTranscript(f"AbsoluteTime is not a timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_transcript(body: bytes | str) -> dict[str, Any]:
    """Decode and shape-check a transcript; raise :class:`MalformedTranscript` otherwise."""
    if isinstance(body, bytes):
        if len(body) > MAX_TRANSCRIPT_BYTES:
            raise MalformedTranscript(f"transcript is larger than {MAX_TRANSCRIPT_BYTES} bytes")
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedTranscript("transcript is not UTF-8") from exc
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise MalformedTranscript(f"transcript is not JSON: {exc.msg} at offset {exc.pos}") from exc
    if not isinstance(document, dict):
        raise MalformedTranscript("transcript is not a JSON object")
    contact_id = document.get("ContactId")
    if not isinstance(contact_id, str) or not contact_id:
        raise MalformedTranscript("transcript has no ContactId")
    items = document.get("Transcript")
    if not isinstance(items, list):
        raise MalformedTranscript("transcript has no Transcript list")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise MalformedTranscript(f"Transcript[{index}] is not an object")
    return document


@dataclass(frozen=True)
class Usage:
    """One contact's chat usage, as written for Athena."""

    contact_id: str
    initial_contact_id: str | None
    instance_id: str | None
    account_id: str | None
    messages: dict[str, int]
    attachments: int
    events: int
    participants: int
    first_at: datetime | None
    last_at: datetime | None
    source: str

    @property
    def duration_seconds(self) -> float | None:
        if self.first_at is None or self.last_at is None:
            return None
        return round((self.last_at - self.first_at).total_seconds(), 3)

    def record(self) -> dict[str, Any]:
        """The JSON record; column names match the Glue table ``chat_usage``."""
        return {
            "contact_id": self.contact_id,
            "initial_contact_id": self.initial_contact_id,
            "instance_id": self.instance_id,
            "account_id": self.account_id,
            "customer_messages": self.messages.get("CUSTOMER", 0),
            "agent_messages": self.messages.get("AGENT", 0),
            "system_messages": self.messages.get("SYSTEM", 0),
            "other_messages": sum(v for k, v in self.messages.items() if k not in ROLES),
            "total_messages": sum(self.messages.values()),
            "attachments": self.attachments,
            "events": self.events,
            "participants": self.participants,
            "first_message_at": _iso(self.first_at),
            "last_message_at": _iso(self.last_at),
            "duration_seconds": self.duration_seconds,
            "source": self.source,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


def _text(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) and value else None


def compute_usage(document: Mapping[str, Any], source: str) -> Usage:
    """Count messages by participant role and time the conversation.

    Every item with an ``AbsoluteTime`` bounds the conversation (events such as
    ``participant.joined`` included), since the contact lasts from its first to its last
    recorded moment.
    """
    messages: Counter[str] = Counter()
    attachments = events = 0
    times: list[datetime] = []
    for item in document.get("Transcript", []):
        kind = str(item.get("Type", "")).upper()
        role = str(item.get("ParticipantRole") or "UNKNOWN").upper()
        if kind == "MESSAGE":
            messages[role] += 1
        elif kind == "ATTACHMENT":
            attachments += 1
        elif kind == "EVENT":
            events += 1
        if item.get("AbsoluteTime") is not None:
            times.append(parse_time(item["AbsoluteTime"]))
    participants = document.get("Participants")
    return Usage(
        contact_id=str(document["ContactId"]),
        initial_contact_id=_text(document, "InitialContactId"),
        instance_id=_text(document, "InstanceId"),
        account_id=_text(document, "AWSAccountId"),
        messages=dict(messages),
        attachments=attachments,
        events=events,
        participants=len(participants) if isinstance(participants, list) else 0,
        first_at=min(times) if times else None,
        last_at=max(times) if times else None,
        source=source,
    )


def usage_key(prefix: str, usage: Usage, fallback: datetime) -> str:
    """``<prefix>year=2024/month=03/day=05/<ContactId>.json``, dated by the contact's start."""
    when = usage.first_at or fallback.astimezone(UTC)
    clean = prefix.strip("/")
    head = f"{clean}/" if clean else ""
    safe_id = "".join(c if c.isalnum() or c in "-_." else "_" for c in usage.contact_id)
    return f"{head}year={when:%Y}/month={when:%m}/day={when:%d}/{safe_id}.json"


def is_own_output(bucket: str, key: str, output_bucket: str, output_prefix: str) -> bool:
    """True for an object this function wrote: processing it would loop."""
    clean = output_prefix.strip("/")
    return bucket == output_bucket and (not clean or key == clean or key.startswith(clean + "/"))
