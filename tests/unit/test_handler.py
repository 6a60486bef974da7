"""The single entry point: lazy imports, GAPFILL_PROVIDER, and answering even when the
core itself cannot be imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from gapfill.local.protocol import LocalCloudFormation
from providers import handler
from providers.registry import PROVIDERS, normalise_type
from tests.contract.suite import assert_one_valid_response

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_handler_pulls_in_no_provider_and_no_moto() -> None:
    loaded = _modules_after("import providers.handler")
    assert not any(m.startswith("moto") for m in loaded)
    assert not any(m.startswith("providers.connect") for m in loaded)
    assert not any(m.startswith(("providers.s3_bucket_notification", "providers.html_page")) for m in loaded)
    assert "providers.firehose_encryption" not in loaded
    assert not any(m.startswith("gapfill") for m in loaded)


#: What a cold start must not pay for before its request needs it: the AWS SDK comes with the
#: provider's first client (and never boto3's layer over botocore), jsonschema with the first
#: validation, the HTTP client and its email parser with the response.
LAZY_MODULES = (
    "boto3",
    "botocore.session",
    "botocore.client",
    "jsonschema",
    "urllib.request",
    "http.client",
    "email.parser",
)


def test_importing_the_handler_leaves_the_sdk_the_validator_and_the_http_client_for_later() -> None:
    loaded = _modules_after("import providers.handler")
    assert [m for m in LAZY_MODULES if m in loaded] == []


def test_the_providers_clients_are_botocore_without_boto3() -> None:
    loaded = _modules_after(
        "import os; os.environ['AWS_ENDPOINT_URL'] = 'http://127.0.0.1:9'\n"
        "from providers.core.aws import client; client('s3', 'us-east-1')"
    )
    assert "botocore.client" in loaded
    assert not any(m == "boto3" or m.startswith("boto3.") for m in loaded)


def test_registry_names_only_custom_types() -> None:
    assert all(t.startswith("Custom::") for t in PROVIDERS)
    assert normalise_type("Gapfill::Connect::User") == "Custom::ConnectUser"
    assert normalise_type("Custom::Nope") == "Custom::Nope"


def test_unknown_type_gets_failed_naming_it(emulator: Any) -> None:
    with LocalCloudFormation() as cfn:
        body = assert_one_valid_response(cfn.create("Custom::NoSuchThing", {}), "FAILED")
    assert "Custom::NoSuchThing" in body["Reason"]


def test_gapfill_provider_restricts_the_function_to_one_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAPFILL_PROVIDER", "Custom::S3BucketNotification")
    with pytest.raises(Exception, match="serves Custom::S3BucketNotification only"):
        handler.resolve("Custom::ConnectUser")


def test_generic_custom_resource_type_is_served_by_the_configured_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GAPFILL_PROVIDER", "Custom::ConnectUser")
    assert handler._schema_type("AWS::CloudFormation::CustomResource") == "Custom::ConnectUser"


def test_broken_core_import_still_sends_one_failed(tmp_path: Path) -> None:
    """A deployment package whose dependencies are broken must not hang the stack."""
    broken = tmp_path / "aws_lambda_powertools"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise RuntimeError('simulated broken dependency')\n")
    with LocalCloudFormation(handler=lambda e, c: None) as cfn:
        event = cfn.event("Create", "Custom::S3BucketNotification", {"BucketName": "b"})
        event["ResponseURL"] = cfn.server.url_for("emergency")
        script = textwrap.dedent(
            """
            import json, sys
            import providers.handler as h
            h.lambda_handler(json.loads(sys.argv[1]), None)
            """
        )
        env = {
            **os.environ,
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
            "GAPFILL_ALLOW_LOCAL_RESPONSE_URL": "1",
        }
        subprocess.run([sys.executable, "-c", script, json.dumps(event)], check=True, env=env, cwd=tmp_path)
        puts = cfn.server.wait_for("emergency", 5)
    assert len(puts) == 1
    body = puts[0].body
    assert body["Status"] == "FAILED"
    assert "simulated broken dependency" in body["Reason"]
    assert body["RequestId"] == event["RequestId"]
    assert body["PhysicalResourceId"]


def test_a_function_serving_one_type_refuses_events_of_another(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAPFILL_PROVIDER", "Custom::ConnectUser")
    with LocalCloudFormation() as cfn:
        other = cfn.create("Custom::S3BucketNotification", {"BucketName": "b"})
        generic = cfn.create("AWS::CloudFormation::CustomResource", {"Username": "x"})
    body = assert_one_valid_response(other, "FAILED")
    assert "serves Custom::ConnectUser only" in body["Reason"]
    generic_body = assert_one_valid_response(generic, "FAILED")
    assert "serves" not in generic_body["Reason"], "the generic type is served by the configured provider"
    assert "InstanceArn: required property is missing" in generic_body["Reason"]


def test_the_cyclic_collector_waits_for_the_first_answer_then_freezes_the_cold_start() -> None:
    code = textwrap.dedent(
        """
        import gc, json
        default = gc.get_threshold()
        import providers.handler as handler
        cold = gc.get_threshold()
        handler.lambda_handler({"RequestType": "Create"}, None)  # no ResponseURL: logged, no answer
        print(json.dumps([default, cold, gc.get_threshold(), gc.get_freeze_count()]))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    default, cold, warm, frozen = json.loads(done.stdout.strip().splitlines()[-1])
    assert cold[0] >= 50_000 > default[0]
    assert warm == default
    assert frozen > 10_000, "the cold start's objects are frozen, not scanned on every collection"
