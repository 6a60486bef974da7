"""The model-validation layer, hit directly: botocore's shapes in, AWS's words out."""

from __future__ import annotations

import io
import json
from typing import Any

import botocore.session
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from gapfill.emulator import model_validation as mv

_session = botocore.session.get_session()


def operation(service: str, name: str) -> Any:
    return _session.get_service_model(service).operation_model(name)


def found(service: str, name: str, params: dict[str, Any]) -> list[mv.Violation]:
    return list(mv.violations(operation(service, name).input_shape, params))


USER = {
    "InstanceId": "i-1",
    "Username": "agent",
    "PhoneConfig": {"PhoneType": "SOFT_PHONE"},
    "SecurityProfileIds": ["sp-1"],
    "RoutingProfileId": "rp-1",
}


def test_a_request_within_the_model_has_no_violation() -> None:
    assert found("connect", "CreateUser", USER) == []


def test_a_string_over_the_model_max_is_refused_with_the_member_path() -> None:
    [violation] = found("connect", "CreateUser", {**USER, "Username": "u" * 101})
    assert (violation.path, violation.constraint) == ("username", "length")
    assert "less than or equal to 100" in violation.message
    assert found("connect", "CreateUser", {**USER, "Username": "u" * 100}) == []


def test_missing_required_members_are_each_named() -> None:
    paths = {v.path for v in found("connect", "CreateUser", {"InstanceId": "i-1"})}
    assert paths == {"username", "securityProfileIds", "routingProfileId"}


def test_enums_lists_and_nested_members_are_checked() -> None:
    params = {
        **USER,
        "PhoneConfig": {"PhoneType": "CELL_PHONE"},
        "SecurityProfileIds": [f"sp-{i}" for i in range(11)],
    }
    kinds = {(v.path, v.constraint) for v in found("connect", "CreateUser", params)}
    assert kinds == {("phoneConfig.phoneType", "enum"), ("securityProfileIds", "length")}


def test_numeric_ranges_are_checked() -> None:
    [violation] = found("connect", "ListUsers", {"InstanceId": "i-1", "MaxResults": 1001})
    assert violation.constraint == "range"
    assert "less than or equal to 1000" in violation.message


def test_model_patterns_are_read_as_the_reference_writes_them() -> None:
    # PhoneNumber is written \\+[1-9]\\d{1,14}$ in the model; the reference reads \+[1-9]\d{1,14}$.
    desk = {"PhoneType": "DESK_PHONE", "DeskPhoneNumber": "+15555550100"}
    assert found("connect", "CreateUser", {**USER, "PhoneConfig": desk}) == []
    [violation] = found("connect", "CreateUser", {**USER, "PhoneConfig": {**desk, "DeskPhoneNumber": "0555"}})
    assert violation.constraint == "pattern"


def test_sensitive_values_never_appear_in_the_message() -> None:
    [violation] = found("connect", "CreateUser", {**USER, "Password": "nodigits"})
    assert violation.constraint == "pattern"
    assert "nodigits" not in mv.message([violation])


def test_the_refusal_is_the_validation_error_each_operation_documents() -> None:
    broken = [mv.Violation("x", "required", "Member must not be null")]
    assert mv.refusal(operation("connect", "CreateUser"), broken).code == "InvalidParameterException"
    assert (
        mv.refusal(operation("firehose", "StartDeliveryStreamEncryption"), broken).code
        == "InvalidArgumentException"
    )
    assert mv.refusal(operation("secretsmanager", "CreateSecret"), broken).code == "InvalidParameterException"
    assert mv.refusal(operation("lambda", "Invoke"), broken).code == "InvalidParameterValueException"
    s3 = mv.refusal(operation("s3", "PutBucketNotificationConfiguration"), broken)
    assert (s3.code, s3.status, s3.rule) == ("InvalidArgument", 400, mv.S3_INVALID_ARGUMENT)
    query = mv.refusal(operation("sts", "GetCallerIdentity"), broken)
    assert (query.code, query.rule) == ("ValidationError", mv.QUERY_VALIDATION_ERROR)
    common = mv.refusal(operation("firehose", "DescribeDeliveryStream"), broken)
    assert (common.code, common.rule) == ("ValidationException", mv.COMMON_ERRORS["firehose"])


def _parsed_error(service: str, name: str) -> dict[str, Any]:
    """The rendered answer, read back by botocore's own response parser."""
    op = operation(service, name)
    status, headers, body = mv.render(
        op, mv.refusal(op, [mv.Violation("name", "required", "Member must not be null")])
    )
    parser = create_parser(op.service_model.protocol)
    response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    return dict(parser.parse(response, op.output_shape))


def test_every_protocol_renders_an_error_botocore_reads() -> None:
    for service, name, code in (
        ("connect", "CreateUser", "InvalidParameterException"),
        ("firehose", "StartDeliveryStreamEncryption", "InvalidArgumentException"),
        ("s3", "PutBucketNotificationConfiguration", "InvalidArgument"),
        ("cloudfront", "CreateInvalidation", "InvalidArgument"),
        ("iam", "CreateRole", "InvalidInput"),  # query protocol, error code from the shape's metadata
    ):
        error = _parsed_error(service, name)["Error"]
        assert error["Code"] == code, (service, name, error)
        assert error["Message"].startswith("1 validation error detected: Value null at 'name'")


def test_the_wsgi_layer_answers_before_the_app_and_keeps_the_body_for_it() -> None:
    seen: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"{}"]

    def call(body: dict[str, Any]) -> str:
        data = json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": "application/x-amz-json-1.1",
            "HTTP_X_AMZ_TARGET": "Firehose_20150804.DescribeDeliveryStream",
            "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/firehose/aws4_request, x",
        }
        statuses: list[str] = []
        mv.middleware(app)(environ, lambda status, headers: statuses.append(status))
        return statuses[0]

    assert call({"DeliveryStreamName": "s" * 65}).startswith("400")
    assert seen == []
    assert call({"DeliveryStreamName": "stream"}).startswith("200")
    assert seen == [b'{"DeliveryStreamName": "stream"}']


def test_s3_filter_rule_names_are_left_to_the_extension_which_reads_them_as_s3_does() -> None:
    def config(name: str) -> dict[str, Any]:
        rule = {"Name": name, "Value": "in/"}
        queue = {"QueueArn": "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:ObjectCreated:*"]}
        queue["Filter"] = {"Key": {"FilterRules": [rule]}}
        return {"Bucket": "b", "NotificationConfiguration": {"QueueConfigurations": [queue]}}

    assert found("s3", "PutBucketNotificationConfiguration", config("Prefix")) == []
    assert found("s3", "PutBucketNotificationConfiguration", config("prefix")) == []
    # Any other name is refused by gapfill/emulator/s3_notifications.py in S3's words.
    assert found("s3", "PutBucketNotificationConfiguration", config("Infix")) == []
    assert "FilterRuleName" in mv.ENUMS_CHECKED_BY_THE_EXTENSION
