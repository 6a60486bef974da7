"""Nothing after the answer (protocol rule 11, issue 11 item 5): an S3 read hangs until the
watchdog has answered FAILED, then returns; the provider's main thread resumes, and the
write it would make next is refused where the AWS clients are made, so nothing lands."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from gapfill.local.protocol import LocalCloudFormation
from tests.contract.cases import load_cases
from tests.contract.suite import Env, assert_one_valid_response
from tests.faults.inject import aws_hook

BY_TYPE = {case.resource_type: case for case in load_cases()}
_READS = ("Get", "Head", "List")


def _written(resource_type: str, env: Env, props: dict[str, Any]) -> bool:
    s3 = env.client("s3")
    if resource_type == "Custom::HtmlPage":
        listed = s3.list_objects_v2(Bucket=props["Bucket"], Prefix=props["Key"])
        return bool(listed.get("Contents"))
    config = s3.get_bucket_notification_configuration(Bucket=props["BucketName"])
    queues = [q["QueueArn"] for q in config.get("QueueConfigurations", [])]
    return any(
        q == c["Queue"] for q in queues for c in props["NotificationConfiguration"]["QueueConfigurations"]
    )


@pytest.mark.parametrize("resource_type", ["Custom::S3BucketNotification", "Custom::HtmlPage"])
def test_a_read_hung_past_the_answer_is_never_followed_by_a_write(
    resource_type: str, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    case = BY_TYPE[resource_type]
    env = Env(client=aws, unique=unique, logs=logs)
    props = case.make_properties(env)
    before = len(cfn.server.puts)
    hung: list[str] = []

    def hang(model: Any, **_: Any) -> None:
        if hung or not model.name.startswith(_READS):
            return
        hung.append(model.name)
        give_up = time.time() + 20.0
        while len(cfn.server.puts) == before and time.time() < give_up:
            time.sleep(0.02)

    cfn.function_timeout = 2.0
    with aws_hook("before-call", hang):
        answer = cfn.create(resource_type, props)
    assert hung, "no S3 read was made"
    body = assert_one_valid_response(answer, "FAILED")
    assert "deadline" in body["Reason"]
    assert not _written(resource_type, env, props), f"{resource_type} wrote after the watchdog answered"
    refused = [json.loads(line) for line in logs.lines if "refused after the answer" in line]
    assert refused, "the refused write was not logged"


# -- a failed hand-over names what was made (issue 11 item 6) --------------------------------------


def _failing_reinvoke(_payload: dict[str, Any], _context: Any) -> None:
    raise RuntimeError("simulated: the re-invocation call failed")


@pytest.mark.parametrize("resource_type", ["Custom::FirehoseEncryption", "Custom::ConnectInstance"])
def test_a_failed_hand_over_reports_what_was_made_and_the_delete_removes_it(
    resource_type: str, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    from providers.core import engine
    from providers.handler import lambda_handler
    from tests.faults.test_faults import ASYNC_KNOBS

    case = BY_TYPE[resource_type]
    env = Env(client=aws, unique=unique, logs=logs)
    props = case.make_properties(env)

    def handler(event: dict[str, Any], context: Any) -> None:
        engine.set_reinvoker(_failing_reinvoke)
        lambda_handler(event, context)

    restore = ASYNC_KNOBS[resource_type](30.0)
    try:
        cfn.handler, cfn.function_timeout = handler, 6.0
        answer = cfn.create(resource_type, props)
    finally:
        restore()
    body = assert_one_valid_response(answer, "FAILED")
    assert "simulated: the re-invocation call failed" in body["Reason"]
    assert not body["PhysicalResourceId"].startswith("gapfill-create-failed"), body["PhysicalResourceId"]
    if resource_type == "Custom::FirehoseEncryption":  # an instance is still being created here
        assert case.exists(env, body["PhysicalResourceId"], props), "what was made is named by the answer"
    cfn.handler, cfn.function_timeout = lambda_handler, case.function_timeout
    assert_one_valid_response(cfn.delete(resource_type, body["PhysicalResourceId"], props), "SUCCESS")
    assert not case.exists(env, body["PhysicalResourceId"], props), "the rollback Delete left it behind"


def _raise_on(operation: str, nth: int = 1) -> Any:
    seen: list[str] = []

    def hook(model: Any, **_: Any) -> None:
        if model.name == operation:
            seen.append(operation)
            if len(seen) == nth:
                raise RuntimeError(f"simulated: {operation} failed")

    return hook


@pytest.mark.parametrize(
    ("resource_type", "operation", "nth"),
    [
        ("Custom::FirehoseEncryption", "TagDeliveryStream", 1),  # encryption started, tag failed
        ("Custom::ConnectUserDirectory", "CreateUser", 2),  # one agent made, the sync broke
    ],
)
def test_a_create_failing_after_its_first_write_names_what_it_made(
    resource_type: str, operation: str, nth: int, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    case = BY_TYPE[resource_type]
    env = Env(client=aws, unique=unique, logs=logs)
    props = case.make_properties(env)
    with aws_hook("before-parameter-build", _raise_on(operation, nth)):
        answer = cfn.create(resource_type, props)
    body = assert_one_valid_response(answer, "FAILED")
    assert f"simulated: {operation} failed" in body["Reason"]
    pid = body["PhysicalResourceId"]
    assert not pid.startswith("gapfill-create-failed"), f"FAILED carries the made-nothing marker: {pid}"
    assert_one_valid_response(cfn.delete(resource_type, pid, props), "SUCCESS")
    assert not case.exists(env, pid, props), "the rollback Delete left what the Create made"
