"""``gapfill deploy`` for a real account: argument guard, parameter files, artefact keys and
template rewriting, change-set requests, first-failure reasons; and the boto3 sequence
against moto server's CloudFormation and S3."""

from __future__ import annotations

import argparse
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3
import pytest

from gapfill.cli import build_parser
from gapfill.deploy import artifacts, params, stacks
from gapfill.deploy.artifacts import PackageError, Packager
from gapfill.deploy.runner import Deployer, IdentityMismatchError, default_bucket

ACCOUNT = "123456789012"
REPO = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["deploy", *argv])


# -- the guard --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ((), "--region is required"),
        (("--region", "us-east-1"), "--account-id is required"),
        (("--region", "us-east-1", "--account-id", "12345"), "12-digit"),
        (("--region", "mars-1", "--account-id", ACCOUNT), "not an AWS region"),
        (("--region", "us-east-1", "--account-id", ACCOUNT), "--parameters FILE is required"),
        (("--rehearse", "--region", "us-east-1", "--account-id", ACCOUNT), "only apply with --local"),
    ],
)
def test_refuses_without_an_explicit_target(
    argv: tuple[str, ...], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(*argv)
    assert args.func(args) == 2
    assert needle in capsys.readouterr().err


def test_explicit_target_passes_the_guard() -> None:
    from gapfill.commands.deploy import check_real_target

    assert (
        check_real_target(parse("--region", "eu-west-2", "--account-id", ACCOUNT, "--providers-only")) is None
    )
    assert (
        check_real_target(parse("--region", "us-gov-west-1", "--account-id", ACCOUNT, "--parameters", "p"))
        is None
    )


def test_local_mode_is_handed_to_the_local_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []
    import gapfill.local.job as local

    monkeypatch.setattr(local, "main", lambda args: seen.append(args) or 7)
    args = parse("--local", "--rehearse", "--keep", "--output", "out", "--parameters", "p.json")
    assert args.func(args) == 7
    assert seen[0].rehearse
    assert seen[0].keep
    assert seen[0].output == Path("out")
    assert seen[0].parameters == Path("p.json")


def test_flags_the_brief_names_are_accepted() -> None:
    args = parse(
        "--region", "eu-west-1", "--account-id", ACCOUNT, "--profile", "ops", "--providers-stack", "prov",
        "--stack-name", "cc", "--deployment-bucket", "my-bucket", "--parameters", "x.json",
    )  # fmt: skip
    assert (args.profile, args.providers_stack, args.stack_name, args.deployment_bucket) == (
        "ops",
        "prov",
        "cc",
        "my-bucket",
    )


# -- parameter files --------------------------------------------------------------------------


def test_parameter_file_shapes(tmp_path: Path) -> None:
    cfn = tmp_path / "a.json"
    cfn.write_text(
        json.dumps(
            [{"ParameterKey": "Env", "ParameterValue": "dev"}, {"ParameterKey": "N", "ParameterValue": 3}]
        )
    )
    config = tmp_path / "b.json"
    config.write_text(json.dumps({"Parameters": {"Env": "dev", "N": 3}, "Tags": {"a": "b"}}))
    plain = tmp_path / "c.yaml"
    plain.write_text("Env: dev\nN: 3\nFlag: true\nList: [a, b]\n")
    assert params.load(cfn) == {"Env": "dev", "N": "3"}
    assert params.load(config) == {"Env": "dev", "N": "3"}
    assert params.load(plain) == {"Env": "dev", "N": "3", "Flag": "true", "List": "a,b"}


def test_committed_parameter_files_parse() -> None:
    files = sorted((REPO / "templates" / "parameters").glob("*.json"))
    assert files
    for path in files:
        assert params.load(path), path


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ([{"ParameterValue": "x"}], "ParameterKey"),
        (
            [{"ParameterKey": "A", "ParameterValue": "1"}, {"ParameterKey": "A", "ParameterValue": "2"}],
            "twice",
        ),
        ([{"ParameterKey": "A", "UsePreviousValue": True}], "UsePreviousValue"),
        ({"A": {"nested": 1}}, "parameter A"),
        ("text", "expected"),
    ],
)
def test_bad_parameter_files(data: Any, needle: str) -> None:
    with pytest.raises(params.ParameterError, match=needle):
        params.parse(data)


