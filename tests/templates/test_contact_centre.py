"""templates/contact-centre/: the nested architecture lints clean (cfn-lint with the gapfill rule,
with each environment's parameter file, and checkov with a written reason for every skip), its
stacks are wired output to parameter, and it has what the architecture asks for: the two CIDRs,
three public and three private subnets, a NAT per AZ in prod only, Multi-AZ PostgreSQL 16 with a
managed password and its schema from Custom::PostgresSql (snapshot first in prod), a private
validated REST API behind the execute-api endpoint, DynamoDB GSIs, lifecycle rules on every
bucket, and Connect built from native types plus gapfill's for the gaps."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from cfnlint.decode import decode

from gapfill.lint.intrinsics import get_att_target
from gapfill.lint.runner import expand
from tests.templates.folder import TemplateFolder, walk

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "templates" / "contact-centre"
_APP = TemplateFolder(FOLDER)
load, resources, parameters = _APP.load, _APP.resources, _APP.parameters
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
CHILDREN = {
    "Vpc": "vpc",
    "Storage": "s3",
    "Tables": "dynamodb",
    "Roles": "iam",
    "Endpoints": "vpc_endpoints",
    "Streams": "kinesis",
    "Database": "rds",
    "Functions": "lambda",
    "PrivateApi": "api_gateway",
    "Connect": "connect",
    "Events": "event_bridge",
}
CIDRS = {"dev": "10.113.0.0/16", "prod": "10.115.0.0/16"}


def test_every_template_is_in_the_lint_run_over_templates() -> None:
    """tests/templates/test_template_wiring.py lints everything under templates/ (once, for
    time); this folder's templates must be part of that run."""
    linted = set(expand([ROOT / "templates"]))
    assert {p.resolve() for p in FOLDER.glob("*.yaml")} <= linted


def test_the_local_parameters_are_devs() -> None:
    assert parameters("local") == parameters("dev")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_parameter_files_cover_the_root_and_lint_clean(environment: str) -> None:
    declared = load("root")["Parameters"]
    given = parameters(environment)
    assert set(given) <= set(declared), set(given) - set(declared)
    assert {k for k, v in declared.items() if "Default" not in v} <= set(given)
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn(
        [
            "--append-rules",
            "gapfill.lint.rules",
            "--parameter-files",
            str(FOLDER / "parameters" / f"{environment}.json"),
            "--",
            str(FOLDER / "root.yaml"),
        ]
    )
    assert [f"{m.linenumber}: {m.rule.id} {m.message}" for m in Runner(config).run()] == []


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_each_environment_has_its_cidr(environment: str) -> None:
    assert parameters(environment)["EnvironmentName"] == environment
    assert parameters(environment)["VpcCidr"] == CIDRS[environment]


def test_nested_stacks_get_every_parameter_they_need_and_read_outputs_that_exist() -> None:
    root = load("root")
    assert {k for k, v in root["Resources"].items() if v["Type"] == "AWS::CloudFormation::Stack"} == set(
        CHILDREN
    )
    for logical, name in CHILDREN.items():
        props = root["Resources"][logical]["Properties"]
        assert props["TemplateURL"] == f"{name}.yaml"
        child = load(name)["Parameters"]
        passed = set(props["Parameters"])
        assert passed <= set(child), f"{logical} passes unknown {passed - set(child)}"
        missing = {k for k, v in child.items() if "Default" not in v} - passed
        assert not missing, f"{logical} misses {missing}"
    for node in walk(root):
        if isinstance(node, Mapping) and "Fn::GetAtt" in node:
            target = get_att_target(node["Fn::GetAtt"])
            assert target
            logical, attribute = target
            output = attribute.removeprefix("Outputs.")
            assert output in load(CHILDREN[logical])["Outputs"], f"{logical} has no output {output}"


