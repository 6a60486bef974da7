"""The runtime function zips ``gapfill package`` builds really run: each unzipped into a
directory of its own and served by a fresh virtual environment that has only boto3 (Python
3.12 where installed, as Lambda's runtime), the handler the templates name imports from the
zip alone, the chat usage handler turns a real-shaped S3 event into a usage record in moto
server, and the agent directory handler syncs an uploaded CSV into the Connect emulator.

Each invocation runs in a subprocess of the clean interpreter with only the unzipped package on
its path, as Lambda runs it from /var/task; the test process hosts the emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gapfill.bundling import zipbuild
from gapfill.emulator import Emulator
from providers.core.tag_keys import DIRECTORY as OWNER_TAG
from tests.integration.test_agent_directory_function import put_csv
from tests.integration.test_agent_directory_function import s3_event as directory_event
from tests.integration.test_chat_usage_function import s3_event as transcript_record
from tests.integration.test_zip_runs import boto3_venv, python_312, snapshot, version_of
from tests.unit.test_chat_usage_samples import encoded, transcript

#: One invocation inside the clean interpreter: the handler by its template name, the event on
#: stdin, a Lambda-like context; prints the result and where the loaded modules came from.
RUNNER = r"""
import importlib, json, sys, time
task, handler = sys.argv[1], sys.argv[2]
sys.path.insert(0, task)
event = json.load(sys.stdin)

class Context:
    function_name = "gapfill-function-zip-test"
    aws_request_id = "function-zip-test"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:gapfill-function-zip-test"
    def __init__(self, seconds):
        self.end = time.time() + seconds
    def get_remaining_time_in_millis(self):
        return max(0, int((self.end - time.time()) * 1000))

module, _, name = handler.rpartition(".")
result = getattr(importlib.import_module(module), name)(event, Context(120.0))
roots = ("functions", "providers", "aws_lambda_powertools", "typing_extensions", "boto3", "jsonschema", "moto",
         "lambda_function")
origins = {m: getattr(sys.modules[m], "__file__", None) for m in sorted(sys.modules) if m.split(".")[0] in roots}
print(json.dumps({"result": result, "origins": origins}))
"""


@dataclass
class Functions:
    python: Path
    tasks: dict[str, Path]


@pytest.fixture(scope="module")
def functions(tmp_path_factory: pytest.TempPathFactory) -> Functions:
    base = tmp_path_factory.mktemp("function-zips")
    interpreter = python_312()
    # x86_64 wheels for this host and its Python: the functions' dependencies are pure Python,
    # but the build path is the one the arm64 build takes.
    built = zipbuild.build_functions(
        root=snapshot(base), output_dir=base / "out", arch="x86_64", python_version=version_of(interpreter)
    )
    tasks = {}
    for result in built:
        task = base / "task" / result.path.stem
        with zipfile.ZipFile(result.path) as archive:
            archive.extractall(task)
        tasks[result.path.stem] = task
    return Functions(python=boto3_venv(interpreter, base / "venv"), tasks=tasks)


def invoke(
    functions: Functions, name: str, event: dict[str, Any], emulator: Emulator, env: dict[str, str]
) -> dict[str, Any]:
    """Run ``name``'s handler from its unzipped package; returns {result, origins}."""
    proc = subprocess.run(
        [
            str(functions.python),
            "-I",
            "-c",
            RUNNER,
            str(functions.tasks[name]),
            zipbuild.function_spec(name).handler,
        ],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **emulator.env(), **env},
        cwd=functions.tasks[name],
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    answer: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return answer


def assert_from_the_zip(origins: dict[str, str | None], task: Path) -> None:
    """Everything came from the unzipped package, except boto3, which the runtime provides."""
    assert "moto" not in origins, "the clean environment must not see the build venv"
    assert "jsonschema" not in origins
    assert "aws_lambda_powertools" in origins
    for module, origin in origins.items():
        if module.split(".")[0] in ("boto3",):
            assert origin is not None
            assert not Path(origin).is_relative_to(task), module
        elif origin is not None:
            assert Path(origin).is_relative_to(task), (module, origin)


@pytest.mark.parametrize("name", [spec.name for spec in zipbuild.FUNCTIONS if not spec.source])
def test_each_handler_imports_from_its_zip_in_a_boto3_only_environment(
    functions: Functions, emulator: Emulator, name: str
) -> None:
    env = {"INSTANCE_ID": "00000000-0000-4000-8000-000000000000", "OWNER": "zip-import-test"}
    answer = invoke(functions, name, {"Records": []}, emulator, env)
    assert answer["result"]["results"] == []
    assert_from_the_zip(answer["origins"], functions.tasks[name])
    loaded = {m.split(".")[0] for m in answer["origins"]}
    assert "functions" in loaded
    assert ("providers" in loaded) == (name == "agent_directory")


