"""The QR upload application's two functions against moto server over HTTP: a session is
created with a presigned PUT URL, the phone's PUT lands under session-uploads/, the upload's
S3 event marks the session UPLOADED and the page's WebSocket connection is told."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from functions.qr_http_api import lambda_function as http_api
from functions.qr_websocket_event import lambda_function as ws_event
from gapfill.emulator import Emulator
from gapfill.emulator.iam import Role, load_role, policy, report, signing_as
from gapfill.emulator.iam.middleware import evaluate
from gapfill.emulator.iam.requests import Call
from gapfill.emulator.iam.roles import REPO

TEMPLATE = REPO / "templates" / "qr-upload.yaml"
#: The stack the QR upload application is deployed as, and the ids its roles name.
STACK = "qr-upload-dev"
WEBSOCKET_API = "a1b2c3d4e5"
DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"


def roles(table: str, bucket: str) -> dict[str, Role]:
    """The two functions' roles as templates/qr-upload.yaml deploys them for this table and bucket."""
    attributes = {
        "SessionsTable.Arn": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}",
        "UploadBucket.Arn": f"arn:aws:s3:::{bucket}",
        "DataKey.Arn": DATA_KEY,
        "WebSocketApi": WEBSOCKET_API,
    }
    parameters = {"Environment": "dev", "LambdaDeploymentBucket": "qr-upload-deploy"}
    return {
        name: load_role(
            TEMPLATE, f"{name}FunctionRole", stack_name=STACK, parameters=parameters, attributes=attributes
        )
        for name in ("HttpApi", "WebSocketEvent")
    }


@pytest.fixture
def app(
    emulator: Emulator,
    aws: Callable[[str], Any],
    unique: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
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
    found = roles(table, bucket)
    monkeypatch.setattr(http_api, "lambda_handler", as_role(http_api.lambda_handler, found["HttpApi"]))
    monkeypatch.setattr(ws_event, "lambda_handler", as_role(ws_event.lambda_handler, found["WebSocketEvent"]))
    return {**env, "roles": found}


def as_role(handler: Callable[..., Any], role: Role) -> Callable[..., Any]:
    """The handler run as Lambda runs it: every AWS call signed with its shipped role's key. Each
    function has its own process on Lambda; here boto3's default session, which keeps the first
    credentials it resolves, is made afresh for each run so one function never signs as the other."""

    def run(event: dict[str, Any], context: Any) -> Any:
        with signing_as(role):
            boto3.DEFAULT_SESSION = None
            try:
                return handler(event, context)
            finally:
                boto3.DEFAULT_SESSION = None

    return run


def evaluated(role: Role, start: int) -> list[tuple[str, str, str]]:
    """(operation, action, decision) of each need the role's calls since ``start`` were checked for."""
    return [
        (entry["operation"], need["action"], need["decision"])
        for entry in report.calls()[start:]
        if entry["role"] == role.name
        for need in entry["needs"]
    ]


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


def test_a_session_from_creation_to_the_browser_being_told(app: dict[str, Any], aws: Any) -> None:
    start = len(report.calls())  # the session's report keeps everything before this test
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
    # Every DynamoDB call was checked against the function's shipped role, and allowed.
    assert evaluated(app["roles"]["HttpApi"], start) == [
        ("PutItem", "dynamodb:PutItem", "allow"),
        ("GetItem", "dynamodb:GetItem", "allow"),
    ]
    assert evaluated(app["roles"]["WebSocketEvent"], start) == [
        ("UpdateItem", "dynamodb:UpdateItem", "allow")
    ]


def test_the_presigned_url_is_signed_as_the_http_role_which_may_put_only_session_uploads(
    app: dict[str, Any],
) -> None:
    """A presigned URL carries its signer's permissions: the phone's PUT is authorised by the HTTP
    API function's role. The emulator's IAM layer reads the credential of the Authorization header
    only, so the PUT itself is not evaluated there; the role is asked directly for what S3 would
    check (s3:PutObject on the object)."""
    role = app["roles"]["HttpApi"]
    session = json.loads(create({"wsConnectionId": "conn-presign"})["body"])
    query = parse_qs(urlsplit(session["uploadUrl"]).query)
    assert query["X-Amz-Credential"][0].startswith(role.access_key + "/")

    def put(key: str) -> list[tuple[str, str, str]]:
        call = Call(
            role.access_key,
            "us-east-1",
            "s3",
            "PutObject",
            {"Bucket": app["UPLOAD_BUCKET_NAME"], "Key": key},
            "rest-xml",
        )
        return [(need.action, need.resource, decision) for need, decision in evaluate(role, call)]

    bucket_arn = f"arn:aws:s3:::{app['UPLOAD_BUCKET_NAME']}"
    assert put(session["uploadKey"]) == [("s3:PutObject", f"{bucket_arn}/{session['uploadKey']}", "allow")]
    assert put("site/index.html") == [("s3:PutObject", f"{bucket_arn}/site/index.html", "implicit-deny")]


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


def test_the_websocket_role_may_tell_connections_of_its_own_api_stage_only(app: dict[str, Any]) -> None:
    """PostToConnection is authorised by execute-api:ManageConnections on
    ``<api>/<stage>/POST/@connections/<id>`` (Service Authorization Reference, execute-api). Its
    requests are signed as ``execute-api``, which the emulator's IAM layer does not map to the
    management API's model, so the call is not evaluated there; the role is asked directly."""
    role = app["roles"]["WebSocketEvent"]
    prefix = "arn:aws:execute-api:us-east-1:123456789012"

    def may(resource: str) -> str:
        return policy.decide(role.policies, "execute-api:ManageConnections", resource, {})

    assert may(f"{prefix}:{WEBSOCKET_API}/dev/POST/@connections/conn-1") == "allow"
    assert may(f"{prefix}:{WEBSOCKET_API}/dev/DELETE/@connections/conn-1") == "implicit-deny"
    assert may(f"{prefix}:{WEBSOCKET_API}/prod/POST/@connections/conn-1") == "implicit-deny"
    assert may(f"{prefix}:otherapi00/dev/POST/@connections/conn-1") == "implicit-deny"


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
