"""Real destinations in the emulator for S3 notification tests: buckets, SQS queues, SNS
topics and Lambda functions, plus a bucket pre-loaded with other people's notifications.

S3 validates every destination of every notification PUT, so each destination is made with
the policy that lets S3 deliver to it (``grant=False`` makes one without, to test refusals):
the policy comes first, the notification after, as a template must order them."""

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


def s3_may(action: str, arn: str) -> str:
    """A resource policy letting S3 (from any bucket of the placeholder account) do ``action``."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": action,
        "Resource": arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def queue(client: Client, name: str, *, grant: bool = True) -> str:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    if grant:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": s3_may("sqs:SendMessage", arn)})
    return arn


def topic(client: Client, name: str, *, grant: bool = True) -> str:
    sns = client("sns")
    arn = str(sns.create_topic(Name=name)["TopicArn"])
    if grant:
        sns.set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=s3_may("sns:Publish", arn)
        )
    return arn


def function(client: Client, name: str, *, grant: bool = True) -> str:
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
    if grant:
        client("lambda").add_permission(
            FunctionName=name,
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceAccount="123456789012",
        )
    return str(made["FunctionArn"])


def others_configuration(client: Client, unique: Callable[[str], str]) -> dict[str, Any]:
    """Notifications owned by someone else: one of each destination type, a filter with
    rules, and EventBridge on. Written straight through the S3 API, as a console would. Each
    is filtered (``their/``, ``in/``) so that ours can coexist: S3 refuses overlapping rules."""
    return {
        "LambdaFunctionConfigurations": [
            {
                "Id": "their-lambda",
                "LambdaFunctionArn": function(client, unique("their-fn")),
                "Events": ["s3:ObjectRemoved:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "their/"}]}},
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
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "their/"}]}},
            }
        ],
        "EventBridgeConfiguration": {},
    }


def read(client: Client, name: str) -> dict[str, Any]:
    """The bucket's notification document as S3 returns it, without response metadata."""
    got = client("s3").get_bucket_notification_configuration(Bucket=name)
    got.pop("ResponseMetadata", None)
    return {k: v for k, v in got.items() if v != []}
