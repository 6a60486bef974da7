"""What a contact centre (or any account) already has, created in the local emulator.

``gapfill invoke --local`` starts an empty emulator; the resources a provider acts on
(an existing bucket, the queue a notification targets, a delivery stream) are created
here from the properties, so that one command shows the provider working. ``describe``
reads back what the provider changed, to show it is really there.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3

from gapfill.emulator.server import EMULATOR_ACCOUNT_ID

_ARN = re.compile(
    r"^arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>\d*):(?P<rest>.+)$"
)
LOCAL_ROLE = "gapfill-local-function-role"


def _client(service: str) -> Any:
    return boto3.client(service)


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)
    else:
        yield key, value


def _role_arn() -> str:
    iam = _client("iam")
    try:
        return str(iam.get_role(RoleName=LOCAL_ROLE)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        policy = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        return str(iam.create_role(RoleName=LOCAL_ROLE, AssumeRolePolicyDocument=policy)["Role"]["Arn"])


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def _s3_may(action: str, arn: str) -> str:
    """The resource policy an account gives a notification destination: S3 validates it."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": action,
        "Resource": arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": EMULATOR_ACCOUNT_ID}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def ensure_bucket(name: str) -> str | None:
    s3 = _client("s3")
    try:
        s3.head_bucket(Bucket=name)
        return None
    except s3.exceptions.ClientError:
        s3.create_bucket(Bucket=name)
        return f"bucket {name}"


def ensure_arn(arn: str) -> str | None:
    """Create the queue, topic, function or stream an ARN names, if it is missing."""
    match = _ARN.match(arn)
    if not match or match["account"] not in ("", EMULATOR_ACCOUNT_ID):
        return None
    service, rest = match["service"], match["rest"]
    if service == "sqs":
        url = _client("sqs").create_queue(QueueName=rest)["QueueUrl"]
        policy = _s3_may("sqs:SendMessage", arn)
        _client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        return f"queue {rest} (S3 may send to it)"
    if service == "sns":
        _client("sns").create_topic(Name=rest)
        _client("sns").set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=_s3_may("sns:Publish", arn)
        )
        return f"topic {rest} (S3 may publish to it)"
    if service == "lambda" and rest.startswith("function:"):
        name = rest.split(":")[1]
        lam = _client("lambda")
        try:
            lam.get_function(FunctionName=name)
            return None
        except lam.exceptions.ResourceNotFoundException:
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=_role_arn(),
                Handler="index.handler",
                Code={"ZipFile": _function_zip()},
            )
            lam.add_permission(
                FunctionName=name,
                StatementId="gapfill-local-s3",
                Action="lambda:InvokeFunction",
                Principal="s3.amazonaws.com",
                SourceAccount=EMULATOR_ACCOUNT_ID,
            )
            return f"function {name} (S3 may invoke it)"
    if service == "kinesis" and rest.startswith("stream/"):
        name = rest.split("/", 1)[1]
        kinesis = _client("kinesis")
        try:
            kinesis.describe_stream_summary(StreamName=name)
            return None
        except kinesis.exceptions.ResourceNotFoundException:
            kinesis.create_stream(StreamName=name, ShardCount=1)
            return f"kinesis stream {name}"
    return None


def ensure_delivery_stream(name: str) -> str | None:
    firehose = _client("firehose")
    try:
        firehose.describe_delivery_stream(DeliveryStreamName=name)
        return None
    except firehose.exceptions.ResourceNotFoundException:
        bucket = f"{name.lower()}-destination"[:63]
        ensure_bucket(bucket)
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": _role_arn(),
                "BucketARN": f"arn:aws:s3:::{bucket}",
            },
        )
        return f"delivery stream {name}"


def ensure_for(resource_type: str, properties: dict[str, Any]) -> list[str]:
    """Create what ``properties`` refer to but the emulator lacks; return what was made."""
    made: list[str] = []
    for key, value in _walk(properties):
        if not isinstance(value, str) or key == "ServiceToken":
            continue
        result: str | None = None
        if key in ("BucketName", "Bucket") or (key.endswith("Bucket") and "Arn" not in key):
            result = ensure_bucket(value)
        elif key == "DeliveryStreamName":
            result = ensure_delivery_stream(value)
        elif value.startswith("arn:"):
            result = ensure_arn(value)
        if result:
            made.append(result)
    return made


def _say(text: str) -> None:
    print(text, flush=True)


def seed(parameters: dict[str, Any], progress: Callable[[str], None] = _say) -> None:
    """Put in the emulator the files a contact centre already has (``seed/seeds.json``), each
    where the parameters that name its bucket and key say."""
    from gapfill.local.plan import SEED_DIR

    for item in json.loads((SEED_DIR / "seeds.json").read_text(encoding="utf-8")):
        bucket, key = parameters.get(item["bucketParameter"]), parameters.get(item["keyParameter"])
        if not bucket or not key:
            continue
        ensure_bucket(str(bucket))
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=(SEED_DIR / item["file"]).read_bytes())
        progress(f"prerequisite in the emulator: {item['what']} at s3://{bucket}/{key}")


def _without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    answer.pop("ResponseMetadata", None)
    return answer


def describe(resource_type: str, physical_id: str, properties: dict[str, Any]) -> Any:
    """Read back from the emulator what a resource of ``resource_type`` changed."""
    if resource_type == "Custom::S3BucketNotification" and properties.get("BucketName"):
        config = _client("s3").get_bucket_notification_configuration(Bucket=properties["BucketName"])
        return {"BucketNotificationConfiguration": _without_metadata(config)}
    if resource_type == "Custom::FirehoseEncryption" and properties.get("DeliveryStreamName"):
        stream = _client("firehose").describe_delivery_stream(
            DeliveryStreamName=properties["DeliveryStreamName"]
        )
        return {
            "DeliveryStreamEncryptionConfiguration": stream["DeliveryStreamDescription"].get(
                "DeliveryStreamEncryptionConfiguration"
            )
        }
    if resource_type == "Custom::HtmlPage" and physical_id.startswith("s3://"):
        bucket, _, key = physical_id[5:].partition("/")
        head = _without_metadata(_client("s3").head_object(Bucket=bucket, Key=key))
        return {
            "Object": f"s3://{bucket}/{key}",
            **{k: head.get(k) for k in ("ContentType", "CacheControl", "ETag")},
        }
    connect = _CONNECT_DESCRIBERS.get(resource_type)
    if connect is not None and physical_id.startswith("arn:"):
        return connect(physical_id)
    return None


def _describe_instance(arn: str) -> Any:
    return _without_metadata(_client("connect").describe_instance(InstanceId=arn.rsplit("/", 1)[-1]))


def _describe_flow(arn: str) -> Any:
    parts = arn.split("/")
    flow = _client("connect").describe_contact_flow(InstanceId=parts[1], ContactFlowId=parts[3])[
        "ContactFlow"
    ]
    return {k: flow.get(k) for k in ("Name", "Type", "State", "Status", "Description")}


def _describe_number(arn: str) -> Any:
    number = _client("connect").describe_phone_number(PhoneNumberId=arn.rsplit("/", 1)[-1])
    return _without_metadata(number)


def _describe_user(arn: str) -> Any:
    parts = arn.split("/")
    return _without_metadata(_client("connect").describe_user(InstanceId=parts[1], UserId=parts[3]))


_CONNECT_DESCRIBERS = {
    "Custom::ConnectInstance": _describe_instance,
    "Custom::ConnectContactFlow": _describe_flow,
    "Custom::ConnectPhoneNumber": _describe_number,
    "Custom::ConnectUser": _describe_user,
}
