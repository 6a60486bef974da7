"""The QR upload application's two functions against moto server over HTTP: a session is
created with a presigned PUT URL, the phone's PUT lands under session-uploads/, the upload's
S3 event marks the session UPLOADED and the page's WebSocket connection is told."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from functions.qr_http_api import lambda_function as http_api
from functions.qr_websocket_event import lambda_function as ws_event
from gapfill.emulator import Emulator


@pytest.fixture
def app(
    emulator: Emulator,
    aws: Callable[[str], Any],
    unique: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    table, bucket = unique("qr-upload-sessions-dev"), unique("qr-upload-uploads-dev")
    aws("dynamodb").create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "sessionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "sessionId", "KeyType": "HASH"}],
    )
    aws("s3").create_bucket(Bucket=bucket)
    env = {"SESSIONS_TABLE_NAME": table, "UPLOAD_BUCKET_NAME": bucket, "WS_API_ENDPOINT": emulator.endpoint}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return env


def posted(connection: str) -> list[dict[str, Any]]:
    """What the management API delivered to a connection (moto keeps the bytes)."""
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    data = apigatewaymanagementapi_backends["123456789012"]["us-east-1"].connections[connection].data
    decoder, text, found, index = json.JSONDecoder(), data.decode(), [], 0
    while index < len(text):
        value, index = decoder.raw_decode(text, index)
        found.append(value)
    return found


def s3_event(bucket: str, key: str, size: int) -> dict[str, Any]:
    """An ObjectCreated event as S3 sends it (the key URL-encoded)."""
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2026-12-01T10:00:00.000Z",
                "s3": {"bucket": {"name": bucket}, "object": {"key": key.replace(" ", "+"), "size": size}},
            }
        ]
    }


def create(body: dict[str, Any]) -> dict[str, Any]:
    return http_api.lambda_handler({"routeKey": "POST /sessions", "body": json.dumps(body)}, None)


def test_a_session_from_creation_to_the_browser_being_told(app: dict[str, str], aws: Any) -> None:
    connection = "conn-" + str(time.time_ns())
    answer = create(
        {"wsConnectionId": connection, "fileName": "receipt photo.jpg", "contentType": "image/jpeg"}
    )
    assert answer["statusCode"] == 201, answer
    session = json.loads(answer["body"])
    item = aws("dynamodb").get_item(
        TableName=app["SESSIONS_TABLE_NAME"], Key={"sessionId": {"S": session["sessionId"]}}
    )["Item"]
    assert item["status"] == {"S": "AWAITING_SCAN"}
    assert item["wsConnectionId"] == {"S": connection}
    assert item["uploadKey"] == {"S": f"session-uploads/{session['sessionId']}/receipt-photo.jpg"}
    assert item["createdAt"]["S"].endswith("Z")
    assert 0 < int(item["expiresAt"]["N"]) - time.time() <= 900
    # The phone PUTs the file to the presigned URL.
    request = urllib.request.Request(
        session["uploadUrl"], data=b"\xff\xd8jpeg", method="PUT", headers={"Content-Type": "image/jpeg"}
    )
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 200
    head = aws("s3").head_object(Bucket=app["UPLOAD_BUCKET_NAME"], Key=session["uploadKey"])
    assert head["ContentLength"] == 6
    result = ws_event.lambda_handler(s3_event(app["UPLOAD_BUCKET_NAME"], session["uploadKey"], 6), None)
    assert result == {"uploads": 1, "sessionsUpdated": 1}
    assert posted(connection) == [
        {
            "type": "upload",
            "sessionId": session["sessionId"],
            "status": "UPLOADED",
            "uploadKey": session["uploadKey"],
            "objectSize": 6,
        }
    ]
    read = http_api.lambda_handler(
        {"routeKey": "GET /sessions/{sessionId}", "pathParameters": {"sessionId": session["sessionId"]}}, None
    )
    assert json.loads(read["body"])["status"] == "UPLOADED"


def test_an_upload_under_a_key_the_session_did_not_issue_changes_nothing(
    app: dict[str, str], aws: Any
) -> None:
    session = json.loads(create({"wsConnectionId": "conn-stray"})["body"])
    stray = f"session-uploads/{session['sessionId']}/other.bin"
    unknown = "session-uploads/" + "0" * 32 + "/x.bin"
    result = ws_event.lambda_handler(s3_event(app["UPLOAD_BUCKET_NAME"], stray, 1), None)
    assert result == {"uploads": 1, "sessionsUpdated": 0}
    assert (
        ws_event.lambda_handler(s3_event(app["UPLOAD_BUCKET_NAME"], unknown, 1), None)["sessionsUpdated"] == 0
    )
    item = aws("dynamodb").get_item(
        TableName=app["SESSIONS_TABLE_NAME"], Key={"sessionId": {"S": session["sessionId"]}}
    )["Item"]
    assert item["status"] == {"S": "AWAITING_SCAN"}


def test_bad_requests_name_the_field(app: dict[str, str]) -> None:
    missing = create({})
    assert missing["statusCode"] == 400
    assert "wsConnectionId" in json.loads(missing["body"])["message"]
    bad_type = create({"wsConnectionId": "c1", "contentType": "text/html; x=<script>"})
    assert bad_type["statusCode"] == 400
    assert "contentType" in bad_type["body"]
    gone = http_api.lambda_handler(
        {"routeKey": "GET /sessions/{sessionId}", "pathParameters": {"sessionId": "f" * 32}}, None
    )
    assert gone["statusCode"] == 404


def test_websocket_routes_record_connections_and_answer_with_the_id(app: dict[str, str], aws: Any) -> None:
    connection = "ws-" + str(time.time_ns())

    def route(key: str) -> dict[str, Any]:
        return ws_event.lambda_handler(
            {"requestContext": {"routeKey": key, "connectionId": connection}}, None
        )

    key = {"sessionId": {"S": f"connection#{connection}"}}
    assert route("$connect") == {"statusCode": 200}
    assert "Item" in aws("dynamodb").get_item(TableName=app["SESSIONS_TABLE_NAME"], Key=key)
    assert route("$default") == {"statusCode": 200}
    assert posted(connection) == [{"type": "connection", "connectionId": connection}]
    assert route("$disconnect") == {"statusCode": 200}
    assert "Item" not in aws("dynamodb").get_item(TableName=app["SESSIONS_TABLE_NAME"], Key=key)


def test_keys_outside_the_session_layout_are_not_sessions() -> None:
    assert ws_event.session_of("session-uploads/abc/file.jpg") == "abc"
    assert ws_event.session_of("session-uploads/abc/deeper/file.jpg") is None
    assert ws_event.session_of("elsewhere/abc/file.jpg") is None
    assert http_api.safe_file_name("../../etc/passwd") == "passwd"
    assert http_api.safe_file_name("") == "upload"
