"""The local main job: the real templates' Custom:: resources through the protocol."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from gapfill.deploy.params import load as load_parameters
from gapfill.local.deployment import LocalDeployment
from gapfill.local.job import main
from gapfill.local.plan import SEED_DIR
from gapfill.local.prerequisites import seed

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "templates" / "main.yaml"


def _client(emulator: Any, service: str) -> Any:
    """A plain boto3 client on the emulator (as the ``aws`` fixture, for a module-scoped one)."""
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _outcome(call: Callable[[], Any]) -> Any:
    """What a call answered, or the error it raised (asserted by the test of its phase)."""
    try:
        return call()
    except Exception as exc:
        return exc


def _reraise(outcome: Any) -> Any:
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@dataclass
class MainJob:
    """``main.yaml`` played once for the module: what each phase (created, rehearsed, deleted)
    left in the emulator, read right after it, so that each phase's test reports on its own."""

    deployment: Any
    seen: dict[str, Any] = field(default_factory=dict)

    def phase(self, name: str, play: Callable[[], None]) -> None:
        """Play one phase; an error is kept for that phase's test (the later phases still play)."""
        try:
            play()
        except Exception as exc:
            self.seen[f"{name} error"] = exc

    def reached(self, *names: str) -> None:
        """Re-raise the error of a phase the test needs."""
        for name in names:
            _reraise(self.seen.get(f"{name} error"))

    def find(self, **where: str) -> Any:
        return next(c for c in self.deployment.created if all(getattr(c, k) == v for k, v in where.items()))


def _after_create(job: MainJob, aws: Callable[[str], Any]) -> None:
    instance = job.find(resource_type="Custom::ConnectInstance")
    page = job.find(resource_type="Custom::HtmlPage")
    notification = job.find(logical_id="TranscriptNotification")
    uploads = job.find(logical_id="AgentDirectoryNotification")
    function = job.deployment.stacks["Connect"].standins["AgentDirectoryFunction"]
    job.seen.update(
        instance=aws("connect").describe_instance(InstanceId=instance.data["Id"])["Instance"],
        users=aws("connect").list_users(InstanceId=instance.data["Id"])["UserSummaryList"],
        page=aws("s3")
        .get_object(Bucket=page.properties["Bucket"], Key=page.properties["Key"])["Body"]
        .read(),
        transcripts=aws("s3").get_bucket_notification_configuration(
            Bucket=notification.properties["BucketName"]
        ),
        env=aws("lambda").get_function_configuration(FunctionName=function.ref)["Environment"]["Variables"],
        uploads=aws("s3").get_bucket_notification_configuration(Bucket=uploads.properties["BucketName"]),
    )


def _rehearse(job: MainJob, aws: Callable[[str], Any]) -> None:
    job.deployment.rehearse_update()
    page = job.find(resource_type="Custom::HtmlPage")
    job.seen["rehearsed"] = [(r.operation, r.logical_id) for r in job.deployment.rows]
    job.seen["page_bucket"] = aws("s3").list_objects_v2(Bucket=page.properties["Bucket"])


def _delete(job: MainJob, aws: Callable[[str], Any]) -> None:
    instance = job.find(resource_type="Custom::ConnectInstance")
    job.deployment.delete_all()
    job.seen["instance_deleted"] = _outcome(
        lambda: aws("connect").describe_instance(InstanceId=instance.data["Id"])
    )
    for logical_id in ("TranscriptNotification", "AgentDirectoryNotification"):
        bucket = job.find(logical_id=logical_id).properties["BucketName"]
        job.seen[f"deleted {logical_id}"] = aws("s3").get_bucket_notification_configuration(Bucket=bucket)


@pytest.fixture(scope="module")
def main_job(emulator: Any) -> Iterator[MainJob]:
    def aws(service: str) -> Any:
        return _client(emulator, service)

    params = load_parameters(SEED_DIR / "local-parameters.json")
    made = LocalDeployment(MAIN, params, progress=lambda _line: None, stack_name="it-local")
    job = MainJob(made)
    try:
        seed(made.root_parameters, progress=lambda _line: None)
        made.deploy()
        job.seen.update(created_failed=made.failed, created_table=made.table())
        job.phase("created", lambda: _after_create(job, aws))
        job.phase("rehearsed", lambda: _rehearse(job, aws))
        job.phase("deleted", lambda: _delete(job, aws))
        yield job
    finally:
        made.close()