@pytest.mark.parametrize(
    ("name", "event", "expected"),
    [
        ("http_api_handler", {"routeKey": "GET /nowhere"}, 404),
        ("websocket_event_handler", {"Records": []}, {"uploads": 0, "sessionsUpdated": 0}),
    ],
)
def test_root_module_functions_run_from_their_zip_alone(
    functions: Functions, emulator: Emulator, name: str, event: dict[str, Any], expected: Any
) -> None:
    """The QR upload functions: ``lambda_function.lambda_handler`` at the zip's root, boto3 only."""
    env = {"SESSIONS_TABLE_NAME": "t", "UPLOAD_BUCKET_NAME": "b", "WS_API_ENDPOINT": emulator.endpoint}
    answer = invoke(functions, name, event, emulator, env)
    result = answer["result"]
    assert (result["statusCode"] if isinstance(expected, int) else result) == expected
    assert "lambda_function" in answer["origins"]
    assert not {m.split(".")[0] for m in answer["origins"]} & {
        "functions",
        "providers",
        "aws_lambda_powertools",
    }
    for module, origin in answer["origins"].items():
        if origin is not None and module.split(".")[0] != "boto3":
            assert Path(origin).is_relative_to(functions.tasks[name]), (module, origin)


def test_chat_usage_from_the_zip_writes_a_usage_record(
    functions: Functions, emulator: Emulator, aws: Callable[[str], Any], unique: Callable[[str], str]
) -> None:
    source, target = unique("zip-transcripts"), unique("zip-usage")
    s3 = aws("s3")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=target)
    key = "connect/demo/ChatTranscripts/2024/03/05/c0ffee09_20240305T10:15_UTC.json"
    s3.put_object(Bucket=source, Key=key, Body=encoded(transcript("c0ffee09")))

    answer = invoke(
        functions,
        "chat_usage",
        {"Records": [transcript_record(source, key)]},
        emulator,
        {"OUTPUT_BUCKET": target, "OUTPUT_PREFIX": "chat-usage/"},
    )

    assert answer["result"]["written"] == 1
    [written] = s3.list_objects_v2(Bucket=target)["Contents"]
    assert written["Key"] == "chat-usage/year=2024/month=03/day=05/c0ffee09.json"
    record = json.loads(s3.get_object(Bucket=target, Key=written["Key"])["Body"].read())
    assert record["contact_id"] == "c0ffee09"
    assert record["source"] == f"s3://{source}/{key}"
    assert record["total_messages"] > 0
    assert_from_the_zip(answer["origins"], functions.tasks["chat_usage"])


def test_agent_directory_from_the_zip_syncs_an_uploaded_csv(
    functions: Functions, emulator: Emulator, aws: Callable[[str], Any], unique: Callable[[str], str]
) -> None:
    instance = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("zipfn"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    bucket = unique("zip-agents")
    aws("s3").create_bucket(Bucket=bucket)
    key = "agents/agents.csv"
    put_csv(aws, bucket, key, [[f"zip{i}", "F", "L"] for i in range(3)])
    owner = "zip-test.Agents.0123456789ab"

    answer = invoke(
        functions,
        "agent_directory",
        directory_event(bucket, key),
        emulator,
        {
            "INSTANCE_ID": instance["Arn"],
            "OWNER": owner,
            "DIRECTORY_KEY": key,
            "REQUESTS_PER_SECOND": "500",
            "DEFAULT_ROUTING_PROFILE": "Basic Routing Profile",
            "DEFAULT_SECURITY_PROFILES": "Agent",
        },
    )

    [summary] = answer["result"]["results"]
    assert (summary["status"], summary["Created"]) == ("synced", 3)
    found = aws("connect").search_users(
        InstanceId=instance["Id"],
        MaxResults=100,
        SearchFilter={"TagFilter": {"TagCondition": {"TagKey": OWNER_TAG, "TagValue": owner}}},
    )["Users"]
    assert sorted(u["Username"] for u in found) == ["zip0", "zip1", "zip2"]
    mapping = json.loads(aws("s3").get_object(Bucket=bucket, Key="agents/agents.mapping.json")["Body"].read())
    assert set(mapping["Users"]) == {"zip0", "zip1", "zip2"}
    assert_from_the_zip(answer["origins"], functions.tasks["agent_directory"])
