"""Lambda entry point: an S3 ObjectCreated event for an agent directory CSV runs the same
sync as ``Custom::ConnectUserDirectory`` (:mod:`providers.connect.sync`).

Environment:

* ``INSTANCE_ID``: the Connect instance id or ARN (required);
* ``OWNER``: the directory's owner tag value, the ``OwnerTag`` attribute of the
  ``Custom::ConnectUserDirectory`` resource, so both manage the same users (required);
* ``DIRECTORY_KEY``: the directory's CSV key (the resource's ``Key``); ``DIRECTORY_KEYS``
  (``;``-separated) and ``DIRECTORY_PATTERN`` (a shell-style pattern, ``*`` matching ``/``
  too) name further CSVs the template means; any other upload is only logged, since a sync
  deletes every managed agent the file does not list (with none set, nothing is synced);
* ``MAX_DELETIONS`` (a number or a percent, default 25%) and ``ALLOW_EMPTY`` (``true``): the
  deletion guard of :mod:`providers.connect.guard`, as the resource's ``MaxDeletions`` and
  ``AllowEmpty``;
* ``REQUESTS_PER_SECOND`` (default 2), ``DEFAULT_ROUTING_PROFILE``,
  ``DEFAULT_SECURITY_PROFILES`` (names or ARNs separated by ``;``);
* ``UPLOADS_TABLE``: every upload's record is written there (:mod:`upload_records`), for
  the keys under ``DIRECTORY_PREFIX``; recording an upload never syncs it.

Only ``.csv`` keys are synced, so the mapping JSON written next to the CSV never triggers the
function. Keys in S3 events are URL-encoded (``+`` for spaces). A bad CSV is logged with its
line numbers and nothing is written (a retry would not help); an AWS error is raised so that
Lambda's retry redoes the sync, which only repeats what is still different. When time runs
short the function invokes itself asynchronously with the sync's cursor.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from functions.agent_directory.upload_records import record_uploads
from providers.connect import arns, directory, passwords
from providers.connect.guard import DeletionGuard, parse_limit
from providers.connect.pacing import requests_per_second
from providers.connect.sync import (
    AgentDirectory,
    DeletionRefusedError,
    InvalidDirectoryError,
    SyncConfig,
)
from providers.core.aws import client
from providers.core.log import logger, redactor

CONTINUATION_KEY = "gapfillAgentDirectory"
#: Seconds kept free at the end of an invocation for the hand-over.
RESERVE_SECONDS = 5.0

Reinvoker = Callable[[dict[str, Any], Any], None]


def _lambda_reinvoke(payload: dict[str, Any], context: Any) -> None:
    arn = getattr(context, "invoked_function_arn", None)
    if not arn:
        raise RuntimeError("cannot continue the sync: the Lambda context has no invoked_function_arn")
    client("lambda").invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps(payload).encode())


_reinvoker: Reinvoker = _lambda_reinvoke


def set_reinvoker(func: Reinvoker | None) -> None:
    """Replace how a long sync continues (tests run the continuation in process)."""
    global _reinvoker  # noqa: PLW0603 - one process-wide hook, like the provider engine's
    _reinvoker = func or _lambda_reinvoke


def config_from_env() -> SyncConfig:
    instance = os.environ.get("INSTANCE_ID", "").strip()
    owner = os.environ.get("OWNER", "").strip()
    if not instance or not owner:
        raise RuntimeError("INSTANCE_ID and OWNER must be set")
    security = os.environ.get("DEFAULT_SECURITY_PROFILES", "")
    return SyncConfig(
        instance_id=arns.instance_id_of(instance),
        owner=owner,
        requests_per_second=requests_per_second(os.environ.get("REQUESTS_PER_SECOND")),
        default_routing_profile=os.environ.get("DEFAULT_ROUTING_PROFILE") or None,
        default_security_profiles=tuple(s.strip() for s in security.split(";") if s.strip()),
        guard=DeletionGuard(
            parse_limit(os.environ.get("MAX_DELETIONS")),
            os.environ.get("ALLOW_EMPTY", "").strip().lower() == "true",
        ),
        protection=passwords.SecretProtection.from_properties(
            {
                "PasswordKmsKeyId": os.environ.get("PASSWORD_KMS_KEY_ID"),
                "PasswordReaders": [
                    r.strip() for r in os.environ.get("PASSWORD_READERS", "").split(";") if r.strip()
                ],
            }
        ),
    )


def is_directory_key(key: str) -> bool:
    """Is ``key`` one of the CSVs the template names (``DIRECTORY_KEY(S)``, ``DIRECTORY_PATTERN``)?"""
    named = [os.environ.get("DIRECTORY_KEY", ""), *os.environ.get("DIRECTORY_KEYS", "").split(";")]
    if key in {k.strip() for k in named if k.strip()}:
        return True
    pattern = os.environ.get("DIRECTORY_PATTERN", "").strip()
    return bool(pattern) and fnmatch.fnmatchcase(key, pattern)


def csv_jobs(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The uploads of the directory's CSVs in an S3 event (keys URL-decoded)."""
    jobs = []
    for record in event.get("Records") or []:
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith(
            "ObjectCreated"
        ):
            continue
        s3 = record.get("s3") or {}
        key = unquote_plus(str((s3.get("object") or {}).get("key", "")))
        if not key.lower().endswith(".csv"):
            logger.info("ignored: not a directory CSV", extra={"key": key})
            continue
        if not is_directory_key(key):
            logger.warning(
                "ignored: not the configured directory CSV (DIRECTORY_KEY, DIRECTORY_KEYS, "
                "DIRECTORY_PATTERN); nothing was changed",
                extra={"key": key},
            )
            continue
        jobs.append(
            {
                "bucket": str((s3.get("bucket") or {}).get("name", "")),
                "key": key,
                "versionId": (s3.get("object") or {}).get("versionId"),
                "state": None,
            }
        )
    return jobs


