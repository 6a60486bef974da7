"""The zip ``gapfill package`` builds really runs: unzipped into a fresh virtual environment
that has only boto3 (what the Lambda runtime provides), ``providers.handler.lambda_handler``
serves a Create and a Delete of ``Custom::S3BucketNotification`` against moto server.

The test process plays CloudFormation (a loopback ResponseURL) and hosts the emulator; each
invocation runs in a subprocess of the clean interpreter, with only the unzipped package on
its path, as Lambda would run it from /var/task.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gapfill.bundling import zipbuild
from gapfill.emulator import Emulator
from gapfill.local.protocol import LocalCloudFormation
from tests.integration.s3_destinations import s3_may

TYPE = "Custom::S3BucketNotification"

#: Runs one invocation inside the clean interpreter: event on stdin, a Lambda-like context,
#: and a report of where the modules came from (so a leak from the build venv would show).
RUNNER = r"""
import json, sys, time
task = sys.argv[1]
sys.path.insert(0, task)
event = json.load(sys.stdin)

class Context:
    function_name = "gapfill-zip-test"
    aws_request_id = "zip-test"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:gapfill-zip-test"
    def __init__(self, seconds):
        self.end = time.time() + seconds
    def get_remaining_time_in_millis(self):
        return max(0, int((self.end - time.time()) * 1000))

from providers.handler import lambda_handler
lambda_handler(event, Context(float(sys.argv[2])))
import jsonschema, rpds, aws_lambda_powertools, boto3, providers
origins = {m.__name__: m.__file__ for m in (jsonschema, rpds, aws_lambda_powertools, providers, boto3)}
try:
    import moto
    origins["moto"] = moto.__file__
except ImportError:
    pass
print(json.dumps(origins))
"""


def python_312() -> Path:
    """python3.12 (Lambda's runtime version) if installed via pyenv or on PATH, else this one."""
    candidates = sorted((Path.home() / ".pyenv" / "versions").glob("3.12.*/bin/python"))
    found = shutil.which("python3.12")
    for candidate in [*candidates, *([Path(found)] if found else [])]:
        if candidate.exists():
            return candidate
    return Path(sys.executable)


def snapshot(base: Path) -> Path:
    """A copy of what the zips are built from, so both builds see the same tree even while
    others edit the checkout."""
    root = base / "tree"
    for part in ("providers", "schemas", "functions"):
        shutil.copytree(zipbuild.REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "packaging").mkdir()
    shutil.copy2(zipbuild.REQUIREMENTS, root / "packaging" / "requirements.txt")
    return root


@dataclass
class Sandbox:
    root: Path
    python: Path
    task: Path
    zip_path: Path
    origins: list[dict[str, str]]


def version_of(interpreter: Path) -> str:
    """``3.12``: the wheels to build for, so that compiled ones import in ``interpreter``."""
    return subprocess.run(
        [str(interpreter), "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def boto3_venv(interpreter: Path, where: Path) -> Path:
    """A fresh virtual environment with only boto3 (what the Lambda runtime provides);
    returns its python."""
    subprocess.run([str(interpreter), "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "boto3"],
        check=True,
        capture_output=True,
    )
    return python


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    base = tmp_path_factory.mktemp("zip-runs")
    interpreter = python_312()
    version = version_of(interpreter)
    # x86_64 wheels: this host's platform, so the compiled ones (rpds-py) import here.
    root = snapshot(base)
    result = zipbuild.build(root=root, output_dir=base / "out", arch="x86_64", python_version=version)
    python = boto3_venv(interpreter, base / "venv")
    task = base / "task"
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(task)
    return Sandbox(root=root, python=python, task=task, zip_path=result.path, origins=[])


def zip_handler(sandbox: Sandbox, emulator: Emulator) -> Callable[[dict[str, Any], Any], None]:
    """A handler for LocalCloudFormation that invokes the zip in the clean interpreter."""

    def handle(event: dict[str, Any], context: Any) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **emulator.env(),
            "GAPFILL_ALLOW_LOCAL_RESPONSE_URL": "1",
            "GAPFILL_PROVIDER": TYPE,
        }
        proc = subprocess.run(
            [str(sandbox.python), "-I", "-c", RUNNER, str(sandbox.task), str(context.timeout_seconds)],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            env=env,
            cwd=sandbox.task,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        sandbox.origins.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    return handle


def test_create_and_delete_run_from_the_zip_in_a_boto3_only_environment(
    sandbox: Sandbox, emulator: Emulator, aws: Callable[[str], Any], unique: Callable[[str], str]
) -> None:
    bucket = unique("zip-run")
    aws("s3").create_bucket(Bucket=bucket)
    queue_url = aws("sqs").create_queue(QueueName=unique("zip-run-q"))["QueueUrl"]
    queue_arn = aws("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    # S3 validates the destination on every PUT: the queue policy comes first.
    policy = s3_may("sqs:SendMessage", queue_arn)
    aws("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": queue_arn}]
        },
    }
    with LocalCloudFormation(zip_handler(sandbox, emulator), stack_name=unique("zip")) as cfn:
        created = cfn.create(TYPE, props)
        assert created.ok, created.reason
        queues = aws("s3").get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations", [])
        assert [q["QueueArn"] for q in queues] == [queue_arn]

        deleted = cfn.delete(TYPE, created.physical_id, props)
        assert deleted.ok, deleted.reason
        after = aws("s3").get_bucket_notification_configuration(Bucket=bucket)
        assert after.get("QueueConfigurations", []) == []

    # Everything came from the unzipped package, except boto3 which the runtime provides.
    assert sandbox.origins
    for origins in sandbox.origins:
        assert "moto" not in origins, "the clean environment must not see the build venv"
        for name in ("jsonschema", "rpds", "aws_lambda_powertools", "providers"):
            assert Path(origins[name]).is_relative_to(sandbox.task), (name, origins[name])
        assert not Path(origins["boto3"]).is_relative_to(sandbox.task)


def test_bad_properties_fail_with_the_property_named_from_the_zip(
    sandbox: Sandbox, emulator: Emulator, unique: Callable[[str], str]
) -> None:
    with LocalCloudFormation(zip_handler(sandbox, emulator), stack_name=unique("zip")) as cfn:
        answer = cfn.create(TYPE, {"BucketName": unique("b"), "NotificationConfiguration": {"Nope": []}})
    assert answer.status == "FAILED"
    assert "NotificationConfiguration" in answer.reason


def test_a_second_build_is_byte_identical(sandbox: Sandbox, tmp_path: Path) -> None:
    version = json.loads(
        subprocess.run(
            [str(sandbox.python), "-c", "import sys, json; print(json.dumps(list(sys.version_info[:2])))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    again = zipbuild.build(
        root=sandbox.root, output_dir=tmp_path, arch="x86_64", python_version=f"{version[0]}.{version[1]}"
    )
    assert again.path.read_bytes() == sandbox.zip_path.read_bytes()