def test_fit_fills_declared_names_and_rejects_unknown_or_missing() -> None:
    template = {
        "Parameters": {
            "Env": {"Type": "String"},
            "ProvidersStackName": {"Type": "String", "Default": "gapfill-providers"},
            "Retention": {"Type": "Number", "Default": 7},
        }
    }
    fill = {"ProvidersStackName": "prov", "DeploymentBucket": "b"}
    assert params.fit(template, {"Env": "dev"}, fill) == {"Env": "dev", "ProvidersStackName": "prov"}
    assert (
        params.fit(template, {"Env": "dev", "ProvidersStackName": "mine"}, fill)["ProvidersStackName"]
        == "mine"
    )
    with pytest.raises(params.ParameterError, match="not parameters of the template: Typo"):
        params.fit(template, {"Env": "dev", "Typo": "x"}, fill)
    with pytest.raises(params.ParameterError, match="required parameters: Env"):
        params.fit(template, {}, fill)
    assert params.as_cfn({"b": "2", "a": "1"}) == [
        {"ParameterKey": "a", "ParameterValue": "1"},
        {"ParameterKey": "b", "ParameterValue": "2"},
    ]


# -- artefacts --------------------------------------------------------------------------------


def nested_tree(base: Path) -> Path:
    (base / "stacks" / "code").mkdir(parents=True, exist_ok=True)
    (base / "stacks" / "code" / "index.py").write_text("def handler(e, c):\n    return 1\n")
    (base / "stacks" / "code" / "__pycache__").mkdir(exist_ok=True)
    (base / "stacks" / "code" / "__pycache__" / "index.cpython-312.pyc").write_bytes(b"\0")
    (base / "stacks" / "child.yaml").write_text(
        "Resources:\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: code\n"
        "  SamFn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: code\n"
        "  Remote:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: {S3Bucket: x, S3Key: y}\n"
    )
    root = base / "main.yaml"
    root.write_text(
        "Resources:\n"
        "  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: stacks/child.yaml\n"
        "  Ref:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${AWS::StackName}-q'\n"
    )
    return root


def test_package_rewrites_local_paths_to_content_addressed_s3_locations(tmp_path: Path) -> None:
    root = nested_tree(tmp_path)
    packager = Packager("deploy-bucket", "eu-west-2", prefix="gapfill/stacks/cc")
    url = packager.package_and_add(root)
    keys = list(packager.uploads)
    assert len(keys) == 3  # code zip (once, shared), child template, root template
    code_key, child_key, root_key = keys
    assert code_key.startswith("gapfill/stacks/cc/")
    assert code_key.endswith(".zip")
    assert child_key.endswith(".template")
    assert root_key.endswith(".template")
    assert url == f"https://deploy-bucket.s3.eu-west-2.amazonaws.com/{root_key}"
    root_doc = json.loads(packager.uploads[root_key])
    assert root_doc["Resources"]["Child"]["Properties"]["TemplateURL"] == (
        f"https://deploy-bucket.s3.eu-west-2.amazonaws.com/{child_key}"
    )
    assert root_doc["Resources"]["Ref"]["Properties"]["QueueName"] == {"Fn::Sub": "${AWS::StackName}-q"}
    child_doc = json.loads(packager.uploads[child_key])
    assert child_doc["Resources"]["Fn"]["Properties"]["Code"] == {
        "S3Bucket": "deploy-bucket",
        "S3Key": code_key,
    }
    assert child_doc["Resources"]["SamFn"]["Properties"]["CodeUri"] == f"s3://deploy-bucket/{code_key}"
    assert child_doc["Resources"]["Remote"]["Properties"]["Code"] == {"S3Bucket": "x", "S3Key": "y"}
    with zipfile.ZipFile(BytesIO(packager.uploads[code_key])) as archive:
        assert archive.namelist() == ["index.py"]


def test_keys_are_stable_and_follow_changes_deep_down(tmp_path: Path) -> None:
    root = nested_tree(tmp_path)
    first = Packager("b", "us-east-1")
    first_url = first.package_and_add(root)
    again = Packager("b", "us-east-1")
    assert again.package_and_add(root) == first_url
    (tmp_path / "stacks" / "code" / "index.py").write_text("def handler(e, c):\n    return 2\n")
    changed = Packager("b", "us-east-1")
    assert changed.package_and_add(root) != first_url  # the code changed, so every parent did


