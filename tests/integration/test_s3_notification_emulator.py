"""The emulator's S3 notification answers against what AWS documents (issue 10 F, G and the
capitalised ``Prefix``), over HTTP with boto3: ambiguous configurations refused, every
destination validated against its policy on every PUT, filter rule names in any case."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gapfill.emulator import documented, s3_notifications
from tests.integration import s3_destinations as dest

Client = Callable[[str], Any]


@pytest.fixture(autouse=True)
def _installed(emulator: Any) -> None:
    s3_notifications.install()
    s3_notifications.clear()


def _put(aws: Client, bucket: str, document: dict[str, Any], **extra: Any) -> None:
    aws("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=document, **extra
    )


def _refused(aws: Client, bucket: str, document: dict[str, Any], **extra: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        _put(aws, bucket, document, **extra)
    error: dict[str, Any] = caught.value.response["Error"]
    error["status"] = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error


def _queue_entry(arn: str, events: list[str], prefix: str = "", suffix: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {"QueueArn": arn, "Events": events}
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    return entry


# -- capitalised filter rule names -----------------------------------------------------------


def test_capitalised_rule_names_are_accepted_as_s3_accepts_them(aws: Client, unique: Any) -> None:
    bucket = dest.bucket(aws, unique("caps"))
    queue = dest.queue(aws, unique("caps-q"))
    rules = [{"Name": "Prefix", "Value": "in/"}, {"Name": "SUFFIX", "Value": ".csv"}]
    _put(
        aws,
        bucket,
        {
            "QueueConfigurations": [
                {
                    "QueueArn": queue,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": rules}},
                }
            ]
        },
    )
    got = dest.read(aws, bucket)["QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"]
    assert sorted((r["Name"], r["Value"]) for r in got) == [("Prefix", "in/"), ("Suffix", ".csv")]


def test_an_unknown_rule_name_is_a_400_not_a_500(aws: Client, unique: Any) -> None:
    bucket = dest.bucket(aws, unique("badname"))
    queue = dest.queue(aws, unique("badname-q"))
    rules = [{"Name": "infix", "Value": "x"}]
    error = _refused(
        aws,
        bucket,
        {
            "QueueConfigurations": [
                {
                    "QueueArn": queue,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": rules}},
                }
            ]
        },
    )
    assert (error["Code"], error["status"]) == ("InvalidArgument", 400)
    assert "prefix or suffix" in error["Message"]


# -- ambiguous configurations ----------------------------------------------------------------

#: (events, prefix, suffix) of two rules, and whether S3 refuses them together.
OVERLAPS = [
    ((["s3:ObjectCreated:*"], "", ""), (["s3:ObjectCreated:*"], "", ""), True),
    ((["s3:ObjectCreated:*"], "", ""), (["s3:ObjectCreated:Put"], "images/", ".jpg"), True),
    ((["s3:ObjectCreated:Put"], "images/", ""), (["s3:ObjectCreated:Put"], "images/2024/", ""), True),
    ((["s3:ObjectCreated:Put"], "", "jpg"), (["s3:ObjectCreated:Put"], "", ".jpg"), True),
    ((["s3:ObjectCreated:Put"], "images/", ""), (["s3:ObjectCreated:Put"], "", ".jpg"), True),
    (
        (["s3:ObjectRemoved:Delete", "s3:ObjectCreated:Copy"], "a", ""),
        (["s3:ObjectCreated:*"], "ab", ""),
        True,
    ),
    ((["s3:ObjectCreated:Put"], "images/", ".jpg"), (["s3:ObjectCreated:Put"], "images/", ".png"), False),
    ((["s3:ObjectCreated:Put"], "images/", ""), (["s3:ObjectCreated:Put"], "logs/", ""), False),
    ((["s3:ObjectCreated:Put"], "", ""), (["s3:ObjectCreated:Post"], "", ""), False),
    ((["s3:ObjectCreated:*"], "", ""), (["s3:ObjectRemoved:*"], "", ""), False),
]


@pytest.mark.parametrize(("first", "second", "refused"), OVERLAPS)
def test_overlapping_rules_are_refused_across_destinations(
    aws: Client, unique: Any, first: tuple[Any, ...], second: tuple[Any, ...], refused: bool
) -> None:
    bucket = dest.bucket(aws, unique("overlap"))
    queue = dest.queue(aws, unique("ov-q"))
    topic = dest.topic(aws, unique("ov-t"))
    topic_entry = _queue_entry(topic, *second)
    topic_entry["TopicArn"] = topic_entry.pop("QueueArn")
    document = {"QueueConfigurations": [_queue_entry(queue, *first)], "TopicConfigurations": [topic_entry]}
    if not refused:
        _put(aws, bucket, document)
        assert len(dest.read(aws, bucket)["QueueConfigurations"]) == 1
        return
    error = _refused(aws, bucket, document)
    assert (error["Code"], error["status"]) == ("InvalidArgument", 400)
    assert error["Message"] == s3_notifications.AMBIGUOUS_MESSAGE
    assert dest.read(aws, bucket) == {}


def test_the_same_rule_twice_to_one_queue_is_ambiguous(aws: Client, unique: Any) -> None:
    bucket = dest.bucket(aws, unique("twice"))
    queue = dest.queue(aws, unique("twice-q"))
    entries = [
        _queue_entry(queue, ["s3:ObjectCreated:*"], "in/"),
        _queue_entry(queue, ["s3:ObjectCreated:*"], "in/"),
    ]
    assert (
        _refused(aws, bucket, {"QueueConfigurations": entries})["Message"]
        == s3_notifications.AMBIGUOUS_MESSAGE
    )


# -- destination validation ------------------------------------------------------------------


def _policy(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _queue_with(aws: Client, name: str, statement: dict[str, Any] | None) -> str:
    arn = dest.queue(aws, name, grant=False)
    if statement is not None:
        url = aws("sqs").get_queue_url(QueueName=name)["QueueUrl"]
        policy = _policy({"Resource": arn, **statement})
        aws("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    return arn


ALLOW_S3 = {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "SQS:SendMessage"}


@pytest.mark.parametrize(
    ("statement", "accepted"),
    [
        (None, False),
        (ALLOW_S3, True),
        ({**ALLOW_S3, "Action": "sqs:*"}, True),
        ({**ALLOW_S3, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::{bucket}"}}}, True),
        ({**ALLOW_S3, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::someone-else"}}}, False),
        ({**ALLOW_S3, "Condition": {"StringEquals": {"aws:SourceAccount": "210987654321"}}}, False),
        ({**ALLOW_S3, "Action": "sqs:ReceiveMessage"}, False),
        ({**ALLOW_S3, "Principal": {"Service": "sns.amazonaws.com"}}, False),
        ({**ALLOW_S3, "Effect": "Deny"}, False),
    ],
)
def test_queue_policy_decides_whether_s3_may_deliver(
    aws: Client, unique: Any, statement: dict[str, Any] | None, accepted: bool
) -> None:
    bucket = dest.bucket(aws, unique("qpol"))
    if statement is not None and "Condition" in statement:
        statement = json.loads(json.dumps(statement).replace("{bucket}", bucket))
    queue = _queue_with(aws, unique("qpol-q"), statement)
    document = {"QueueConfigurations": [_queue_entry(queue, ["s3:ObjectCreated:*"])]}
    if accepted:
        _put(aws, bucket, document)
        return
    error = _refused(aws, bucket, document)
    assert (error["Code"], error["status"]) == ("InvalidArgument", 400)
    assert error["Message"] == s3_notifications.VALIDATION_MESSAGE
    assert error["ArgumentName"] == queue
    assert dest.read(aws, bucket) == {}


def test_every_destination_of_every_put_is_validated(aws: Client, unique: Any) -> None:
    """A destination accepted once is checked again on the next PUT (another party's write)."""
    bucket = dest.bucket(aws, unique("every"))
    topic = dest.topic(aws, unique("every-t"))
    _put(aws, bucket, {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    aws("sns").delete_topic(TopicArn=topic)
    error = _refused(
        aws, bucket, {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert error["ArgumentName"] == topic
    assert "does not exist" in error["ArgumentValue"]


@pytest.mark.parametrize("kind", ["queue", "topic", "function"])
def test_missing_or_unpermitted_destinations_are_refused_unless_skipped(
    aws: Client, unique: Any, kind: str
) -> None:
    bucket = dest.bucket(aws, unique(f"val-{kind}"))
    make = {"queue": dest.queue, "topic": dest.topic, "function": dest.function}[kind]
    key, arn_key = {
        "queue": ("QueueConfigurations", "QueueArn"),
        "topic": ("TopicConfigurations", "TopicArn"),
        "function": ("LambdaFunctionConfigurations", "LambdaFunctionArn"),
    }[kind]
    bare = make(aws, unique(f"bare-{kind}"), grant=False)
    granted = make(aws, unique(f"ok-{kind}"))
    ghost = bare.rsplit(":", 1)[0] + ":" + unique("ghost")

    def doc(arn: str) -> dict[str, Any]:
        return {key: [{arn_key: arn, "Events": ["s3:ObjectCreated:*"]}]}

    _put(aws, bucket, doc(granted))
    for arn, why in ((bare, "do not allow S3"), (ghost, "does not exist")):
        error = _refused(aws, bucket, doc(arn))
        assert (error["Code"], error["Message"], error["ArgumentName"]) == (
            "InvalidArgument",
            s3_notifications.VALIDATION_MESSAGE,
            arn,
        )
        assert why in error["ArgumentValue"]
    _put(aws, bucket, doc(bare), SkipDestinationValidation=True)
    assert dest.read(aws, bucket)[key][0][arn_key] == bare


def test_a_topic_with_its_default_policy_does_not_let_s3_publish(aws: Client, unique: Any) -> None:
    bucket = dest.bucket(aws, unique("default-topic"))
    topic = str(aws("sns").create_topic(Name=unique("default-t"))["TopicArn"])
    error = _refused(
        aws, bucket, {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert error["ArgumentName"] == topic


def test_a_missing_bucket_is_reported_before_anything_else(aws: Client, unique: Any) -> None:
    error = _refused(
        aws,
        unique("no-bucket"),
        {
            "QueueConfigurations": [
                _queue_entry("arn:aws:sqs:us-east-1:123456789012:nothing", ["s3:ObjectCreated:*"])
            ]
        },
    )
    assert error["Code"] == "NoSuchBucket"


def test_the_rules_are_catalogued_with_aws_sources() -> None:
    rules = {r.id: r for r in documented.catalogue()}
    for rule_id in (
        "s3.notification.destination-validation",
        "s3.notification.destination-permissions",
        "s3.notification.no-overlap",
        "s3.notification.filter-rule-name-case",
    ):
        assert rules[rule_id].source.startswith("https://docs.aws.amazon.com/AmazonS3/")