def test_every_custom_resource_of_the_nested_stacks_is_created(main_job: MainJob) -> None:
    deployment = main_job.deployment
    created = {(c.stack, c.resource_type) for c in deployment.created}
    for stack, resource_type in [
        ("Connect", "Custom::ConnectInstance"),
        ("Connect", "Custom::ConnectContactFlow"),
        ("Connect", "Custom::ConnectPhoneNumber"),
        ("Connect", "Custom::ConnectUser"),
        ("Connect", "Custom::ConnectUserDirectory"),
        ("Frontend", "Custom::HtmlPage"),
        ("Backend", "Custom::FirehoseEncryption"),
        ("Chat", "Custom::S3BucketNotification"),
        ("Connect", "Custom::S3BucketNotification"),
    ]:
        assert (stack, resource_type) in created
    assert not main_job.seen["created_failed"], main_job.seen["created_table"]


def test_what_was_created_is_really_in_the_emulator(main_job: MainJob) -> None:
    main_job.reached("created")
    seen = main_job.seen
    assert seen["instance"]["InstanceStatus"] == "ACTIVE"
    usernames = {u["Username"] for u in seen["users"]}
    assert {"supervisor", "agent.ada", "agent.ken"} <= usernames
    body = seen["page"]
    assert b"initCCP" in body
    # SamlUrl in the local parameters reaches the page as its login URL (main -> frontend -> page).
    assert b"https://idp.example.com/saml/relay?RelayState=connect" in body
    assert seen["transcripts"]["LambdaFunctionConfigurations"]