def test_missing_local_artefact_names_the_resource(tmp_path: Path) -> None:
    root = tmp_path / "main.yaml"
    root.write_text(
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: nope.yaml\n"
    )
    with pytest.raises(PackageError, match=r"main.yaml: Child.TemplateURL: nope.yaml does not exist"):
        Packager("b", "us-east-1").package_and_add(root)


def test_template_url_partitions() -> None:
    assert artifacts.template_url("b", "cn-north-1", "k") == "https://b.s3.cn-north-1.amazonaws.com.cn/k"
    assert default_bucket(ACCOUNT, "eu-west-1") == f"gapfill-deploy-{ACCOUNT}-eu-west-1"


def test_providers_template_packages_the_zip_into_every_function(tmp_path: Path) -> None:
    """The committed SAM template's CodeUri is the zip `gapfill package` writes."""
    from gapfill.bundling import samtemplate, zipbuild

    zip_path = zipbuild.DEFAULT_OUTPUT / zipbuild.ZIP_NAME
    if not zip_path.exists():
        zipbuild.build(arch="arm64")
    packager = Packager("b", "us-east-1", prefix="gapfill/providers")
    template = packager.package(samtemplate.TEMPLATE_PATH)
    zip_keys = [k for k in packager.uploads if k.endswith(".zip")]
    assert len(zip_keys) == 1
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions
    for function in functions:
        assert function["Properties"]["CodeUri"] == f"s3://b/{zip_keys[0]}"
    assert template["Transform"] == "AWS::Serverless-2016-10-31"


# -- stacks -----------------------------------------------------------------------------------


def test_change_set_type_by_stack_status() -> None:
    assert stacks.change_set_type(None) == "CREATE"
    assert stacks.change_set_type("REVIEW_IN_PROGRESS") == "CREATE"
    assert stacks.change_set_type("UPDATE_ROLLBACK_COMPLETE") == "UPDATE"
    with pytest.raises(stacks.StackStateError, match="delete it"):
        stacks.change_set_type("ROLLBACK_COMPLETE")
    with pytest.raises(stacks.StackStateError, match="UPDATE_IN_PROGRESS"):
        stacks.change_set_type("UPDATE_IN_PROGRESS")


def test_change_set_request() -> None:
    request = stacks.change_set_request(
        stack_name="gapfill-providers",
        change_set_name="gapfill-1",
        change_set_type="CREATE",
        template_url="https://b.s3.us-east-1.amazonaws.com/k.template",
        parameters=params.as_cfn({"Architecture": "arm64"}),
        tags={"z": "1", "a": "2"},
    )
    assert request == {
        "StackName": "gapfill-providers",
        "ChangeSetName": "gapfill-1",
        "ChangeSetType": "CREATE",
        "TemplateURL": "https://b.s3.us-east-1.amazonaws.com/k.template",
        "Parameters": [{"ParameterKey": "Architecture", "ParameterValue": "arm64"}],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        "Description": "gapfill deploy",
        "Tags": [{"Key": "a", "Value": "2"}, {"Key": "z", "Value": "1"}],
    }


def event(
    seconds: int, logical: str, status: str, reason: str = "", rtype: str = "Custom::X"
) -> dict[str, Any]:
    return {
        "EventId": f"{logical}-{seconds}",
        "Timestamp": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
        "LogicalResourceId": logical,
        "ResourceType": rtype,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
    }


def test_first_failure_is_the_cause_not_the_cancellations_or_rollback() -> None:
    events = [  # newest first, as the API returns them
        event(9, "stack", "ROLLBACK_COMPLETE", rtype="AWS::CloudFormation::Stack"),
        event(5, "Other", "CREATE_FAILED", "Resource creation cancelled"),
        event(4, "User", "CREATE_FAILED", "Users[0].Email: 'x' is not a 'email'"),
        event(3, "Flow", "CREATE_IN_PROGRESS"),
        event(1, "stack", "CREATE_IN_PROGRESS", "User Initiated", rtype="AWS::CloudFormation::Stack"),
    ]
    failure = stacks.first_failure(events)
    assert failure is not None
    assert failure["LogicalResourceId"] == "User"
    assert stacks.chronological(events)[0]["EventId"] == "stack-1"
    assert stacks.first_failure([event(1, "A", "CREATE_COMPLETE")]) is None
    line = stacks.format_event(events[2])
    assert line.startswith("00:00:04  CREATE_FAILED")
    assert "User (Custom::X): Users[0].Email" in line


