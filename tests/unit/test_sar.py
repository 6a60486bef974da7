"""Publishing to the Serverless Application Repository: packaging, requests, the call sequence."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from botocore.validate import ParamValidator

import providers
from gapfill.bundling import samtemplate, sar
from gapfill.local.template import loads

TEMPLATE = samtemplate.TEMPLATE_PATH.read_text(encoding="utf-8")
ARTEFACTS = sar.Artefacts(
    code="s3://example-bucket/gapfill-sar/1/code.zip",
    license="s3://example-bucket/gapfill-sar/1/LICENSE",
    readme="s3://example-bucket/gapfill-sar/1/README.md",
)
APP_ID = sar.application_id("aws", "us-east-1", "123456789012", "gapfill-providers")


def _model() -> Any:
    return boto3.session.Session(region_name="us-east-1").client("serverlessrepo").meta.service_model


def _valid(operation: str, params: dict[str, Any]) -> None:
    """The parameters as AWS describes the operation (botocore's serverlessrepo model)."""
    report = ParamValidator().validate(params, _model().operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def test_the_listing_metadata_is_complete_and_within_sars_limits() -> None:
    meta = sar.metadata(TEMPLATE)
    assert meta["SemanticVersion"] == providers.__version__
    assert meta["SpdxLicenseId"] == "Apache-2.0"
    assert (samtemplate.TEMPLATE_PATH.parent / meta["LicenseUrl"]).resolve() == sar.LICENSE
    assert (samtemplate.TEMPLATE_PATH.parent / meta["ReadmeUrl"]).resolve() == sar.README
    assert "Apache License" in sar.LICENSE.read_text(encoding="utf-8")
    # SAR's documented limits (publishing guide: metadata properties).
    assert len(meta["Description"]) <= 256
    assert 1 <= len(meta["Labels"]) <= 10
    assert all(len(label) <= 127 for label in meta["Labels"])
    assert meta["SourceCodeUrl"].startswith("https://")


def test_packaging_replaces_every_local_path_and_passes_the_translator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    text = sar.packaged(TEMPLATE, ARTEFACTS)
    tree = loads(text)
    functions = [r for r in tree["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert {f["Properties"]["CodeUri"] for f in functions} == {ARTEFACTS.code}
    listing = tree["Metadata"]["AWS::ServerlessRepo::Application"]
    assert (listing["LicenseUrl"], listing["ReadmeUrl"]) == (ARTEFACTS.license, ARTEFACTS.readme)
    # cfn-lint of the packaged template: `gapfill publish` runs it (tests/integration/test_publish.py).

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    _, body = sar.listing(text)
    out = transform(copy.deepcopy(loads(body)), {}, NoManagedPolicies())
    assert "AWS::ServerlessRepo::Application" not in out.get("Metadata", {})
    assert out["Metadata"]["Gapfill"]["Version"] == providers.__version__
    aliases = [r for r in out["Resources"].values() if r["Type"] == "AWS::Lambda::Alias"]
    assert len(aliases) == len(functions)


def test_a_template_without_local_paths_is_not_packaged() -> None:
    with pytest.raises(sar.PublishError, match="no local CodeUri"):
        sar.packaged(sar.packaged(TEMPLATE, ARTEFACTS), ARTEFACTS)


def test_the_requests_are_what_the_serverlessrepo_model_accepts() -> None:
    meta, body = sar.listing(sar.packaged(TEMPLATE, ARTEFACTS))
    create = sar.create_request(meta, body)
    _valid("CreateApplication", create)
    assert create["SemanticVersion"] == providers.__version__
    _valid("CreateApplicationVersion", sar.version_request(meta, APP_ID, body))
    _valid("UpdateApplication", sar.update_request(meta, APP_ID))


def test_the_zip_must_be_the_release_and_the_templates_architecture() -> None:
    version = providers.__version__
    sar.check_manifest({"version": version, "arch": "arm64"}, version, "arm64")
    with pytest.raises(sar.PublishError, match="run `gapfill package`"):
        sar.check_manifest({"version": "0.0.1", "arch": "arm64"}, version, "arm64")
    with pytest.raises(sar.PublishError, match="--arch arm64"):
        sar.check_manifest({"version": version, "arch": "x86_64"}, version, "arm64")


def test_the_bucket_must_let_sar_read_it() -> None:
    policy = sar.required_policy("b", "123456789012")
    assert sar.bucket_readable_by_sar(json.dumps(policy), "b")
    assert not sar.bucket_readable_by_sar(None, "b")
    assert not sar.bucket_readable_by_sar(json.dumps(policy), "other")
    other = copy.deepcopy(policy)
    other["Statement"][0]["Principal"] = {"Service": "lambda.amazonaws.com"}
    assert not sar.bucket_readable_by_sar(json.dumps(other), "b")


# The Serverless Application Repository is not in moto, so the emulator cannot answer it: the
# one sequence that matters (first release vs. a later one, an existing version) is forced
# with botocore's Stubber, which also checks every request against the service model.
def _stubbed() -> tuple[Any, Stubber]:
    client = boto3.session.Session(region_name="us-east-1").client(
        "serverlessrepo", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def test_the_first_release_creates_the_application() -> None:
    meta, body = sar.listing(sar.packaged(TEMPLATE, ARTEFACTS))
    client, stub = _stubbed()
    stub.add_response("create_application", {"ApplicationId": APP_ID}, sar.create_request(meta, body))
    with stub:
        assert sar.publish_calls(client, meta, body, APP_ID, lambda _line: None) == APP_ID
    stub.assert_no_pending_responses()


def test_a_later_release_updates_the_listing_and_adds_a_version() -> None:
    meta, body = sar.listing(sar.packaged(TEMPLATE, ARTEFACTS))
    client, stub = _stubbed()
    stub.add_client_error("create_application", "ConflictException", http_status_code=409)
    stub.add_response("update_application", {}, sar.update_request(meta, APP_ID))
    stub.add_response("create_application_version", {}, sar.version_request(meta, APP_ID, body))
    lines: list[str] = []
    with stub:
        sar.publish_calls(client, meta, body, APP_ID, lines.append)
    stub.assert_no_pending_responses()
    assert lines == [f"published version {providers.__version__} of {APP_ID}"]


def test_an_existing_version_is_refused_with_what_to_do() -> None:
    meta, body = sar.listing(sar.packaged(TEMPLATE, ARTEFACTS))
    client, stub = _stubbed()
    stub.add_client_error("create_application", "ConflictException", http_status_code=409)
    stub.add_response("update_application", {}, sar.update_request(meta, APP_ID))
    stub.add_client_error("create_application_version", "ConflictException", http_status_code=409)
    with stub, pytest.raises(sar.PublishError, match="SAR versions are immutable"):
        sar.publish_calls(client, meta, body, APP_ID, lambda _line: None)


def test_the_source_url_is_the_one_the_schemas_name() -> None:
    urls = {
        json.loads(path.read_text(encoding="utf-8")).get("sourceUrl")
        for path in (samtemplate.REPO / "schemas").glob("*.json")
    }
    assert urls - {None} == {sar.metadata(TEMPLATE)["SourceCodeUrl"]}  # (not every schema names it)
