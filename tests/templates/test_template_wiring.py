"""The stack templates: clean lint, nested stack wiring, Custom:: attributes and intrinsics,
least-privilege IAM, and the embedded flows, SQL and Glue columns kept identical to their
source files in templates/flows/ and templates/sql/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from gapfill.lint import lint_paths
from gapfill.lint.intrinsics import get_att_target, intrinsic_name, sub_references
from providers.core.schema import load_schema, schema_dir
from tests.templates.athena_sql import query, read_ddl

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STACKS = ("main", "connect", "frontend", "backend", "chat", "qr-upload")
NESTED = {"Backend": "backend", "Connect": "connect", "Frontend": "frontend", "Chat": "chat"}
#: What `gapfill deploy --local` resolves in Custom:: properties.
LOCAL_INTRINSICS = {
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
}


def load(name: str) -> dict[str, Any]:
    template, matches = decode(str(TEMPLATES / f"{name}.yaml"))
    assert not matches, matches
    assert isinstance(template, dict)
    return template


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def custom_resources(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {n: r for n, r in template["Resources"].items() if str(r["Type"]).startswith("Custom::")}


def test_every_template_lints_clean() -> None:
    findings = lint_paths([TEMPLATES])
    assert [str(f) for f in findings] == []


@pytest.mark.parametrize(
    ("template", "parameters"),
    [("main", "dev"), ("main", "prod"), ("qr-upload", "qr-upload-dev"), ("qr-upload", "qr-upload-prod")],
)
def test_parameter_files_match_and_lint_clean(template: str, parameters: str) -> None:
    declared = load(template)["Parameters"]
    given = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in json.loads((TEMPLATES / "parameters" / f"{parameters}.json").read_text())
    }
    assert set(given) <= set(declared), set(given) - set(declared)
    assert {k for k, v in declared.items() if "Default" not in v} <= set(given)
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn(
        [
            "--append-rules",
            "gapfill.lint.rules",
            "--parameter-files",
            str(TEMPLATES / "parameters" / f"{parameters}.json"),
            "--",
            str(TEMPLATES / f"{template}.yaml"),
        ]
    )
    assert [f"{m.linenumber}: {m.rule.id} {m.message}" for m in Runner(config).run()] == []


def test_nested_stack_parameters_are_all_passed_and_all_exist() -> None:
    main = load("main")
    for logical, name in NESTED.items():
        resource = main["Resources"][logical]
        assert resource["Properties"]["TemplateURL"] == f"{name}.yaml"
        passed = set(resource["Properties"]["Parameters"])
        child = load(name)["Parameters"]
        required = {k for k, v in child.items() if "Default" not in v}
        assert passed <= set(child), f"{logical} passes unknown {passed - set(child)}"
        assert required <= passed, f"{logical} misses {required - passed}"
        # Only ProvidersStackName and tuning knobs may fall back to defaults.
        assert set(child) - passed <= {"ProvidersStackName"} | {
            k for k in child if k in ("ApiRateLimit", "ApiBurstLimit", "AgentDirectoryKey", "TimeZone")
        }, f"{logical} leaves {set(child) - passed} to defaults"


def test_outputs_read_from_nested_stacks_exist() -> None:
    main = load("main")
    for path, node in walk(main):
        if isinstance(node, Mapping) and "Fn::GetAtt" in node:
            target = get_att_target(node["Fn::GetAtt"])
            assert target, path
            logical, attribute = target
            if logical in NESTED:
                output = attribute.removeprefix("Outputs.")
                assert output in load(NESTED[logical])["Outputs"], f"{path}: {logical} has no output {output}"


@pytest.mark.parametrize("name", STACKS)
def test_custom_getatt_names_a_returned_attribute(name: str) -> None:
    template = load(name)
    customs = {n: load_schema(r["Type"]).read_only for n, r in custom_resources(template).items()}
    uses: list[tuple[str, str]] = []
    for _, node in walk(template):
        if isinstance(node, Mapping) and "Fn::GetAtt" in node:
            target = get_att_target(node["Fn::GetAtt"])
            if target and target[0] in customs:
                uses.append(target)
        if isinstance(node, Mapping) and isinstance(node.get("Fn::Sub"), str):
            for ref in sub_references(node["Fn::Sub"]):
                logical, _, attribute = ref.partition(".")
                if attribute and logical in customs:
                    uses.append((logical, attribute))
    for logical, attribute in uses:
        assert attribute in customs[logical], f"{name}: {logical}.{attribute} is not returned"
    if name in ("connect", "chat", "qr-upload"):
        assert uses, "the test would pass vacuously"


@pytest.mark.parametrize("name", STACKS)
def test_custom_resources_use_the_providers_exports(name: str) -> None:
    for logical, resource in custom_resources(load(name)).items():
        suffix = resource["Type"].split("::", 1)[1]
        assert (schema_dir() / f"{suffix}.json").is_file()
        token = resource["Properties"]["ServiceToken"]
        # The v1 alias: stable for every 1.x release (a ServiceToken can never change later).
        assert token == {
            "Fn::ImportValue": {"Fn::Sub": f"${{ProvidersStackName}}-v1-{suffix}-ServiceToken"}
        }, logical


@pytest.mark.parametrize("name", ["connect", "frontend", "backend", "chat"])
def test_custom_properties_use_only_locally_resolvable_intrinsics(name: str) -> None:
    template = load(name)
    conditions = template.get("Conditions", {})
    for logical, resource in custom_resources(template).items():
        for path, node in walk(resource["Properties"]):
            function = intrinsic_name(node)
            if function:
                assert function in LOCAL_INTRINSICS, f"{logical}.{'.'.join(map(str, path))} uses {function}"
            if function == "Fn::If":
                condition = conditions[node["Fn::If"][0]]
                assert intrinsic_name(condition) in ("Fn::Equals", "Fn::Not"), (
                    f"{logical}: not a simple condition"
                )


def _statements(template: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical, resource in template["Resources"].items():
        kind = resource["Type"]
        documents: list[Any] = []
        props = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy"):
            documents = [props["PolicyDocument"]]
        for document in documents:
            for entry in document["Statement"]:
                yield logical, entry["Fn::If"][1] if intrinsic_name(entry) == "Fn::If" else entry


def _resource_types(action: str) -> list[str]:
    from gapfill.emulator.iam.authorization import resource_types

    return resource_types(action)


@pytest.mark.parametrize("name", STACKS)
def test_iam_policies_name_their_resources(name: str) -> None:
    template = load(name)
    checked = 0
    for logical, statement in _statements(template):
        resources = statement.get("Resource")
        resources = resources if isinstance(resources, list) else [resources]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if "*" in resources:  # only where the Service Authorization Reference gives no resource type
            assert all(not _resource_types(str(a)) for a in actions), (
                f"{name}: {logical} {statement.get('Sid')} allows Resource '*'"
            )
        if statement.get("Effect") == "Allow":
            assert not any(a == "*" or str(a).endswith(":*") for a in actions), f"{logical}: wildcard action"
        checked += 1
    if name not in ("main", "connect"):  # these two hold no IAM policies of their own
        assert checked, "no policies found: the test would pass vacuously"


def _block(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def test_contact_flows_are_the_files_in_templates_flows() -> None:
    resources = load("connect")["Resources"]
    flows = {
        r["Properties"]["Name"]: r for r in resources.values() if r["Type"] == "Custom::ConnectContactFlow"
    }
    files = {json.loads(p.read_text())["Metadata"]["name"]: p for p in (TEMPLATES / "flows").glob("*.json")}
    assert set(flows) == set(files)
    for name, resource in flows.items():
        assert json.loads(resource["Properties"]["Content"]) == json.loads(files[name].read_text()), name


def test_flow_placeholders_name_resources_created_first() -> None:
    resources = load("connect")["Resources"]
    names = {
        "Queue": {
            r["Properties"]["Name"]: n for n, r in resources.items() if r["Type"] == "AWS::Connect::Queue"
        },
        "Hours": {
            r["Properties"]["Name"]: n
            for n, r in resources.items()
            if r["Type"] == "AWS::Connect::HoursOfOperation"
        },
        "Flow": {
            r["Properties"]["Name"]: n
            for n, r in resources.items()
            if r["Type"] == "Custom::ConnectContactFlow"
        },
    }
    for logical, resource in resources.items():
        if resource["Type"] != "Custom::ConnectContactFlow":
            continue
        depends = resource.get("DependsOn", [])
        for kind, target in re.findall(
            r"\$\{(Queue|Hours|Flow):([^}]+)\}", resource["Properties"]["Content"]
        ):
            assert target in names[kind], f"{logical}: no {kind} named {target}"
            assert names[kind][target] in depends, f"{logical} must depend on {names[kind][target]}"


@pytest.mark.parametrize(
    ("logical", "file"),
    [
        ("CtrChecksQuery", "ctr_checks"),
        ("AgentEventsQuery", "agent_events"),
        ("ReconciliationQuery", "reconciliation"),
    ],
)
def test_named_queries_are_the_sql_files(logical: str, file: str) -> None:
    embedded = load("backend")["Resources"][logical]["Properties"]["QueryString"]
    assert _block(embedded) == _block(query(file))


@pytest.mark.parametrize(
    ("logical", "ddl", "firehose"),
    [
        ("CtrTable", "ctr", ("backend", "CtrDeliveryStream")),
        ("AgentEventsTable", "agent_events", ("backend", "AgentEventDeliveryStream")),
        ("ConnectionDataTable", "connection_data", ("frontend", "ConnectionDataStream")),
    ],
)
def test_glue_tables_match_the_ddl_and_the_firehose_prefixes(
    logical: str, ddl: str, firehose: tuple[str, str]
) -> None:
    table = load("backend")["Resources"][logical]["Properties"]["TableInput"]
    source = read_ddl(ddl)
    assert table["Name"] == source.name
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == source.columns
    assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == source.partitions
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == source.serde
    location = table["Parameters"]["storage.location.template"]["Fn::Sub"]
    prefix = source.location.removeprefix("s3://${StorageBucket}/")
    assert location == f"s3://${{StorageBucket}}/{prefix}year=${{!year}}/month=${{!month}}/day=${{!day}}/"
    stack, stream = firehose
    destination = load(stack)["Resources"][stream]["Properties"]["ExtendedS3DestinationConfiguration"]
    assert (
        destination["Prefix"]
        == f"{prefix}year=!{{timestamp:yyyy}}/month=!{{timestamp:MM}}/day=!{{timestamp:dd}}/"
    )
    assert any(
        p["Type"] == "AppendDelimiterToRecord" for p in destination["ProcessingConfiguration"]["Processors"]
    )


def test_connection_record_model_matches_the_table() -> None:
    schema = load("frontend")["Resources"]["ConnectionRecordModel"]["Properties"]["Schema"]
    columns = dict(read_ddl("connection_data").columns)
    assert {k.lower() for k in schema["properties"]} == set(columns)
    detail = re.findall(r"(\w+):string", columns["detail"])
    assert {k.lower() for k in schema["properties"]["detail"]["properties"]} == set(detail)


def test_chat_usage_cannot_retrigger_itself() -> None:
    resources = load("chat")["Resources"]
    env = resources["UsageFunction"]["Properties"]["Environment"]["Variables"]
    assert env["OUTPUT_BUCKET"] == {"Ref": "UsageBucket"}
    notification = resources["TranscriptNotification"]["Properties"]
    assert notification["BucketName"] == {"Ref": "NotificationBucket"}
    assert resources["UsageBucket"]["Type"] == "AWS::S3::Bucket"


def test_qr_upload_notification_has_no_cycle_and_the_required_settings() -> None:
    resources = load("qr-upload")["Resources"]
    bucket = resources["UploadBucket"]
    assert "NotificationConfiguration" not in bucket["Properties"]
    assert "DependsOn" not in bucket
    notification = resources["UploadNotification"]
    assert notification["DependsOn"] == "WebSocketEventFunctionS3Permission"
    rules = notification["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0]["Filter"][
        "S3Key"
    ]["Rules"]
    assert rules == [{"Name": "prefix", "Value": "session-uploads/"}]
    table = resources["SessionsTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    outputs = load("qr-upload")["Outputs"]
    unexported = {"UploadNotificationIds", "WebsiteFilesDigest"}
    assert all("Export" in o for k, o in outputs.items() if k not in unexported)


def test_agent_directory_uploads_sync_the_same_users_as_the_stack() -> None:
    resources = load("connect")["Resources"]
    function = resources["AgentDirectoryFunction"]
    props = function["Properties"]
    assert props["Handler"] == "functions.agent_directory.handler.lambda_handler"
    assert props["Code"] == {"S3Bucket": {"Ref": "FunctionCodeBucket"}, "S3Key": {"Ref": "FunctionCodeKey"}}
    env = props["Environment"]["Variables"]
    assert env["OWNER"] == {"Fn::GetAtt": ["AgentDirectory", "OwnerTag"]}
    assert env["INSTANCE_ID"] == {"Fn::GetAtt": ["Instance", "Id"]}
    folder = {"Fn::Select": [0, {"Fn::Split": ["/", {"Ref": "AgentDirectoryKey"}]}]}
    prefix = {"Fn::Join": ["", [folder, "/"]]}
    # Only the directory's own CSV is synced by uploads: another CSV in the folder is logged.
    assert env["DIRECTORY_KEY"] == {"Ref": "AgentDirectoryKey"}
    assert env["DIRECTORY_PREFIX"] == prefix  # every upload of the folder is recorded, not synced
    # The directory's defaults, so a CSV row without profiles gets the same ones either way.
    directory = resources["AgentDirectory"]["Properties"]
    assert env["DEFAULT_ROUTING_PROFILE"] == directory["DefaultRoutingProfile"]
    assert env["DEFAULT_SECURITY_PROFILES"] == ";".join(directory["DefaultSecurityProfiles"])
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "AgentDirectoryFunctionLogGroup"}
    assert resources["AgentDirectoryFunctionLogGroup"]["Properties"]["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }

    notification = resources["AgentDirectoryNotification"]
    assert "AgentDirectoryFunctionS3Permission" in notification["DependsOn"]
    assert notification["Properties"]["BucketName"] == {"Ref": "AgentDirectoryBucket"}
    [entry] = notification["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert entry["Function"] == {"Fn::GetAtt": ["AgentDirectoryFunction", "Arn"]}
    assert entry["Filter"]["S3Key"]["Rules"] == [
        {"Name": "prefix", "Value": prefix},
        {"Name": "suffix", "Value": ".csv"},
    ]
    permission = resources["AgentDirectoryFunctionS3Permission"]["Properties"]
    assert permission["Principal"] == "s3.amazonaws.com"
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    for logical in (
        "AgentDirectoryFunctionLogGroup",
        "AgentDirectoryFunctionRole",
        "AgentDirectoryFunction",
        "AgentDirectoryFunctionSelfInvoke",
        "AgentDirectoryFunctionS3Permission",
        "AgentDirectoryNotification",
    ):
        assert resources[logical]["Condition"] == "HasAgentDirectory", logical


def test_agent_directory_function_role_is_scoped_to_its_instance_folder_and_secrets() -> None:
    resources = load("connect")["Resources"]
    [policy] = resources["AgentDirectoryFunctionRole"]["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    connect = statements["ManageUsersOfThisInstance"]
    assert all(a.startswith("connect:") for a in connect["Action"])
    assert [r["Fn::Sub"].rsplit(":", 1)[1] for r in connect["Resource"]] == [
        "instance/${Instance.Id}",
        "instance/${Instance.Id}/*",
    ]
    secrets = statements["AgentPasswordSecrets"]
    assert secrets["Resource"]["Fn::Sub"].endswith(":secret:gapfill/connect/${Instance.Id}/*")
    read = statements["ReadDirectoryCsv"]
    assert read["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert read["Resource"]["Fn::Sub"][0].endswith("${AgentDirectoryBucket}/${Folder}/*.csv")
    mapping = statements["ReadAndWriteUserMapping"]
    assert mapping["Action"] == ["s3:GetObject", "s3:PutObject"]  # HeadObject needs s3:GetObject
    assert mapping["Resource"]["Fn::Sub"][0].endswith("/${Folder}/*.mapping.json")
    listing = statements["MissingMappingIsNotFound"]  # S3 answers 404, not 403, for the first upload
    assert (listing["Action"], listing["Resource"]) == (
        "s3:ListBucket",
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AgentDirectoryBucket}"},
    )
    assert statements["OwnLogGroup"]["Resource"] == {"Fn::GetAtt": ["AgentDirectoryFunctionLogGroup", "Arn"]}
    invoke = resources["AgentDirectoryFunctionSelfInvoke"]["Properties"]
    assert invoke["Roles"] == [{"Ref": "AgentDirectoryFunctionRole"}]
    [self_invoke] = invoke["PolicyDocument"]["Statement"]
    assert self_invoke["Action"] == "lambda:InvokeFunction"
    assert self_invoke["Resource"] == {"Fn::GetAtt": ["AgentDirectoryFunction", "Arn"]}


def test_agent_directory_function_may_do_what_the_sync_does_and_no_more() -> None:
    """The directory schema's create/update permissions are the calls the shared sync makes."""
    resources = load("connect")["Resources"]
    [policy] = resources["AgentDirectoryFunctionRole"]["Properties"]["Policies"]
    granted = set()
    for statement in policy["PolicyDocument"]["Statement"]:
        actions = statement["Action"]
        granted |= set(actions if isinstance(actions, list) else [actions])
    granted.add(
        resources["AgentDirectoryFunctionSelfInvoke"]["Properties"]["PolicyDocument"]["Statement"][0][
            "Action"
        ]
    )
    handlers = load_schema("Custom::ConnectUserDirectory").document["handlers"]
    sync = set(handlers["create"]["permissions"]) | set(handlers["update"]["permissions"])
    granted -= {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert granted == sync


def test_agent_directory_seed_is_opt_in_and_synced_after() -> None:
    """The starter CSV (opt-in, fresh bucket only) is copied from the artefact bucket to the
    directory's key, and the directory depends on it only when it exists."""
    template = load("connect")
    assert template["Parameters"]["AgentDirectorySeedKey"]["Default"] == ""
    assert template["Conditions"]["SeedAgentDirectory"] == {
        "Fn::And": [
            {"Condition": "HasAgentDirectory"},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "AgentDirectorySeedKey"}, ""]}]},
        ]
    }
    resources = template["Resources"]
    seed = resources["AgentDirectorySeed"]
    assert seed["Type"] == "Custom::S3Objects"
    assert seed["Condition"] == "SeedAgentDirectory"
    props = seed["Properties"]
    assert props["Bucket"] == {"Ref": "AgentDirectoryBucket"}
    # Never someone else's CSV: S3Objects refuses a key it did not write unless told otherwise.
    assert "ReplaceExisting" not in props
    assert props["Objects"] == [
        {
            "Key": {"Ref": "AgentDirectoryKey"},
            "Source": {"Bucket": {"Ref": "FunctionCodeBucket"}, "Key": {"Ref": "AgentDirectorySeedKey"}},
            "ContentType": "text/csv",
        }
    ]
    directory = resources["AgentDirectory"]
    assert "DependsOn" not in directory  # DependsOn cannot name a resource that may not exist
    assert directory["Metadata"]["SeededBy"] == {
        "Fn::If": ["SeedAgentDirectory", {"Ref": "AgentDirectorySeed"}, {"Ref": "AWS::NoValue"}]
    }
    nested = load("main")["Resources"]["Connect"]["Properties"]["Parameters"]
    assert nested["AgentDirectorySeedKey"] == {"Ref": "AgentDirectorySeedKey"}
