"""WebSocket routes and upload events of the QR upload application.

One function serves two kinds of event, as the specification's "WebSocket/event handler":

* API Gateway WebSocket routes. ``$connect`` records the connection in the sessions table
  (item ``connection#<id>``, expiring with ``expiresAt``), ``$disconnect`` removes it, and a
  message on ``$default`` is answered with the connection id, which the desktop page sends
  as ``wsConnectionId`` when it creates an upload session.
* S3 ``ObjectCreated`` events for ``session-uploads/<sessionId>/...``. The session is updated
  to ``UPLOADED`` only if it exists and this is the key it issued (a conditional write, so a
  stray or repeated upload changes nothing it should not), then the browser is told through
  the API Gateway management API (``WS_API_ENDPOINT``). A connection that has gone away
  (GoneException) is removed; the session keeps its new status for GET /sessions/{id}.

Environment: ``SESSIONS_TABLE_NAME``, ``UPLOAD_BUCKET_NAME``, ``WS_API_ENDPOINT``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import boto3

UPLOAD_PREFIX = "session-uploads/"
UPLOADED = "UPLOADED"
CONNECTION_PREFIX = "connection#"
CONNECTION_TTL_SECONDS = 2 * 3600  # API Gateway closes WebSocket connections after 2 hours
log = logging.getLogger("qr-upload")
log.setLevel(logging.INFO)


# -- pure parts -------------------------------------------------------------------------------------
def session_of(key: str) -> str | None:
    """The session id in ``session-uploads/<sessionId>/<file>``, or None for other keys."""
    if not key.startswith(UPLOAD_PREFIX):
        return None
    parts = key[len(UPLOAD_PREFIX) :].split("/")
    return parts[0] if len(parts) == 2 and parts[0] and parts[1] else None


def uploads_in(event: dict[str, Any]) -> list[dict[str, Any]]:
    """(bucket, key, size) of each S3 ObjectCreated record; keys arrive URL-encoded."""
    found = []
    for record in event.get("Records") or []:
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith(
            "ObjectCreated"
        ):
            continue
        s3 = record.get("s3", {})
        found.append(
            {
                "bucket": s3.get("bucket", {}).get("name"),
                "key": unquote_plus(str(s3.get("object", {}).get("key", ""))),
                "size": int(s3.get("object", {}).get("size", 0)),
                "time": record.get("eventTime"),
            }
        )
    return found


def notice(session: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "type": "upload",
            "sessionId": session["sessionId"],
            "status": session["status"],
            "uploadKey": session["uploadKey"],
            "objectSize": int(session.get("objectSize", 0)),
        }
    ).encode()


# -- AWS --------------------------------------------------------------------------------------------
def _table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["SESSIONS_TABLE_NAME"])


def _management() -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WS_API_ENDPOINT"])


def on_route(event: dict[str, Any]) -> dict[str, Any]:
    context = event["requestContext"]
    route, connection = context["routeKey"], context["connectionId"]
    table = _table()
    if route == "$connect":
        now = time.time()
        table.put_item(
            Item={
                "sessionId": CONNECTION_PREFIX + connection,
                "connectedAt": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
                "expiresAt": int(now) + CONNECTION_TTL_SECONDS,
            }
        )
    elif route == "$disconnect":
        table.delete_item(Key={"sessionId": CONNECTION_PREFIX + connection})
    else:
        _post(connection, json.dumps({"type": "connection", "connectionId": connection}).encode())
    return {"statusCode": 200}


def on_upload(upload: dict[str, Any]) -> bool:
    """Mark the session UPLOADED and tell its page; False for keys that are no session's."""
    if upload["bucket"] != os.environ.get("UPLOAD_BUCKET_NAME", upload["bucket"]):
        return False
    session_id = session_of(upload["key"])
    if session_id is None:
        return False
    table = _table()
    try:
        reply = table.update_item(
            Key={"sessionId": session_id},
            UpdateExpression="SET #s = :uploaded, uploadedAt = :at, objectSize = :size",
            ConditionExpression="attribute_exists(sessionId) AND uploadKey = :key",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":uploaded": UPLOADED,
                ":at": upload["time"] or datetime.now(UTC).isoformat(),
                ":size": upload["size"],
                ":key": upload["key"],
            },
            ReturnValues="ALL_NEW",
        )
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        log.info("upload %s matches no session; ignored", upload["key"])
        return False
    session = reply["Attributes"]
    connection = session.get("wsConnectionId")
    if connection:
        _post(str(connection), notice(session))
    return True


def _post(connection: str, data: bytes) -> None:
    client = _management()
    try:
        client.post_to_connection(ConnectionId=connection, Data=data)
    except client.exceptions.GoneException:
        log.info("connection %s is gone; forgetting it", connection)
        _table().delete_item(Key={"sessionId": CONNECTION_PREFIX + connection})


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "requestContext" in event and "connectionId" in event.get("requestContext", {}):
        return on_route(event)
    handled = [on_upload(upload) for upload in uploads_in(event)]
    return {"uploads": len(handled), "sessionsUpdated": sum(handled)}