def test_the_agent_directory_uploads_sync_the_directorys_own_csv(main_job: MainJob) -> None:
    """The agent-directory upload function: told the directory's own owner tag (so uploads and the
    stack manage the same users), notified for the CSVs of the directory key's folder only."""
    main_job.reached("created")
    instance = main_job.find(resource_type="Custom::ConnectInstance")
    directory = main_job.find(logical_id="AgentDirectory")
    function = main_job.deployment.stacks["Connect"].standins["AgentDirectoryFunction"]
    env = main_job.seen["env"]
    assert env["OWNER"] == directory.data["OwnerTag"]
    assert env["INSTANCE_ID"] == instance.data["Id"]
    # ... and syncing only the directory's own CSV, not any other file of that folder.
    assert env["DIRECTORY_KEY"] == directory.properties["Key"]
    directory_config = main_job.seen["uploads"]
    [entry] = [
        c
        for c in directory_config["LambdaFunctionConfigurations"]
        if c["LambdaFunctionArn"] == function.attributes["Arn"]
    ]
    assert entry["Events"] == ["s3:ObjectCreated:*"]
    rules = {r["Name"].lower(): r["Value"] for r in entry["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "agents/", "suffix": ".csv"}


def test_the_stack_update_changes_one_in_place_and_replaces_one(main_job: MainJob) -> None:
    main_job.reached("rehearsed")
    operations = main_job.seen["rehearsed"]
    assert ("UPDATE", "AfterHoursFlow") in operations
    assert ("REPLACE", "CcpPage") in operations
    assert ("CLEANUP", "CcpPage") in operations
    old = main_job.seen["page_bucket"].get("Contents", [])
    assert [o["Key"] for o in old] == ["index-v2.html"], "cleanup must delete the replaced page only"


def test_the_stack_deletion_removes_what_the_stack_made(main_job: MainJob, aws: Any) -> None:
    main_job.reached("deleted")
    deployment = main_job.deployment
    assert not deployment.failed, deployment.table()
    with pytest.raises(aws("connect").exceptions.ResourceNotFoundException):
        _reraise(main_job.seen["instance_deleted"])
    for logical_id in ("TranscriptNotification", "AgentDirectoryNotification"):
        after = main_job.seen[f"deleted {logical_id}"]
        assert not after.get("LambdaFunctionConfigurations"), logical_id
    table = deployment.table()
    assert "DELETE" in table
    assert "FAILED" not in table


def _args(tmp_path: Path, template: Path, **kw: Any) -> argparse.Namespace:
    params = tmp_path / "params.json"
    params.write_text(json.dumps(kw.pop("parameters", {})))
    return argparse.Namespace(
        template=str(template),
        parameters=str(params),
        output=str(tmp_path / "out"),
        rehearse=False,
        keep=False,
        **kw,
    )


def test_unsupported_intrinsics_are_refused_clearly(tmp_path: Path, capsys: Any) -> None:
    nested = tmp_path / "nested.yaml"
    nested.write_text(
        "Resources:\n  Page:\n    Type: Custom::HtmlPage\n    Properties:\n"
        "      ServiceToken: !ImportValue gapfill-providers-v1-HtmlPage-ServiceToken\n      Bucket: !Select [0, !GetAZs '']\n"
    )
    root = tmp_path / "main.yaml"
    root.write_text(
        "Resources:\n  Web:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: nested.yaml\n"
    )
    assert main(_args(tmp_path, root)) == 2
    assert "Fn::GetAZs is not supported by the local runner" in capsys.readouterr().err


def test_a_failing_resource_makes_the_job_fail(tmp_path: Path, capsys: Any) -> None:
    nested = tmp_path / "nested.yaml"
    nested.write_text(
        "Resources:\n  Page:\n    Type: Custom::HtmlPage\n    Properties:\n"
        "      ServiceToken: !ImportValue gapfill-providers-v1-HtmlPage-ServiceToken\n      Bucket: local-page-bucket\n"
        "      Key: index.html\n      NoSuchProperty: 1\n"
    )
    root = tmp_path / "main.yaml"
    root.write_text(
        "Resources:\n  Web:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: nested.yaml\n"
    )
    assert main(_args(tmp_path, root)) == 1
    out = capsys.readouterr().out
    assert "NoSuchProperty: unknown property" in out
    assert "0/1 operations succeeded" in out


QR = ROOT / "templates" / "qr-upload.yaml"


def test_a_flat_template_is_played_and_rehearsed_with_what_it_offers(
    tmp_path: Path, capsys: Any, aws: Any
) -> None:
    """The QR stack has no nested stacks and no replaceable resource: it is still played, the
    rehearsal says what it skipped, and the stack deletion empties its own buckets."""
    args = _args(tmp_path, QR)
    args.rehearse = True
    args.parameters = str(SEED_DIR / "qr-upload-local-parameters.json")
    assert main(args) == 0
    out = capsys.readouterr().out
    for logical in (
        "WebsiteFiles",
        "WebsiteBucketEmptier",
        "UploadBucketEmptier",
        "ApiGatewayAccount",
        "UploadNotification",
    ):
        assert f"qr-upload  {logical}" in out, logical
    assert "rehearsal: qr-upload.yaml: no resource offers a replacement to rehearse; skipped" in out
    assert "11/11 operations succeeded (qr-upload.yaml)" in out


def test_a_flat_template_deploys_its_custom_resources(emulator: Any, aws: Any) -> None:
    params = load_parameters(SEED_DIR / "qr-upload-local-parameters.json")
    deployment = LocalDeployment(QR, params, progress=lambda _line: None, stack_name="it-qr")
    try:
        deployment.deploy()
        assert not deployment.failed, deployment.table()
        config = aws("s3").get_object(Bucket="qr-upload-website-dev", Key="config.json")["Body"].read()
        assert json.loads(config)["webSocketUrl"].endswith("/dev")
        aws("s3").put_object(Bucket="qr-upload-uploads-dev", Key="session-uploads/x/y.jpg", Body=b"1")
        deployment.rehearse_update()
        deployment.delete_all()
        assert not deployment.failed, deployment.table()
        # EmptyBucketsOnDelete is true in the local parameters: the deletion emptied both buckets.
        for bucket in ("qr-upload-website-dev", "qr-upload-uploads-dev"):
            listing = aws("s3").list_object_versions(Bucket=bucket)
            assert not listing.get("Versions"), bucket
            assert not listing.get("DeleteMarkers"), bucket
    finally:
        deployment.close()


def test_parameters_are_checked_against_allowed_values_and_patterns(tmp_path: Path, capsys: Any) -> None:
    assert (
        main(_args(tmp_path, QR, parameters={"Environment": "local", "LambdaDeploymentBucket": "b-1"})) == 2
    )
    err = capsys.readouterr().err
    assert "parameter 'Environment' must be one of dev, prod (got 'local')" in err
    assert main(_args(tmp_path, QR, parameters={"LambdaDeploymentBucket": "Not_A_Bucket"})) == 2
    err = capsys.readouterr().err
    assert "parameter 'LambdaDeploymentBucket' must match pattern" in err
    assert "Traceback" not in err


def test_bad_yaml_is_one_line(tmp_path: Path, capsys: Any) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  A:\n    Type: [unclosed\n")
    assert main(_args(tmp_path, broken)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("gapfill deploy --local: broken.yaml: line ")


def _seed_parameters(name: str) -> dict[str, Any]:
    """The local parameters with the seed on, and an instance and directory bucket of their own
    (the session's emulator keeps what other tests made, such as a pre-uploaded agents.csv)."""
    params = load_parameters(SEED_DIR / "local-parameters.json")
    params.update(
        AgentDirectorySeedKey="seeds/agents.csv", InstanceAlias=name, AgentDirectoryBucket=f"{name}-directory"
    )
    return params


def test_the_agent_directory_seed_lands_before_the_directory_syncs(emulator: Any, aws: Any) -> None:
    """AgentDirectorySeedKey set and no CSV pre-uploaded: the seed copies the starter CSV from the
    artefact bucket to the directory key, then the directory creates its users from it."""
    from gapfill.local.prerequisites import ensure_bucket

    params = _seed_parameters("it-seed")
    artefacts, bucket, key = params["FunctionCodeBucket"], params["AgentDirectoryBucket"], "agents/agents.csv"
    ensure_bucket(artefacts)
    aws("s3").put_object(
        Bucket=artefacts, Key="seeds/agents.csv", Body=(SEED_DIR / "agents.csv").read_bytes()
    )
    deployment = LocalDeployment(MAIN, params, progress=lambda _line: None, stack_name="it-seed")
    try:
        deployment.deploy()
        assert not deployment.failed, deployment.table()
        order = [c.logical_id for c in deployment.created]
        assert order.index("AgentDirectorySeed") < order.index("AgentDirectory")
        landed = aws("s3").get_object(Bucket=bucket, Key=key)
        assert landed["Body"].read() == (SEED_DIR / "agents.csv").read_bytes()
        assert landed["ContentType"].startswith("text/csv")
        instance = next(c for c in deployment.created if c.resource_type == "Custom::ConnectInstance")
        users = aws("connect").list_users(InstanceId=instance.data["Id"])["UserSummaryList"]
        assert {"agent.ada", "agent.ken"} <= {u["Username"] for u in users}

        deployment.delete_all()
        assert not deployment.failed, deployment.table()
        # The seed wrote the CSV, so deleting the stack removes it (an HR CSV it did not write stays).
        assert not aws("s3").list_objects_v2(Bucket=bucket, Prefix=key).get("Contents")
    finally:
        deployment.close()


def test_the_agent_directory_seed_never_overwrites_an_existing_csv(emulator: Any, aws: Any) -> None:
    """The seed is for a fresh bucket: over an HR export it fails, naming the key, and the CSV stays."""
    from gapfill.local.prerequisites import ensure_bucket

    params = _seed_parameters("it-seed-hr")
    artefacts, bucket, key = params["FunctionCodeBucket"], params["AgentDirectoryBucket"], "agents/agents.csv"
    for name in (artefacts, bucket):
        ensure_bucket(name)
    aws("s3").put_object(Bucket=artefacts, Key="seeds/agents.csv", Body=b"seed,csv\n")
    hr = (SEED_DIR / "agents.csv").read_bytes()
    aws("s3").put_object(Bucket=bucket, Key=key, Body=hr)
    deployment = LocalDeployment(MAIN, params, progress=lambda _line: None, stack_name="it-seed-hr")
    try:
        deployment.deploy()
        [failed] = [r for r in deployment.rows if r.status == "FAILED"]
        assert failed.logical_id == "AgentDirectorySeed"
        assert key in failed.reason
        assert "ReplaceExisting" in failed.reason
        assert aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == hr
        deployment.delete_all()
        assert aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == hr
    finally:
        deployment.close()
