"""The providers' SAM template: committed file == generator output, cfn-lint clean, and the
SAM translator (offline) turns it into the functions, roles and exports the stacks need."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode import decode, decode_str

from gapfill.bundling import samtemplate, zipbuild

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "packaging" / "template.yaml"


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert not matches, matches
    assert template is not None
    return dict(template)


def translate(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What CloudFormation's SAM transform would produce, with the code already uploaded
    (as `sam package` or `gapfill deploy` leave it)."""
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    uploaded = copy.deepcopy(template)
    for resource in uploaded["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://example-deployment-bucket/gapfill/providers.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    return dict(transform(uploaded, {}, NoManagedPolicies()))


def test_committed_template_is_what_the_generator_makes_from_schemas() -> None:
    expected = samtemplate.generate()
    assert TEMPLATE.read_text(encoding="utf-8") == expected, (
        "packaging/template.yaml is out of date: run `gapfill sam-template`"
    )


def test_template_has_one_function_per_schema() -> None:
    schemas = sorted(p.stem for p in (REPO / "schemas").glob("*.json"))
    assert schemas, "no schemas to package"
    template = load()
    functions = sorted(
        name.removesuffix("Function")
        for name, res in template["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    )
    assert functions == schemas


def test_template_passes_cfn_lint() -> None:
    matches = lint_file(TEMPLATE)
    assert [str(m) for m in matches] == []


def test_generated_template_for_every_known_type_passes_cfn_lint(tmp_path: Path) -> None:
    """Schemas that have not landed yet must not break the template either: generate one
    for all eight registry types with minimal schemas and lint that."""
    from providers.registry import PROVIDERS

    for resource_type in PROVIDERS:
        suffix = resource_type.removeprefix("Custom::")
        schema = {
            "typeName": f"Gapfill::X::{suffix}",
            "description": f"{suffix}. More.",
            "handlers": {"create": {"permissions": ["connect:DescribeInstance", "s3:GetBucketNotification"]}},
        }
        (tmp_path / f"{suffix}.json").write_text(json.dumps(schema), encoding="utf-8")
    text = samtemplate.generate(tmp_path)
    out = tmp_path / "template.yaml"
    out.write_text(text, encoding="utf-8")
    assert [str(m) for m in lint_file(out)] == []
    assert text.count("Type: AWS::Serverless::Function") == len(PROVIDERS)


def test_sam_translator_produces_functions_roles_log_groups_and_exports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = load()
    out = translate(template, monkeypatch)
    resources = out["Resources"]
    assert "Transform" not in out
    for spec in samtemplate.load_specs():
        function = resources[spec.function_id]
        assert function["Type"] == "AWS::Lambda::Function"
        props = function["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["Handler"] == "providers.handler.lambda_handler"
        assert props["Architectures"] == [{"Ref": "Architecture"}]
        assert props["Environment"]["Variables"]["GAPFILL_PROVIDER"] == spec.resource_type
        assert props["Environment"]["Variables"]["GAPFILL_LOG_LEVEL"] == {"Ref": "LogLevel"}
        assert props["Role"] == {"Fn::GetAtt": [spec.role_id, "Arn"]}
        assert props["Code"] == {"S3Bucket": "example-deployment-bucket", "S3Key": "gapfill/providers.zip"}
        assert props["FunctionName"] == {"Fn::Sub": f"${{AWS::StackName}}-{spec.suffix}"}
        assert props["LoggingConfig"]["LogGroup"] == {"Ref": spec.log_group_id}
        assert 1 <= props["Timeout"] <= 900
        if spec.suffix.startswith("Connect"):
            assert props["Timeout"] == 900
        assert "DeadLetterConfig" not in props

        log_group = resources[spec.log_group_id]
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert log_group["Properties"]["LogGroupName"] == {
            "Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{spec.suffix}"
        }

        role = resources[spec.role_id]
        assert role["Type"] == "AWS::IAM::Role"
        assert "ManagedPolicyArns" not in role["Properties"], "no broad managed policies"
        trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]

        # The major's alias (on a published version), exported under a name that carries the major...
        alias = resources[f"{spec.function_id}Aliasv1"]
        assert alias["Type"] == "AWS::Lambda::Alias"
        assert alias["Properties"]["Name"] == "v1"
        version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert resources[version_id]["Type"] == "AWS::Lambda::Version"
        assert resources[version_id]["Properties"]["FunctionName"] == {"Ref": spec.function_id}
        output = out["Outputs"][f"{spec.suffix}ServiceTokenV1"]
        assert output["Value"] == {"Ref": f"{spec.function_id}Aliasv1"}
        assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-v1-{spec.suffix}-ServiceToken"}
        # ...and the unversioned export of before 1.0 unchanged (output id, value and name).
        legacy = out["Outputs"][f"{spec.suffix}ServiceToken"]
        assert legacy["Value"] == {"Fn::GetAtt": [spec.function_id, "Arn"]}
        assert legacy["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{spec.suffix}-ServiceToken"}


def test_parameters_cover_log_level_retention_and_architecture() -> None:
    params = load()["Parameters"]
    assert params["LogLevel"]["Default"] == "INFO"
    assert params["Architecture"]["Default"] == "arm64"
    assert set(params["Architecture"]["AllowedValues"]) == set(zipbuild.PLATFORMS)
    assert params["LogRetentionDays"]["Default"] in params["LogRetentionDays"]["AllowedValues"]


def test_code_uri_is_where_gapfill_package_writes_the_zip() -> None:
    template = load()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            code_uri = resource["Properties"]["CodeUri"]
            assert (TEMPLATE.parent / code_uri).resolve() == (zipbuild.DEFAULT_OUTPUT / zipbuild.ZIP_NAME)


def test_examples_import_the_export_names_the_template_creates() -> None:
    """docs/examples use `gapfill-providers-v1-<Suffix>-ServiceToken`: the default stack name
    in samconfig.toml must produce exactly those names."""
    config = tomllib.loads((REPO / "packaging" / "samconfig.toml").read_text(encoding="utf-8"))
    stack = config["default"]["global"]["parameters"]["stack_name"]
    assert stack == samtemplate.DEFAULT_STACK_NAME
    for example in sorted((REPO / "docs" / "examples").glob("*.yaml")):
        text = example.read_text(encoding="utf-8")
        for name in re.findall(r"ImportValue\s+['\"]?([A-Za-z0-9-]+-ServiceToken)", text):
            assert name.startswith(f"{stack}-v1-"), f"{example.name}: {name} is not a v1 token"
            suffix = name.removeprefix(f"{stack}-v1-").removesuffix("-ServiceToken")
            assert (REPO / "schemas" / f"{suffix}.json").exists(), f"{example.name}: {name}"


def test_samconfig_names_no_region_and_asks_for_iam_capabilities() -> None:
    config = tomllib.loads((REPO / "packaging" / "samconfig.toml").read_text(encoding="utf-8"))
    deploy = config["default"]["deploy"]["parameters"]
    assert "region" not in deploy
    assert "region" not in config["default"]["global"]["parameters"]
    assert set(deploy["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}


def test_packaging_directory_does_not_shadow_the_pypi_packaging_module() -> None:
    assert not (REPO / "packaging" / "__init__.py").exists()
    spec = importlib.util.find_spec("packaging")
    assert spec is not None
    assert spec.origin is not None
    assert Path(spec.origin).resolve().parent != (REPO / "packaging").resolve()


def test_lambda_requirements_cover_the_runtime_dependencies() -> None:
    """Every [project] dependency except what the Lambda runtime provides is pinned for the zip."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}
    wanted -= zipbuild.RUNTIME_PROVIDED
    pinned = {re.sub(r"[-_.]+", "-", pin.name).lower() for pin in zipbuild.read_pins()}
    assert wanted <= pinned, f"add to packaging/requirements.txt: {sorted(wanted - pinned)}"


def test_decoded_template_round_trips_through_cfn_lint_decoder() -> None:
    """The short-form tags the generator writes decode to the intrinsics CloudFormation expects."""
    template, matches = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not matches
    assert template is not None
    some = next(iter(samtemplate.load_specs()))
    fn = template["Resources"][some.function_id]["Properties"]
    assert fn["Role"] == {"Fn::GetAtt": [some.role_id, "Arn"]}


def test_docs_role_table_is_what_the_schemas_say() -> None:
    docs = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert samtemplate.ROLES_START in docs
    assert samtemplate.with_role_table(docs, samtemplate.load_specs()) == docs, (
        "docs/deploy.md role table is out of date: run `gapfill sam-template`"
    )
    for spec in samtemplate.load_specs():
        assert f"`{spec.resource_type}`" in docs


def test_sam_template_check_fails_on_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gapfill.cli import build_parser

    stale = tmp_path / "template.yaml"
    stale.write_text(TEMPLATE.read_text(encoding="utf-8").replace("Timeout: 900", "Timeout: 3", 1))
    args = build_parser().parse_args(["sam-template", "--check", "--output", str(stale)])
    assert args.func(args) == 1
    assert "+      Timeout: 900" in capsys.readouterr().err
    args = build_parser().parse_args(["sam-template", "--output", str(stale)])
    assert args.func(args) == 0
    assert stale.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8")
