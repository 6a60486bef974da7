"""Lambda entry point: S3 ObjectCreated notifications of chat transcripts -> usage records.

Environment: ``OUTPUT_BUCKET`` (default: the transcript's own bucket) and ``OUTPUT_PREFIX``
(default ``chat-usage``). The stack writes to a separate bucket; when the same bucket is
used, records under the output prefix are ignored so the function can never trigger
itself. A malformed transcript is logged and skipped; an AWS error is raised after the
rest of the batch is done, so Lambda's retry redoes the batch (records are idempotent:
one key per contact).
"""

from __future__ import annotations

import functools
import json
import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from functions.chat_usage.usage import (
    MalformedTranscript,
    compute_usage,
    decode_key,
    is_own_output,
    parse_transcript,
    usage_key,
)

logger = Logger(service="chat-usage")


@functools.cache
def _s3() -> Any:
    import boto3
    from botocore.config import Config

    # A session of its own: credentials are read when the client is made (the default session
    # keeps the first ones it resolved in the process).
    return boto3.session.Session().client(
        "s3", config=Config(retries={"mode": "adaptive", "max_attempts": 5})
    )


def _event_time(record: dict[str, Any]) -> datetime:
    raw = record.get("eventTime")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def process_record(record: dict[str, Any], output_bucket: str | None, output_prefix: str) -> dict[str, Any]:
    """Handle one S3 notification record; returns what happened to it."""
    s3_part = record.get("s3") or {}
    bucket = str((s3_part.get("bucket") or {}).get("name", ""))
    key = decode_key(str((s3_part.get("object") or {}).get("key", "")))
    if not bucket or not key:
        return {"status": "skipped", "reason": "not an S3 object notification"}
    target_bucket = output_bucket or bucket
    if is_own_output(bucket, key, target_bucket, output_prefix):
        return {"status": "skipped", "key": key, "reason": "own output"}
    if not str(record.get("eventName", "ObjectCreated")).startswith("ObjectCreated"):
        return {"status": "skipped", "key": key, "reason": "not a creation"}
    body = _s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        usage = compute_usage(parse_transcript(body), source=f"s3://{bucket}/{key}")
    except MalformedTranscript as exc:
        logger.warning(
            "malformed transcript skipped", extra={"bucket": bucket, "key": key, "reason": str(exc)}
        )
        return {"status": "malformed", "key": key, "reason": str(exc)}
    out_key = usage_key(output_prefix, usage, _event_time(record))
    body_out = (json.dumps(usage.record(), separators=(",", ":")) + "\n").encode()
    _s3().put_object(
        Bucket=target_bucket,
        Key=out_key,
        Body=body_out,
        ContentType="application/json",
        ServerSideEncryption="AES256",
    )
    logger.info("usage written", extra={"source": key, "bucket": target_bucket, "key": out_key})
    return {"status": "written", "key": key, "output": f"s3://{target_bucket}/{out_key}"}


def lambda_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Process every record; raise at the end if an AWS call failed, so Lambda retries."""
    output_bucket = os.environ.get("OUTPUT_BUCKET") or None
    output_prefix = os.environ.get("OUTPUT_PREFIX", "chat-usage")
    results: list[dict[str, Any]] = []
    failures: list[Exception] = []
    for record in event.get("Records") or []:
        try:
            results.append(process_record(record, output_bucket, output_prefix))
        except Exception as exc:  # an AWS or decoding failure: finish the batch, then retry it
            logger.exception("record failed", extra={"record": record.get("s3", {}).get("object", {})})
            results.append({"status": "failed", "reason": f"{type(exc).__name__}: {exc}"})
            failures.append(exc)
    summary = {
        "results": results,
        "written": sum(r["status"] == "written" for r in results),
        "malformed": sum(r["status"] == "malformed" for r in results),
    }
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(results)} records failed; the batch will be retried")
    return summary
