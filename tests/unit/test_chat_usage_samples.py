"""Real-shaped Amazon Connect chat transcripts (fields as Connect writes them; ids are made up).

Shared by the unit and integration tests of the chat usage function; holds no tests itself."""

from __future__ import annotations

import json
from typing import Any

INSTANCE_ID = "11111111-2222-3333-4444-555555555555"


def transcript(contact_id: str = "c0ffee00-0000-4000-8000-000000000001") -> dict[str, Any]:
    """A chat with a customer, a bot/system greeting, an agent, an attachment and events."""
    return {
        "Version": "2019-08-26",
        "Participants": [
            {"ParticipantId": "p-customer"},
            {"ParticipantId": "p-agent"},
        ],
        "ContactId": contact_id,
        "InitialContactId": "c0ffee00-0000-4000-8000-000000000000",
        "InstanceId": INSTANCE_ID,
        "AWSAccountId": "123456789012",
        "Transcript": [
            {
                "AbsoluteTime": "2024-03-05T23:59:58.120Z",
                "ContentType": "application/vnd.amazonaws.connect.event.participant.joined",
                "Id": "e1",
                "Type": "EVENT",
                "ParticipantId": "p-customer",
                "DisplayName": "Customer",
                "ParticipantRole": "CUSTOMER",
            },
            {
                "AbsoluteTime": "2024-03-05T23:59:59.500Z",
                "Content": "Hello, thanks for contacting us.",
                "ContentType": "text/plain",
                "Id": "m1",
                "Type": "MESSAGE",
                "ParticipantId": "system",
                "DisplayName": "SYSTEM_MESSAGE",
                "ParticipantRole": "SYSTEM",
            },
            {
                "AbsoluteTime": "2024-03-06T00:00:03.000Z",
                "Content": "My parcel has not arrived",
                "ContentType": "text/plain",
                "Id": "m2",
                "Type": "MESSAGE",
                "ParticipantId": "p-customer",
                "DisplayName": "Customer",
                "ParticipantRole": "CUSTOMER",
            },
            {
                "AbsoluteTime": "2024-03-06T00:00:20.250Z",
                "ContentType": "application/vnd.amazonaws.connect.event.participant.joined",
                "Id": "e2",
                "Type": "EVENT",
                "ParticipantId": "p-agent",
                "DisplayName": "Agent",
                "ParticipantRole": "AGENT",
            },
            {
                "AbsoluteTime": "2024-03-06T00:00:31.000Z",
                "Content": "Let me check that for you.",
                "ContentType": "text/markdown",
                "Id": "m3",
                "Type": "MESSAGE",
                "ParticipantId": "p-agent",
                "DisplayName": "Agent",
                "ParticipantRole": "AGENT",
            },
            {
                "AbsoluteTime": "2024-03-06T00:01:02.000Z",
                "ContentType": "image/png",
                "Id": "a1",
                "Type": "ATTACHMENT",
                "ParticipantId": "p-customer",
                "ParticipantRole": "CUSTOMER",
                "Attachments": [
                    {
                        "AttachmentId": "att-1",
                        "AttachmentName": "label.png",
                        "ContentType": "image/png",
                        "Status": "APPROVED",
                    }
                ],
            },
            {
                "AbsoluteTime": "2024-03-06T00:01:30.000Z",
                "Content": "Thanks!",
                "ContentType": "text/plain",
                "Id": "m4",
                "Type": "MESSAGE",
                "ParticipantId": "p-customer",
                "DisplayName": "Customer",
                "ParticipantRole": "CUSTOMER",
            },
            {
                "AbsoluteTime": "2024-03-06T00:01:45.620Z",
                "ContentType": "application/vnd.amazonaws.connect.event.chat.ended",
                "Id": "e3",
                "Type": "EVENT",
                "ParticipantRole": "SYSTEM",
            },
        ],
    }


def encoded(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode("utf-8")
