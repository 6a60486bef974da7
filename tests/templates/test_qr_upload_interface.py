"""templates/qr-upload.yaml keeps the QR upload specification's interface exactly: parameters,
names, handler, environment variables, code keys, the two functions' timeouts and memory,
exports, CORS, lifecycle, log retention, alarms and the production-only index (see
docs/qr-upload.md for what differs, and why)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "qr-upload.yaml"
FUNCTIONS = {
    "HttpApiFunction": ("http-api", "http_api_handler.zip", 30),
    "WebSocketEventFunction": ("websocket-event", "websocket_event_handler.zip", 60),
}
EXPORTS = (
    "WebsiteBucket",
    "WebsiteURL",
    "UploadBucket",
    "SessionsTable",
    "HttpApiLambdaArn",
    "WebSocketEventLambdaArn",
    "WebSocketApiId",
)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded, matches = decode(str(TEMPLATE))
    assert not matches, matches
    assert isinstance(loaded, dict)
    return loaded


def in_env(template: dict[str, Any], value: Any, environment: str) -> Any:
    """Resolve the FindInMap of EnvironmentConfig for one environment."""
    if isinstance(value, dict) and "Fn::FindInMap" in value:
        name, _, key = value["Fn::FindInMap"]
        return template["Mappings"][name][environment][key]
    return value


def test_parameters_are_the_specifications(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert params["Environment"]["Default"] == "dev"
    assert params["Environment"]["AllowedValues"] == ["dev", "prod"]
    assert params["ProjectName"]["Default"] == "qr-upload"
    assert "Default" not in params["LambdaDeploymentBucket"]
    added = set(params) - {"Environment", "ProjectName", "LambdaDeploymentBucket"}
    assert all("Default" in params[name] for name in added), "an added parameter must not be required"


@pytest.mark.parametrize(("logical", "spec"), FUNCTIONS.items())
def test_functions_handler_variables_code_and_limits(
    template: dict[str, Any], logical: str, spec: tuple[str, str, int]
) -> None:
    kind, key, timeout = spec
    props = template["Resources"][logical]["Properties"]
    assert props["Handler"] == "lambda_function.lambda_handler"
    assert props["FunctionName"] == {"Fn::Sub": f"${{ProjectName}}-{kind}-${{Environment}}"}
    assert props["Code"] == {"S3Bucket": {"Ref": "LambdaDeploymentBucket"}, "S3Key": key}
    assert props["Timeout"] == timeout
    assert in_env(template, props["MemorySize"], "prod") == 256
    assert in_env(template, props["MemorySize"], "dev") < 256
    variables = props["Environment"]["Variables"]
    assert variables["SESSIONS_TABLE_NAME"] == {"Ref": "SessionsTable"}
    assert variables["UPLOAD_BUCKET_NAME"] == {"Ref": "UploadBucket"}
    assert variables["WS_API_ENDPOINT"] == {
        "Fn::Sub": "https://${WebSocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Environment}"
    }
    assert not {"TABLE_NAME", "UPLOAD_BUCKET", "WEBSOCKET_ENDPOINT"} & set(variables)


def test_exactly_two_functions(template: dict[str, Any]) -> None:
    functions = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"]
    assert sorted(functions) == sorted(FUNCTIONS)


def test_exports_are_case_exact(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for name in EXPORTS:
        assert outputs[name]["Export"] == {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{name}"}}, name


@pytest.mark.parametrize(
    ("logical", "kind"),
    [
        ("WebsiteBucket", "website"),
        ("UploadBucket", "uploads"),
        ("SessionsTable", "sessions"),
        ("HttpApi", "http-api"),
        ("WebSocketApi", "websocket-api"),
    ],
)
def test_names_follow_project_type_environment(template: dict[str, Any], logical: str, kind: str) -> None:
    props = template["Resources"][logical]["Properties"]
    name = props.get("BucketName") or props.get("TableName") or props.get("Name")
    assert name == {"Fn::Sub": f"${{ProjectName}}-{kind}-${{Environment}}"}


def test_cors_lifecycle_and_log_retention_per_environment(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    website = resources["WebsiteBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]
    assert (sorted(website["AllowedMethods"]), website["MaxAge"]) == (["GET", "HEAD"], 3600)
    uploads = resources["UploadBucket"]["Properties"]
    rule = uploads["CorsConfiguration"]["CorsRules"][0]
    assert (sorted(rule["AllowedMethods"]), rule["MaxAge"]) == (["POST", "PUT"], 3600)
    expiry = uploads["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"]
    assert (in_env(template, expiry, "dev"), in_env(template, expiry, "prod")) == (30, 90)
    for logical in ("HttpApiFunctionLogGroup", "WebSocketEventFunctionLogGroup"):
        retention = resources[logical]["Properties"]["RetentionInDays"]
        assert in_env(template, retention, "dev") == 7
        assert 30 <= in_env(template, retention, "prod") <= 90
    distribution = resources["WebsiteDistribution"]["Properties"]["DistributionConfig"]
    assert distribution["DefaultRootObject"] == "index.html"
    assert {r["ResponsePagePath"] for r in distribution["CustomErrorResponses"]} == {"/index.html"}


def test_alarms_are_the_specifications(template: dict[str, Any]) -> None:
    alarms = {
        n: r["Properties"] for n, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    for function in FUNCTIONS:
        errors = alarms[f"{function}ErrorsAlarm"]
        assert (errors["MetricName"], errors["Period"], errors["Threshold"]) == ("Errors", 300, 5)
        assert errors["ComparisonOperator"] == "GreaterThanThreshold"
        duration = alarms[f"{function}DurationAlarm"]
        assert (duration["MetricName"], duration["Statistic"], duration["Threshold"]) == (
            "Duration",
            "Average",
            3000,
        )
        assert duration["EvaluationPeriods"] == 2
    throttles = alarms["DynamoDbUserErrorsAlarm"]
    assert (throttles["Namespace"], throttles["MetricName"], throttles["Period"]) == (
        "AWS/DynamoDB",
        "UserErrors",
        60,
    )
    for props in alarms.values():
        name = props["AlarmName"]["Fn::Sub"]
        assert name.startswith("${ProjectName}-"), name
        assert name.endswith("-${Environment}"), name


def test_connection_index_only_in_production(template: dict[str, Any]) -> None:
    table = template["Resources"]["SessionsTable"]["Properties"]
    condition, prod, dev = table["GlobalSecondaryIndexes"]["Fn::If"]
    assert condition == "IsProd"
    assert prod[0]["IndexName"] == "wsConnectionId-index"
    assert dev == {"Ref": "AWS::NoValue"}
    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Environment"}, "prod"]}


def test_stage_logging_role_and_bucket_emptying(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    assert "ApiGatewayAccount" in resources["WebSocketStage"]["DependsOn"]
    assert resources["ApiGatewayAccount"]["Type"] == "Custom::ApiGatewayAccount"
    for bucket in ("WebsiteBucket", "UploadBucket"):
        emptier = resources[f"{bucket}Emptier"]
        assert emptier["Type"] == "Custom::S3BucketEmptier"
        assert emptier["Properties"]["BucketName"] == {"Ref": bucket}
        assert emptier["Properties"]["Enabled"] == {"Ref": "EmptyBucketsOnDelete"}
    files = resources["WebsiteFiles"]
    assert files["Type"] == "Custom::S3Objects"
    assert files["Properties"]["Bucket"] == {"Ref": "WebsiteBucket"}


@pytest.mark.parametrize(("environment", "empty"), [("dev", "true"), ("prod", "false")])
def test_parameter_files(environment: str, empty: str) -> None:
    path = ROOT / "templates" / "parameters" / f"qr-upload-{environment}.json"
    given = {p["ParameterKey"]: p["ParameterValue"] for p in json.loads(path.read_text())}
    assert given["Environment"] == environment
    assert given["ProjectName"] == "qr-upload"
    assert given["LambdaDeploymentBucket"]
    assert given["EmptyBucketsOnDelete"] == empty
