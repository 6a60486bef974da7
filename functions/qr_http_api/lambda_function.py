"""HTTP API of the QR upload application: upload sessions and their presigned PUT URLs.

``POST /sessions`` creates a session for the desktop page that shows the QR code: the item
holds ``sessionId``, ``status`` (``AWAITING_SCAN`` until the phone's upload lands),
``createdAt``, ``expiresAt`` (epoch seconds, the table's TTL attribute), ``wsConnectionId``
(the desktop page's WebSocket connection, told when the upload arrives) and ``uploadKey``;
the answer carries a presigned PUT URL for exactly that key under ``session-uploads/``, valid
as long as the session. ``GET /sessions/{sessionId}`` reads a session back (for a page that
lost its WebSocket). The file is self-contained (boto3 and the standard library only): the
zip's root module, as the specification's handler name ``lambda_function.lambda_handler`` says.

Environment: ``SESSIONS_TABLE_NAME``, ``UPLOAD_BUCKET_NAME``, ``WS_API_ENDPOINT`` (as the
specification names them), ``SESSION_TTL_MINUTES`` (default 15), ``ALLOWED_ORIGIN``.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

UPLOAD_PREFIX = "session-uploads/"
AWAITING_SCAN = "AWAITING_SCAN"
DEFAULT_TTL_MINUTES = 15
CONNECTION_ID = re.compile(r"^[A-Za-z0-9_=+/-]{1,128}$")
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9.+-]{1,64}/[A-Za-z0-9.+-]{1,64}$")
FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


class BadRequest(Exception):
    """The request is malformed; the message names the field."""


# -- pure parts -------------------------------------------------------------------------------------
def new_session(
    body: dict[str, Any], *, now: float, ttl_seconds: int, session_id: str | None = None
) -> dict[str, Any]:
    """The sessions-table item for a POST /sessions body (validated)."""
    connection = body.get("wsConnectionId")
    if not isinstance(connection, str) or not CONNECTION_ID.match(connection):
        raise BadRequest("wsConnectionId: required, the WebSocket connection id of the page")
    content_type = body.get("contentType", "application/octet-stream")
    if not isinstance(content_type, str) or not CONTENT_TYPE.match(content_type):
        raise BadRequest("contentType: must be a MIME type such as image/jpeg")
    sid = session_id or uuid.uuid4().hex
    return {
        "sessionId": sid,
        "status": AWAITING_SCAN,
        "createdAt": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
        "expiresAt": int(now) + ttl_seconds,
        "wsConnectionId": connection,
        "uploadKey": f"{UPLOAD_PREFIX}{sid}/{safe_file_name(body.get('fileName'))}",
        "contentType": content_type,
    }


def safe_file_name(name: Any) -> str:
    """A key-safe file name; the phone's name is kept only as far as it is harmless."""
    if not isinstance(name, str) or not name.strip():
        return "upload"
    cleaned = FILE_NAME.sub("-", name.strip().rsplit("/", 1)[-1]).strip(".-")[:100]
    return cleaned or "upload"


def response(status: int, body: dict[str, Any], origin: str = "*") -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "access-control-allow-origin": origin},
        "body": json.dumps(body),
    }


def parse_body(event: dict[str, Any]) -> dict[str, Any]:
    raw = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        import base64

        raw = base64.b64decode(raw).decode("utf-8")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("body: not JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("body: must be a JSON object")
    return body


# -- AWS --------------------------------------------------------------------------------------------
def _clients() -> tuple[Any, Any]:
    # Presigned URLs must be SigV4: the upload bucket is KMS-encrypted.
    s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
    return boto3.resource("dynamodb").Table(os.environ["SESSIONS_TABLE_NAME"]), s3


def create_session(event: dict[str, Any]) -> dict[str, Any]:
    ttl = 60 * int(os.environ.get("SESSION_TTL_MINUTES", DEFAULT_TTL_MINUTES))
    item = new_session(parse_body(event), now=time.time(), ttl_seconds=ttl)
    table, s3 = _clients()
    table.put_item(Item=item, ConditionExpression="attribute_not_exists(sessionId)")
    url = s3.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": os.environ["UPLOAD_BUCKET_NAME"],
            "Key": item["uploadKey"],
            "ContentType": item["contentType"],
        },
        ExpiresIn=ttl,
    )
    return {**public(item), "uploadUrl": url, "uploadMethod": "PUT"}


def get_session(session_id: str) -> dict[str, Any] | None:
    if not SESSION_ID.match(session_id):
        raise BadRequest("sessionId: not a session id")
    table, _ = _clients()
    item = table.get_item(Key={"sessionId": session_id}).get("Item")
    if item is None or int(item.get("expiresAt", 0)) < time.time():
        return None
    return public(item)


def public(item: dict[str, Any]) -> dict[str, Any]:
    """The session as the page sees it (DynamoDB numbers as ints)."""
    keep = ("sessionId", "status", "createdAt", "expiresAt", "uploadKey", "uploadedAt", "objectSize")
    return {k: int(item[k]) if k in ("expiresAt", "objectSize") else item[k] for k in keep if k in item}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    origin = os.environ.get("ALLOWED_ORIGIN", "*")
    route = str(event.get("routeKey", ""))
    try:
        if route == "POST /sessions":
            return response(201, create_session(event), origin)
        if route == "GET /sessions/{sessionId}":
            session = get_session(str((event.get("pathParameters") or {}).get("sessionId", "")))
            if session is None:
                return response(404, {"message": "no such session (or it expired)"}, origin)
            return response(200, session, origin)
        return response(404, {"message": f"no route {route}"}, origin)
    except BadRequest as exc:
        return response(400, {"message": str(exc)}, origin)