def _time_left(context: Any) -> Callable[[], float]:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(getter):
        return lambda: 900.0
    return lambda: float(getter()) / 1000.0 - RESERVE_SECONDS


def run_job(job: dict[str, Any], config: SyncConfig, context: Any) -> dict[str, Any]:
    """One CSV's sync (or its continuation); returns a summary, hands over if time is short."""
    agents = AgentDirectory(config, client, _time_left(context), redactor.add)
    bucket, key = job["bucket"], job["key"]
    summary: dict[str, Any] = {"bucket": bucket, "key": key}
    try:
        progress = agents.sync(bucket, key, job.get("versionId"), job.get("state"))
    except InvalidDirectoryError as exc:
        errors = [str(e) for e in exc.errors]
        logger.error(
            "agent directory rejected; nothing was changed", extra={"key": key, "errors": errors[:50]}
        )
        return {**summary, "status": "invalid", "errors": errors}
    except DeletionRefusedError as exc:
        logger.error(
            "agent directory refused by the deletion guard; nothing was changed",
            extra={"key": key, "reason": str(exc), **exc.plan.as_data()},
        )
        return {**summary, "status": "refused", "reason": str(exc), **exc.plan.as_data()}
    summary.update(progress.counts.as_data())
    summary.update(progress.plan)
    if not progress.done:
        _reinvoker({CONTINUATION_KEY: {**job, "state": progress.state}}, context)
        logger.info("continuing in a new invocation", extra={"key": key, "remaining": progress.remaining})
        return {**summary, "status": "continued"}
    mapping_key = directory.default_mapping_key(key)
    agents.write_mapping(bucket, mapping_key, progress.mapping)
    status = "partial" if progress.counts.failed else "synced"
    log = logger.warning if progress.counts.failed else logger.info
    log(
        "agent directory synced",
        extra={"key": key, **progress.counts.as_data(), "failures": progress.failures},
    )
    return {**summary, "status": status, "mappingKey": mapping_key, "failures": progress.failures}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = config_from_env()
    continuation = event.get(CONTINUATION_KEY) if isinstance(event, dict) else None
    jobs = [continuation] if isinstance(continuation, dict) else csv_jobs(event)
    if not isinstance(continuation, dict):
        record_uploads(event)  # the onboarding write-up's upload records (UPLOADS_TABLE)
    try:
        return {"results": [run_job(job, config, context) for job in jobs]}
    finally:
        redactor.clear()