def test_three_public_and_three_private_subnets_and_a_nat_per_az_in_prod_only() -> None:
    subnets = resources("vpc", "AWS::EC2::Subnet")
    assert sorted(subnets) == [f"{kind}Subnet{i}" for kind in ("Private", "Public") for i in (1, 2, 3)]
    zones = {str(s["Properties"]["AvailabilityZone"]) for s in subnets.values()}
    assert len(zones) == 3
    nats = resources("vpc", "AWS::EC2::NatGateway")
    assert sorted(nats) == ["NatGateway1", "NatGateway2", "NatGateway3"]
    assert "Condition" not in nats["NatGateway1"]
    assert nats["NatGateway2"]["Condition"] == nats["NatGateway3"]["Condition"] == "IsProd"
    routes = resources("vpc", "AWS::EC2::Route")
    assert routes["PrivateDefaultRoute3"]["Properties"]["NatGatewayId"] == {
        "Fn::If": ["IsProd", {"Ref": "NatGateway3"}, {"Ref": "NatGateway1"}]
    }


def test_postgres_16_multi_az_in_prod_with_a_managed_password_and_its_schema() -> None:
    database = resources("rds", "AWS::RDS::DBInstance")["Database"]["Properties"]
    assert database["Engine"] == "postgres"
    assert str(database["EngineVersion"]).startswith("16.")
    assert database["MultiAZ"] == {"Fn::If": ["IsProd", True, False]}
    assert database["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in database
    assert database["StorageEncrypted"] is True
    schema = resources("rds", "Custom::PostgresSql")["Schema"]["Properties"]
    assert schema["SecretArn"] == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}
    assert schema["SnapshotBeforeMigrations"] == {"Fn::If": ["IsProd", True, False]}
    assert schema["DBInstanceIdentifier"] == {"Ref": "Database"}
    ids = [m["Id"] for m in schema["Migrations"]]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) >= 3


def test_the_rest_api_is_private_behind_the_endpoint_and_validates_requests() -> None:
    api = resources("api_gateway", "AWS::ApiGateway::RestApi")["Api"]["Properties"]
    assert api["EndpointConfiguration"]["Types"] == ["PRIVATE"]
    assert api["EndpointConfiguration"]["VpcEndpointIds"] == [{"Ref": "ExecuteApiEndpointId"}]
    deny = [s for s in api["Policy"]["Statement"] if s["Effect"] == "Deny"]
    assert deny[0]["Condition"] == {"StringNotEquals": {"aws:SourceVpce": {"Ref": "ExecuteApiEndpointId"}}}
    validator = resources("api_gateway", "AWS::ApiGateway::RequestValidator")["BodyAndParameters"]
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    for name, method in resources("api_gateway", "AWS::ApiGateway::Method").items():
        assert method["Properties"]["RequestValidatorId"] == {"Ref": "BodyAndParameters"}, name
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM", name
    endpoint = resources("vpc_endpoints", "AWS::EC2::VPCEndpoint")["ExecuteApiEndpoint"]["Properties"]
    assert endpoint["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.execute-api"}
    assert endpoint["PrivateDnsEnabled"] is True


def test_tables_have_their_gsis_and_every_bucket_has_lifecycle_rules() -> None:
    tables = resources("dynamodb", "AWS::DynamoDB::Table")
    indexes = {
        name: sorted(i["IndexName"] for i in t["Properties"]["GlobalSecondaryIndexes"])
        for name, t in tables.items()
    }
    assert indexes == {
        "ContactsTable": ["AgentIndex", "CustomerPhoneIndex"],
        "CallbacksTable": ["CustomerPhoneIndex", "StatusDueIndex"],
    }
    buckets = resources("s3", "AWS::S3::Bucket")
    assert len(buckets) == 3
    for name, bucket in buckets.items():
        rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rules, name
        assert all(rule["Status"] == "Enabled" for rule in rules), name


def test_kinesis_feeds_firehose_and_eventbridge_feeds_kinesis() -> None:
    delivery = resources("kinesis", "AWS::KinesisFirehose::DeliveryStream")["ContactEventDelivery"]
    source = delivery["Properties"]["KinesisStreamSourceConfiguration"]["KinesisStreamARN"]
    assert source == {"Fn::GetAtt": ["ContactEventStream", "Arn"]}
    rules = resources("event_bridge", "AWS::Events::Rule")
    assert rules["ContactEventsRule"]["Properties"]["EventPattern"]["source"] == ["aws.connect"]
    assert rules["ContactEventsRule"]["Properties"]["Targets"][0]["Arn"] == {"Ref": "ContactEventStreamArn"}


