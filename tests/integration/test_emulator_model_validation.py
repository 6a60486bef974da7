"""The model-validation layer over HTTP: boto3 against the running emulator, one test per
protocol, each with a limit taken from botocore's model (not from our code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from gapfill.emulator import Emulator
from gapfill.emulator import model_validation as mv
from tests.integration.connect.connect_setup import make_instance

Aws = Callable[[str], Any]
_model = botocore.session.get_session().get_service_model


def _max(service: str, operation: str, member: str) -> int:
    return int(_model(service).operation_model(operation).input_shape.members[member].metadata["max"])


def unchecked(emulator: Emulator, service: str) -> Any:
    """A client that leaves all validation to the service, as a hand-written request would."""
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        config=Config(parameter_validation=False),
    )


def refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return dict(caught.value.response)


def test_rest_json_connect_create_user_over_the_model_max_is_refused(
    aws: Aws, unique: Callable[[str], str]
) -> None:
    instance_id, _ = make_instance(aws, unique)
    limit = _max("connect", "CreateUser", "Username")
    request = {
        "InstanceId": instance_id,
        "Username": "u" * (limit + 1),
        "PhoneConfig": {"PhoneType": "SOFT_PHONE"},
        "SecurityProfileIds": ["00000000-0000-0000-0000-000000000000"],
        "RoutingProfileId": "00000000-0000-0000-0000-000000000000",
    }
    before = mv.refused[("connect", "CreateUser")]
    answer = refused(lambda: aws("connect").create_user(**request))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Code"] == "InvalidParameterException"
    assert (
        f"at 'username' failed to satisfy constraint: Member must have length less than or equal to {limit}"
        in (answer["Error"]["Message"])
    )
    assert mv.refused[("connect", "CreateUser")] == before + 1


def test_rest_json_required_uri_and_body_members_are_named(
    emulator: Emulator, unique: Callable[[str], str]
) -> None:
    connect = unchecked(emulator, "connect")
    answer = refused(lambda: connect.create_user(InstanceId="i-1", Username="agent"))
    assert answer["Error"]["Code"] == "InvalidParameterException"
    assert (
        "Value null at 'routingProfileId' failed to satisfy constraint: Member must not be null"
        in (answer["Error"]["Message"])
    )


def test_json_firehose_enum_is_refused_with_firehose_s_error(aws: Aws) -> None:
    answer = refused(
        lambda: aws("firehose").start_delivery_stream_encryption(
            DeliveryStreamName="stream",
            DeliveryStreamEncryptionConfigurationInput={"KeyType": "NO_SUCH_KEY_TYPE"},
        )
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert (
        "Member must satisfy enum value set: [AWS_OWNED_CMK, CUSTOMER_MANAGED_CMK]"
        in answer["Error"]["Message"]
    )


def test_json_secrets_manager_secret_value_is_never_echoed(aws: Aws, unique: Callable[[str], str]) -> None:
    limit = _max("secretsmanager", "CreateSecret", "SecretString")
    secret = "s" * (limit + 1)
    answer = refused(lambda: aws("secretsmanager").create_secret(Name=unique("secret"), SecretString=secret))
    assert answer["Error"]["Code"] == "InvalidParameterException"
    assert "secretString" in answer["Error"]["Message"]
    assert secret[:50] not in answer["Error"]["Message"]


def test_rest_xml_s3_notification_with_an_unknown_event_is_refused(
    aws: Aws, unique: Callable[[str], str]
) -> None:
    bucket = unique("bucket")
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    config = {
        "QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:Bogus"]}]
    }
    answer = refused(
        lambda: s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert answer["Error"]["Code"] == "InvalidArgument"
    assert (
        "Value 's3:Bogus' at 'notificationConfiguration.queueConfigurations.1.member.events.1.member'"
        in (answer["Error"]["Message"])
    )
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations") is None


def test_valid_requests_pass_the_layer_with_their_bodies_intact(
    aws: Aws, unique: Callable[[str], str]
) -> None:
    bucket = unique("bucket")
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/a file.txt", Body=b"payload")
    assert s3.get_object(Bucket=bucket, Key="dir/a file.txt")["Body"].read() == b"payload"
    assert mv.validated[("s3", "PutObject")] >= 1


def test_rest_json_uri_and_querystring_members_are_checked(aws: Aws, unique: Callable[[str], str]) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = aws("connect")
    limit = _max("connect", "ListUsers", "MaxResults")
    in_query = refused(lambda: connect.list_users(InstanceId=instance_id, MaxResults=limit + 1))
    assert (
        f"at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {limit}"
        in (in_query["Error"]["Message"])
    )
    long_id = "i" * (_max("connect", "ListUsers", "InstanceId") + 1)
    in_uri = refused(lambda: connect.list_users(InstanceId=long_id))
    assert in_uri["Error"]["Code"] == "InvalidParameterException"
    assert (
        "at 'instanceId' failed to satisfy constraint: Member must have length less than or equal to"
        in (in_uri["Error"]["Message"])
    )
    assert connect.list_users(InstanceId=instance_id, MaxResults=limit)["UserSummaryList"] == []