def test_empty_change_set_is_recognised() -> None:
    assert stacks.change_set_is_empty(
        {"Status": "FAILED", "StatusReason": "The submitted information didn't contain changes."}
    )
    assert not stacks.change_set_is_empty({"Status": "FAILED", "StatusReason": "Template format error"})


# -- the boto3 sequence against moto server -----------------------------------------------------


def session() -> Any:
    return boto3.Session(region_name="us-east-1")


def real_args(tmp_path: Path, **overrides: Any) -> argparse.Namespace:
    root = nested_tree(tmp_path)
    text = root.read_text().replace(
        "Resources:\n",
        "Parameters:\n  Env: {Type: String}\n  ProvidersStackName: {Type: String}\nResources:\n",
        1,
    )
    root.write_text(text)
    (tmp_path / "stacks" / "child.yaml").write_text(
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: deploy-test-topic}\n"
    )
    (tmp_path / "p.json").write_text(json.dumps([{"ParameterKey": "Env", "ParameterValue": "dev"}]))
    values: dict[str, Any] = {
        "account_id": ACCOUNT,
        "region": "us-east-1",
        "deployment_bucket": None,
        "providers_only": False,
        "skip_providers": True,
        "template": root,
        "parameters": tmp_path / "p.json",
        "providers_stack": "prov",
        "stack_name": "deploy-test",
        "arch": "arm64",
        "output": tmp_path / "out",
    }
    values.update(overrides)
    return argparse.Namespace(**values)


def _keys(s3: Any, bucket: str) -> set[str]:
    """Every key in the bucket, or none when it does not exist yet."""
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {o["Key"] for page in pages for o in page.get("Contents", [])}
    except s3.exceptions.NoSuchBucket:
        return set()


def test_deploys_nested_templates_through_change_sets_then_is_a_no_op(
    emulator: Any, aws: Callable[[str], Any], tmp_path: Path
) -> None:
    from gapfill.commands.deploy import deploy_real

    bucket = default_bucket(ACCOUNT, "us-east-1")
    before = _keys(aws("s3"), bucket)  # the emulator is shared: other tests may have used the bucket
    lines: list[str] = []
    deployer = Deployer(session(), out=lines.append, poll_seconds=0.05)
    assert deploy_real(real_args(tmp_path), deployer) == 0
    text = "\n".join(lines)
    assert "create change set" in text
    assert "Add     Child (AWS::CloudFormation::Stack)" in text
    assert "stack deploy-test: CREATE_COMPLETE" in text
    keys = sorted(_keys(aws("s3"), bucket) - before)
    assert len(keys) == 2  # root and child templates
    assert all(k.startswith("gapfill/stacks/deploy-test/") for k in keys)
    stack = aws("cloudformation").describe_stacks(StackName="deploy-test")["Stacks"][0]
    got = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert got == {"Env": "dev", "ProvidersStackName": "prov"}
    assert {"Key": "gapfill:deployed-by", "Value": "gapfill deploy"} in stack["Tags"]
    assert json.loads((tmp_path / "out" / "stack-outputs.json").read_text()) == {"deploy-test": {}}

    lines.clear()
    assert deploy_real(real_args(tmp_path), deployer) == 0
    assert "stack deploy-test: no changes" in lines
    assert not any("uploaded" in line for line in lines)  # same content, same keys: nothing sent


def test_wrong_account_changes_nothing(emulator: Any, aws: Callable[[str], Any], tmp_path: Path) -> None:
    from gapfill.commands.deploy import deploy_real

    before = {b["Name"] for b in aws("s3").list_buckets()["Buckets"]}
    deployer = Deployer(session(), out=lambda _line: None, poll_seconds=0.05)
    with pytest.raises(IdentityMismatchError, match="not 111111111111"):
        deployer.verify_identity("111111111111")
    args = real_args(tmp_path, account_id="111111111111", stack_name="never-made")
    assert deploy_real(args, deployer) == 2
    assert {b["Name"] for b in aws("s3").list_buckets()["Buckets"]} == before
    assert deployer.stack_status("never-made") is None


