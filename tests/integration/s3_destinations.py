"""Real destinations in the emulator for S3 notification tests: buckets, SQS queues, SNS
topics and Lambda functions, plus a bucket pre-loaded with other people's notifications."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

Client = Callable[[str], Any]

ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def bucket(client: Client, name: str) -> str:
    client("s3").create_bucket(Bucket=name)
    return name


def queue(client: Client, name: str) -> str:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def topic(client: Client, name: str) -> str:
    return str(client("sns").create_topic(Name=name)["TopicArn"])


def function(client: Client, name: str) -> str:
    iam = client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(ROLE_POLICY))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    made = client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
    )
    return str(made["FunctionArn"])


def others_configuration(client: Client, unique: Callable[[str], str]) -> dict[str, Any]:
    """Notifications owned by someone else: one of each destination type, a filter with
    rules, and EventBridge on. Written straight through the S3 API, as a console would."""
    return {
        "LambdaFunctionConfigurations": [
            {
                "Id": "their-lambda",
                "LambdaFunctionArn": function(client, unique("their-fn")),
                "Events": ["s3:ObjectRemoved:*"],
            }
        ],
        "QueueConfigurations": [
            {
                "Id": "their-queue",
                "QueueArn": queue(client, unique("their-q")),
                "Events": ["s3:ObjectCreated:Put", "s3:ObjectCreated:Post"],
                "Filter": {
                    "Key": {
                        "FilterRules": [
                            {"Name": "suffix", "Value": ".csv"},
                            {"Name": "prefix", "Value": "in/"},
                        ]
                    }
                },
            }
        ],
        "TopicConfigurations": [
            {
                "Id": "gapfill-their-topic",
                "TopicArn": topic(client, unique("their-t")),
                "Events": ["s3:ObjectRestore:*"],
            }
        ],
        "EventBridgeConfiguration": {},
    }


def read(client: Client, name: str) -> dict[str, Any]:
    """The bucket's notification document as S3 returns it, without response metadata."""
    got = client("s3").get_bucket_notification_configuration(Bucket=name)
    got.pop("ResponseMetadata", None)
    return {k: v for k, v in got.items() if v != []}
