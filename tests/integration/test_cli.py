"""The `gapfill` command line, run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from gapfill.emulator.server import EMULATOR_ENV, free_port
from tests.integration.s3_destinations import s3_may

ROOT = Path(__file__).resolve().parents[2]
NOTIFICATION = {
    "BucketName": "gapfill-cli-existing-uploads",
    "NotificationConfiguration": {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": "arn:aws:sqs:us-east-1:123456789012:cli-uploads",
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "incoming/"}]}},
            }
        ]
    },
}


def gapfill(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gapfill.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_help_lists_the_commands() -> None:
    out = gapfill("--help")
    assert out.returncode == 0
    for command in ("emulator", "invoke", "deploy", "lint", "package", "docs"):
        assert command in out.stdout


def test_invoke_local_creates_a_notification_visible_in_the_emulator() -> None:
    out = gapfill(
        "invoke",
        "Custom::S3BucketNotification",
        "--request",
        "Create",
        "--local",
        "--properties",
        json.dumps(NOTIFICATION),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    response = json.loads(out.stdout)
    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"].startswith("gapfill-cli-existing-uploads/")
    state = out.stderr.split("state in the emulator:", 1)[1]
    config = json.loads(state[state.index("{") :])["BucketNotificationConfiguration"]
    assert config["QueueConfigurations"][0]["QueueArn"].endswith(":cli-uploads")
    assert "prepared in the emulator: bucket gapfill-cli-existing-uploads" in out.stderr


def test_invoke_reports_invalid_properties_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "props.json"
    bad.write_text(json.dumps({"BucketName": "b-cli-bad", "NotificationConfiguration": {"Bogus": []}}))
    out = gapfill(
        "invoke", "Custom::S3BucketNotification", "--request", "Create", "--local", "--properties", f"@{bad}"
    )
    assert out.returncode == 1
    response = json.loads(out.stdout)
    assert response["Status"] == "FAILED"
    assert "NotificationConfiguration.Bogus" in response["Reason"]


def test_invoke_refuses_update_without_physical_id() -> None:
    out = gapfill(
        "invoke", "Custom::S3BucketNotification", "--request", "Update", "--local", "--properties", "{}"
    )
    assert out.returncode != 0
    assert "--physical-id" in out.stderr


def test_emulator_command_serves_until_stopped_and_invoke_uses_it() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gapfill.cli", "emulator", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in first
        endpoint = f"http://127.0.0.1:{port}"
        session: Any = boto3.session.Session(
            aws_access_key_id=EMULATOR_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=EMULATOR_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        s3 = session.client("s3", endpoint_url=endpoint)
        sqs = session.client("sqs", endpoint_url=endpoint)
        s3.create_bucket(Bucket="cli-served-bucket")
        queue_url = sqs.create_queue(QueueName="cli-uploads")["QueueUrl"]
        # S3 validates the destination on every PUT: the queue policy comes first.
        policy = s3_may("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:cli-uploads")
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
        props = dict(NOTIFICATION, BucketName="cli-served-bucket")
        out = gapfill(
            "invoke",
            "Custom::S3BucketNotification",
            "--request",
            "Create",
            "--endpoint-url",
            endpoint,
            "--properties",
            json.dumps(props),
        )
        assert out.returncode == 0, out.stderr[-2000:]
        config = s3.get_bucket_notification_configuration(Bucket="cli-served-bucket")
        assert len(config["QueueConfigurations"]) == 1
    finally:
        proc.terminate()
        deadline = time.time() + 10
        while proc.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "SIGTERM should stop the emulator cleanly"
