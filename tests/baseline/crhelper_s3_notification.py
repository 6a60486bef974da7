"""The baseline: S3 bucket notifications the way a typical crhelper custom resource does them.

Test code only, never shipped. It is deliberately the common naive shape, so that the
contract suite can show what gapfill's protocol core adds:

* crhelper's own event handling and response sending (its retry loop, its Reason rules);
* no schema: properties are read as they come (strings stay strings);
* the whole notification document is PUT with only this resource's entries in it;
* entries are recognised by an Id *prefix* (``cr-<LogicalResourceId>-``) on Delete;
* the physical id is the bucket name.

crhelper talks HTTPS to CloudFormation's S3 URLs; the local ResponseURL is plain loopback
HTTP, so :func:`loopback_transport` swaps only the connection class it opens (everything
else, including its retry loop, is crhelper's).
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import threading
from collections.abc import Iterator
from typing import Any

import boto3
from crhelper import CfnResource

helper = CfnResource(json_logging=False, log_level="DEBUG", boto_level="CRITICAL", sleep_on_delete=0)


def _prefix(event: dict[str, Any]) -> str:
    return f"cr-{event['LogicalResourceId']}-"


def _document(event: dict[str, Any]) -> dict[str, Any]:
    props = event["ResourceProperties"]
    config = props.get("NotificationConfiguration", {})
    out: dict[str, Any] = {}
    n = 0
    for template_key, api_key, arn_key, api_arn in (
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
    ):
        for item in config.get(template_key, []):
            entry: dict[str, Any] = {
                "Id": f"{_prefix(event)}{n}",
                api_arn: item[arn_key],
                "Events": [item["Event"]],
            }
            rules = item.get("Filter", {}).get("S3Key", {}).get("Rules")
            if rules:
                entry["Filter"] = {
                    "Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}
                }
            out.setdefault(api_key, []).append(entry)
            n += 1
    return out


def _s3() -> Any:
    return boto3.client("s3")


@helper.create
@helper.update
def put_notifications(event: dict[str, Any], context: Any) -> str:
    bucket = event["ResourceProperties"]["BucketName"]
    _s3().put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_document(event))
    return str(bucket)


@helper.delete
def remove_notifications(event: dict[str, Any], context: Any) -> None:
    bucket = event["PhysicalResourceId"]
    s3 = _s3()
    try:
        current = s3.get_bucket_notification_configuration(Bucket=bucket)
    except s3.exceptions.NoSuchBucket:
        return
    current.pop("ResponseMetadata", None)
    kept = {
        key: [e for e in value if not str(e.get("Id", "")).startswith("cr-")]
        for key, value in current.items()
        if isinstance(value, list)
    }
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=kept)


def handler(event: dict[str, Any], context: Any) -> None:
    helper(event, context)


class _LoopbackConnection(http.client.HTTPConnection):
    """crhelper opens ``HTTPSConnection(host, context=ctx)``; loopback is plain HTTP."""

    def __init__(self, host: str, context: Any = None, **kwargs: Any) -> None:
        super().__init__(host, timeout=10, **kwargs)


class AbandonedError(BaseException):
    """Raised into crhelper's endless send loop to end a hung invocation's thread
    (a BaseException, because crhelper's loop swallows every Exception and retries)."""


class _Abandoned:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AbandonedError("baseline run over")


@contextlib.contextmanager
def loopback_transport(hung: list[threading.Thread]) -> Iterator[None]:
    """Let crhelper reach the local ResponseURL; afterwards end the invocations stuck in its
    send loop (``hung``) and undo its global logging changes."""
    import crhelper.utils

    saved_connection = crhelper.utils.HTTPSConnection
    root = logging.getLogger()
    saved_level = root.level
    saved_disable = logging.root.manager.disable
    # Log as crhelper does in Lambda, whatever earlier code in this process did to logging
    # (a library's logging config can disable existing loggers or levels).
    logging.disable(logging.NOTSET)
    loggers = [logging.getLogger(n) for n in ("crhelper", "crhelper.resource_helper", "crhelper.utils")]
    saved_disabled = [lg.disabled for lg in loggers]
    for lg in loggers:
        lg.disabled = False
    crhelper.utils.HTTPSConnection = _LoopbackConnection  # type: ignore[misc]
    try:
        yield
    finally:
        crhelper.utils.HTTPSConnection = _Abandoned  # type: ignore[misc]
        for thread in hung:
            thread.join(timeout=15)  # its next retry (crhelper sleeps 2-5 s) raises
        crhelper.utils.HTTPSConnection = saved_connection  # type: ignore[misc]
        root.setLevel(saved_level)
        logging.disable(saved_disable)
        for lg, was in zip(loggers, saved_disabled, strict=True):
            lg.disabled = was