def test_connect_uses_native_types_and_gapfills_for_the_gaps() -> None:
    template = load("connect")
    kinds = {v["Type"] for v in template["Resources"].values()}
    assert {
        "Custom::ConnectInstance",
        "Custom::ConnectLookup",
        "Custom::ConnectContactFlow",
        "Custom::ConnectPhoneNumber",
        "AWS::Connect::Queue",
        "AWS::Connect::RoutingProfile",
        "AWS::Connect::HoursOfOperation",
    } <= kinds
    lookup = template["Resources"]["BuiltIns"]["Properties"]
    assert lookup["Queues"] == ["BasicQueue"]
    assert lookup["RoutingProfiles"] == ["Basic Routing Profile"]
    assert set(lookup["SecurityProfiles"]) == {"Admin", "Agent", "CallCenterManager"}
    profile = template["Resources"]["AgentsRoutingProfile"]["Properties"]
    assert profile["DefaultOutboundQueueArn"] == {"Fn::GetAtt": ["BuiltIns", "Queue.BasicQueue.Arn"]}
    number = template["Resources"]["InboundNumber"]["Properties"]
    assert number["ContactFlowArn"] == {"Fn::GetAtt": ["InboundFlow", "ContactFlowArn"]}
    content = json.loads(template["Resources"]["InboundFlow"]["Properties"]["Content"])
    placeholders = {str(v) for a in content["Actions"] for v in a["Parameters"].values()}
    assert {"${Queue:BasicQueue}", "${Queue:Callbacks}", "${Hours:Contact Centre Hours}"} <= placeholders
    names = {r["Properties"].get("Name") for r in template["Resources"].values()}
    assert {"Callbacks", "Contact Centre Hours", "Contact Centre After Hours"} <= names


def test_lookup_attributes_used_are_the_keys_the_lookup_returns() -> None:
    """Fn::GetAtt BuiltIns.<Kind>.<Key>.Arn: <Key> is the looked-up name without characters
    outside A-Z, a-z, 0-9 (docs/ConnectLookup.md)."""
    template = load("connect")
    lookup = template["Resources"]["BuiltIns"]["Properties"]
    kinds = {
        "Queue": "Queues",
        "RoutingProfile": "RoutingProfiles",
        "SecurityProfile": "SecurityProfiles",
        "ContactFlow": "ContactFlows",
        "HoursOfOperation": "HoursOfOperations",
    }
    used = 0
    for node in walk(template):
        if isinstance(node, Mapping) and "Fn::GetAtt" in node:
            target = get_att_target(node["Fn::GetAtt"])
            if target and target[0] == "BuiltIns":
                kind, key, _field = target[1].split(".")
                keys = {"".join(ch for ch in n if ch.isascii() and ch.isalnum()) for n in lookup[kinds[kind]]}
                assert key in keys, target
                used += 1
    assert used >= 4


@pytest.mark.tools
def test_checkov_passes_with_a_reason_for_every_skip() -> None:
    assert CHECKOV.exists(), "run scripts/tool-venvs.sh to build .tools/checkov"
    args = [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--quiet", "-o", "json"]
    for path in sorted(FOLDER.glob("*.yaml")):
        args += ["-f", str(path)]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{c['file_path']}: {c['check_id']} {c['resource']}"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert failed == []
    assert sum(r["summary"]["parsing_errors"] for r in reports) == 0
    assert sum(r["summary"]["passed"] for r in reports) > 100
    for path in sorted(FOLDER.glob("*.yaml")):
        template, _ = decode(str(path))
        for logical, resource in template["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert len(str(skip.get("comment", ""))) > 20, f"{path.name}: {logical} skips {skip['id']}"