def test_parameter_problems_stop_before_anything_is_deployed(
    emulator: Any, aws: Callable[[str], Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gapfill.commands.deploy import deploy_real

    args = real_args(tmp_path, stack_name="bad-params", skip_providers=False)
    (tmp_path / "p.json").write_text(json.dumps({"Parameters": {"Env": "dev", "Typo": "1"}}))
    deployer = Deployer(session(), out=lambda _line: None, poll_seconds=0.05)
    assert deploy_real(args, deployer) == 1
    assert "not parameters of the template: Typo" in capsys.readouterr().err
    assert deployer.stack_status("prov") is None  # not even the providers stack was touched


def test_project_root_template_packages_and_its_parameter_files_fit() -> None:
    """What `gapfill deploy --parameters templates/parameters/<env>.json` would upload and send."""
    from gapfill.local.template import load

    root = REPO / "templates" / "main.yaml"
    packager = Packager("b", "eu-west-2", prefix="gapfill/stacks/gapfill")
    url = packager.package_and_add(root)
    assert url.endswith(".template")
    root_doc = json.loads(packager.uploads[url.rsplit(".amazonaws.com/", 1)[1]])
    nested = [r for r in root_doc["Resources"].values() if r["Type"] == "AWS::CloudFormation::Stack"]
    assert nested
    for stack in nested:
        assert stack["Properties"]["TemplateURL"].startswith(
            "https://b.s3.eu-west-2.amazonaws.com/gapfill/stacks/"
        )
    template = load(root)
    from gapfill.deploy import functions

    for name in ("dev.json", "prod.json"):
        given = params.load(REPO / "templates" / "parameters" / name)
        values = params.fit(template, given, {})
        assert values
        # The committed files leave the functions' code to `gapfill deploy`, which fills it all.
        plan = functions.plan(template, given, "b")
        assert plan.bucket == "b"
        assert set(plan.keys) == set(functions.KEY_PARAMETERS)


# -- the runtime functions' code ------------------------------------------------------------------

FUNCTION_PARAMETERS = (
    "  FunctionCodeBucket: {Type: String, Default: ''}\n"
    "  FunctionCodeKey: {Type: String, Default: functions/chat_usage.zip}\n"
    "  AgentDirectoryFunctionCodeKey: {Type: String, Default: functions/agent_directory.zip}\n"
)


def test_function_plan_fills_only_what_the_user_left_out() -> None:
    from gapfill.deploy import functions

    template = {
        "Parameters": {
            "FunctionCodeBucket": {"Default": ""},
            "FunctionCodeKey": {},
            "AgentDirectoryFunctionCodeKey": {},
        }
    }
    everything = functions.plan(template, {}, "deploy-bucket")
    assert everything.bucket == "deploy-bucket"
    assert everything.keys == {
        "FunctionCodeKey": "chat_usage",
        "AgentDirectoryFunctionCodeKey": "agent_directory",
    }
    assert everything.function_names == ("agent_directory", "chat_usage")
    one_given = functions.plan(template, {"FunctionCodeKey": "mine.zip"}, "deploy-bucket")
    assert one_given.keys == {"AgentDirectoryFunctionCodeKey": "agent_directory"}
    # The user's own bucket: their code, nothing built or filled.
    assert (
        functions.plan(template, {"FunctionCodeBucket": "theirs"}, "deploy-bucket")
        == functions.FunctionPlan()
    )
    # A template without the parameters (the qr-upload stack, a test template) gets nothing.
    assert functions.plan({"Parameters": {"Env": {}}}, {}, "deploy-bucket") == functions.FunctionPlan()


def test_function_zips_get_content_addressed_keys(tmp_path: Path) -> None:
    from gapfill.deploy import functions

    first, second = tmp_path / "chat_usage.zip", tmp_path / "agent_directory.zip"
    first.write_bytes(b"zip one")
    second.write_bytes(b"zip two")
    chosen = functions.plan({"Parameters": {"FunctionCodeBucket": {}, "FunctionCodeKey": {}}}, {}, "b")
    packager = Packager("b", "us-east-1", prefix=functions.PREFIX)
    values = functions.fill(chosen, packager, {"chat_usage": first, "agent_directory": second})
    import hashlib

    key = f"gapfill/functions/{hashlib.sha256(b'zip one').hexdigest()}.zip"
    assert values == {"FunctionCodeBucket": "b", "FunctionCodeKey": key}
    assert packager.uploads == {key: b"zip one"}
    with pytest.raises(ValueError, match="bucket"):
        functions.fill(chosen, Packager("other", "us-east-1"), {"chat_usage": first})


def function_args(
    tmp_path: Path, given: dict[str, str] | None = None, **overrides: Any
) -> argparse.Namespace:
    args = real_args(tmp_path, build_dir=tmp_path / "build", **overrides)
    root = Path(args.template)
    root.write_text(root.read_text().replace("Parameters:\n", "Parameters:\n" + FUNCTION_PARAMETERS, 1))
    (tmp_path / "p.json").write_text(json.dumps({"Env": "dev", **(given or {})}))
    return args


def stack_parameters(aws: Callable[[str], Any], name: str) -> dict[str, str]:
    stack = aws("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def test_deploy_uploads_the_function_zips_and_passes_their_keys(
    emulator: Any, aws: Callable[[str], Any], tmp_path: Path
) -> None:
    import hashlib

    from gapfill.commands.deploy import deploy_real

    lines: list[str] = []
    deployer = Deployer(session(), out=lines.append, poll_seconds=0.05)
    args = function_args(tmp_path, stack_name="fn-deploy")
    assert deploy_real(args, deployer) == 0, "\n".join(lines)
    bucket = default_bucket(ACCOUNT, "us-east-1")
    got = stack_parameters(aws, "fn-deploy")
    assert got["FunctionCodeBucket"] == bucket
    for parameter, name in (
        ("FunctionCodeKey", "chat_usage"),
        ("AgentDirectoryFunctionCodeKey", "agent_directory"),
    ):
        built = (tmp_path / "build" / "functions" / f"{name}.zip").read_bytes()
        assert got[parameter] == f"gapfill/functions/{hashlib.sha256(built).hexdigest()}.zip"
        body = aws("s3").get_object(Bucket=bucket, Key=got[parameter])["Body"].read()
        assert body == built
        with zipfile.ZipFile(BytesIO(body)) as archive:
            assert f"functions/{name}/handler.py" in archive.namelist()
    assert any("functions/chat_usage.zip" in line and "uploaded" in line for line in lines)

    # Same code, same keys: nothing uploaded again, and the stack has nothing to change.
    lines.clear()
    assert deploy_real(function_args(tmp_path, stack_name="fn-deploy"), deployer) == 0
    assert "stack fn-deploy: no changes" in lines
    assert not any("uploaded" in line for line in lines)


def test_deploy_leaves_the_users_function_code_alone(
    emulator: Any, aws: Callable[[str], Any], tmp_path: Path
) -> None:
    from gapfill.commands.deploy import deploy_real

    deployer = Deployer(session(), out=lambda _line: None, poll_seconds=0.05)
    args = function_args(
        tmp_path, {"FunctionCodeBucket": "their-code", "FunctionCodeKey": "c.zip"}, stack_name="fn-own"
    )
    assert deploy_real(args, deployer) == 0
    assert not (tmp_path / "build" / "functions").exists(), "nothing is built for the user's own bucket"
    assert stack_parameters(aws, "fn-own") == {
        "Env": "dev",
        "ProvidersStackName": "prov",
        "FunctionCodeBucket": "their-code",
        "FunctionCodeKey": "c.zip",
        "AgentDirectoryFunctionCodeKey": "functions/agent_directory.zip",
    }

    # Only one key given: the other function is built and uploaded, the given key kept as is.
    args = function_args(tmp_path, {"FunctionCodeKey": "pinned/chat.zip"}, stack_name="fn-mixed")
    assert deploy_real(args, deployer) == 0
    got = stack_parameters(aws, "fn-mixed")
    assert got["FunctionCodeKey"] == "pinned/chat.zip"
    assert got["FunctionCodeBucket"] == default_bucket(ACCOUNT, "us-east-1")
    assert got["AgentDirectoryFunctionCodeKey"].startswith("gapfill/functions/")
    assert not (tmp_path / "build" / "functions" / "chat_usage.zip").exists()
