"""``Custom::FirehoseEncryption`` against moto server over HTTP, with the emulator's Firehose
extension playing AWS's asynchronous encryption (ENABLING, ENABLING_FAILED, DISABLING)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gapfill.emulator import firehose as fh
from gapfill.local.protocol import LocalCloudFormation

TYPE = "Custom::FirehoseEncryption"
ROLE = "arn:aws:iam::123456789012:role/firehose-delivery"


@pytest.fixture(autouse=True)
def fresh_knobs(emulator: Any) -> Iterator[None]:
    fh.reset_knobs()
    yield
    fh.reset_knobs()


@pytest.fixture
def stream(aws: Callable[[str], Any], unique: Callable[[str], str]) -> Callable[..., str]:
    """Make a delivery stream (DirectPut unless told otherwise) and return its name."""

    def make(**extra: Any) -> str:
        bucket = unique("fh-it")
        aws("s3").create_bucket(Bucket=bucket)
        name = unique("stream")
        aws("firehose").create_delivery_stream(
            DeliveryStreamName=name,
            ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}"},
            **extra,
        )
        return name

    return make


def encryption(aws: Callable[[str], Any], name: str) -> dict[str, Any]:
    reply = aws("firehose").describe_delivery_stream(DeliveryStreamName=name)
    return dict(reply["DeliveryStreamDescription"]["DeliveryStreamEncryptionConfiguration"])


def kms_key(aws: Callable[[str], Any]) -> str:
    return str(aws("kms").create_key(Description="firehose test")["KeyMetadata"]["Arn"])


def test_waits_through_enabling_then_reports_enabled(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream()
    fh.knobs().encryption_delay = 0.4
    before = fh.call_counts()["describe_delivery_stream"]
    answer = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert answer.ok, answer.reason
    assert answer.physical_id == f"firehose-encryption:{name}:started"
    assert answer.data["EncryptionStatus"] == "ENABLED"
    assert answer.data["DeliveryStreamArn"].endswith(f":deliverystream/{name}")
    assert encryption(aws, name)["Status"] == "ENABLED"
    # It polled (more than the initial describe and the one right after the start call).
    assert fh.call_counts()["describe_delivery_stream"] - before > 2
    assert fh.encryption_calls(name) == 1


def test_enabling_failed_reports_firehose_failure_description(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream()
    fh.knobs().encryption_delay = 0.2
    missing_key = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    answer = cfn.create(
        TYPE, {"DeliveryStreamName": name, "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": missing_key}
    )
    assert answer.status == "FAILED"
    assert "KMS_KEY_NOT_FOUND" in answer.reason
    assert missing_key in answer.reason  # Firehose's Details, passed through
    # The FAILED create names what it touched, so CloudFormation's follow-up Delete undoes it.
    assert answer.physical_id == f"firehose-encryption:{name}:started"
    deleted = cfn.delete(TYPE, answer.physical_id, {"DeliveryStreamName": name})
    assert deleted.ok, deleted.reason
    assert encryption(aws, name)["Status"] == "DISABLED"


def test_forced_failure_knob_reaches_the_reason(cfn: LocalCloudFormation, stream: Callable[..., str]) -> None:
    name = stream()
    fh.knobs().encryption_failure = {"Type": "KMS_ACCESS_DENIED", "Details": "grant refused by key policy"}
    answer = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert answer.status == "FAILED"
    assert "KMS_ACCESS_DENIED: grant refused by key policy" in answer.reason


def test_disabled_key_fails(cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]) -> None:
    name = stream()
    key = kms_key(aws)
    aws("kms").disable_key(KeyId=key.rsplit("/", 1)[1])  # moto wants the id
    answer = cfn.create(TYPE, {"DeliveryStreamName": name, "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key})
    assert answer.status == "FAILED"
    assert "DISABLED_KMS_KEY" in answer.reason


def test_kinesis_sourced_stream_fails_with_advice_and_no_call(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str], unique: Callable[[str], str]
) -> None:
    source = unique("source")
    aws("kinesis").create_stream(StreamName=source, ShardCount=1)
    source_arn = aws("kinesis").describe_stream(StreamName=source)["StreamDescription"]["StreamARN"]
    name = stream(
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": source_arn, "RoleARN": ROLE},
    )
    answer = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert answer.status == "FAILED"
    assert "DeliveryStreamName" in answer.reason
    assert "Kinesis data stream" in answer.reason
    assert source_arn in answer.reason
    assert "Encrypt the source Kinesis data stream" in answer.reason
    assert fh.encryption_calls(name) == 0
    # Nothing was made: CloudFormation's Delete succeeds without touching the stream.
    assert cfn.delete(TYPE, answer.physical_id, {"DeliveryStreamName": name}).ok


def test_emulator_itself_refuses_kinesis_sourced_streams(
    aws: Any, stream: Callable[..., str], unique: Any
) -> None:
    """The provider's early refusal mirrors the service: the emulator refuses the call too."""
    source = unique("source")
    aws("kinesis").create_stream(StreamName=source, ShardCount=1)
    arn = aws("kinesis").describe_stream(StreamName=source)["StreamDescription"]["StreamARN"]
    name = stream(
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn, "RoleARN": ROLE},
    )
    with pytest.raises(aws("firehose").exceptions.InvalidArgumentException):
        aws("firehose").start_delivery_stream_encryption(
            DeliveryStreamName=name, DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"}
        )


def test_already_encrypted_same_way_skips_the_call_and_delete_leaves_it(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream(DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"})
    answer = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert answer.ok, answer.reason
    assert answer.physical_id == f"firehose-encryption:{name}:kept"
    assert fh.encryption_calls(name) == 0
    assert cfn.delete(TYPE, answer.physical_id, {"DeliveryStreamName": name}).ok
    assert encryption(aws, name)["Status"] == "ENABLED"
    assert fh.encryption_calls(name) == 0


def test_encrypted_with_another_key_is_switched_and_left_encrypted_on_delete(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream(DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"})
    key = kms_key(aws)
    props = {"DeliveryStreamName": name, "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key}
    answer = cfn.create(TYPE, props)
    assert answer.ok, answer.reason
    assert answer.physical_id.endswith(":kept")
    assert encryption(aws, name)["KeyARN"] == key
    assert cfn.delete(TYPE, answer.physical_id, props).ok
    assert encryption(aws, name)["Status"] == "ENABLED"  # it was encrypted before us: stays encrypted


def test_key_change_updates_in_place_and_same_key_makes_no_call(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream()
    props = {"DeliveryStreamName": name}
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    key = kms_key(aws)
    new_props = {**props, "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key}
    updated = cfn.update(TYPE, created.physical_id, new_props, props)
    assert updated.ok, updated.reason
    assert updated.physical_id == created.physical_id
    assert encryption(aws, name) == {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key, "Status": "ENABLED"}
    assert fh.encryption_calls(name) == 2
    again = cfn.update(TYPE, created.physical_id, new_props, new_props)
    assert again.ok
    assert fh.encryption_calls(name) == 2  # already encrypted that way: no call spent
    assert cfn.delete(TYPE, created.physical_id, new_props).ok
    assert encryption(aws, name)["Status"] == "DISABLED"


def test_delete_waits_for_disabling(cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]) -> None:
    name = stream()
    created = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert created.ok
    fh.knobs().encryption_delay = 0.3
    deleted = cfn.delete(TYPE, created.physical_id, {"DeliveryStreamName": name})
    assert deleted.ok, deleted.reason
    assert encryption(aws, name)["Status"] == "DISABLED"
    # The tag that marked the encryption as ours is gone with it.
    tags = aws("firehose").list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"]
    assert not [t for t in tags if t["Key"].startswith("gapfill:")]


def test_delete_from_physical_id_alone_with_stale_properties(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream()
    created = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert created.ok
    deleted = cfn.delete(TYPE, created.physical_id, {"DeliveryStreamName": "!!not valid", "KeyType": 7})
    assert deleted.ok, deleted.reason
    assert encryption(aws, name)["Status"] == "DISABLED"


def test_daily_call_limit_gives_an_actionable_reason(
    cfn: LocalCloudFormation, stream: Callable[..., str]
) -> None:
    name = stream()
    fh.knobs().encryption_call_limit = 0
    answer = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert answer.status == "FAILED"
    assert "25" in answer.reason
    assert "24 hours" in answer.reason
    assert "LimitExceeded" not in answer.physical_id


def test_waiting_continues_in_a_reinvocation(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream()
    # An 8 s Lambda keeps 2 s in reserve and hands over with about 1.5 s left; ENABLING lasts
    # longer than that, so the wait must continue in a second invocation.
    fh.knobs().encryption_delay = 5.0
    cfn.function_timeout = 8.0
    answer = cfn.create(TYPE, {"DeliveryStreamName": name})
    assert answer.ok, answer.reason
    assert answer.invocations > 1
    assert len(answer.puts) == 1
    assert encryption(aws, name)["Status"] == "ENABLED"


def test_repeated_request_returns_the_same_id_without_a_second_call(
    cfn: LocalCloudFormation, stream: Callable[..., str]
) -> None:
    name = stream()
    first = cfn.create(TYPE, {"DeliveryStreamName": name}, request_id="11111111-2222-3333-4444-555555555555")
    second = cfn.create(TYPE, {"DeliveryStreamName": name}, request_id="11111111-2222-3333-4444-555555555555")
    assert first.ok
    assert second.ok
    assert first.physical_id == second.physical_id == f"firehose-encryption:{name}:started"
    assert fh.encryption_calls(name) == 1


def test_emulator_raises_invalid_kms_resource_for_a_key_pending_deletion(
    aws: Any, stream: Callable[..., str]
) -> None:
    name = stream()
    key = kms_key(aws)
    aws("kms").schedule_key_deletion(KeyId=key.rsplit("/", 1)[1], PendingWindowInDays=7)
    firehose = aws("firehose")
    with pytest.raises(firehose.exceptions.InvalidKMSResourceException) as excinfo:
        firehose.start_delivery_stream_encryption(
            DeliveryStreamName=name,
            DeliveryStreamEncryptionConfigurationInput={"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key},
        )
    assert excinfo.value.response["code"] == "InvalidStateException"
    assert encryption(aws, name)["Status"] == "DISABLED", "a refused start changes nothing"
    assert fh.encryption_calls(name) == 0


def test_emulator_knob_makes_kms_refuse_firehose(aws: Any, stream: Callable[..., str]) -> None:
    name = stream()
    fh.knobs().kms_exception = "AccessDeniedException"
    firehose = aws("firehose")
    with pytest.raises(firehose.exceptions.InvalidKMSResourceException) as excinfo:
        firehose.start_delivery_stream_encryption(
            DeliveryStreamName=name, DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"}
        )
    assert excinfo.value.response["code"] == "AccessDeniedException"


def test_an_unusable_key_is_reported_in_firehose_words(
    cfn: LocalCloudFormation, aws: Any, stream: Callable[..., str]
) -> None:
    name = stream()
    key = kms_key(aws)
    aws("kms").schedule_key_deletion(KeyId=key.rsplit("/", 1)[1], PendingWindowInDays=7)
    props = {"DeliveryStreamName": name, "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key}
    answer = cfn.create(TYPE, props)
    assert answer.status == "FAILED"
    assert answer.reason.startswith(f"KeyARN: Firehose could not use KMS key '{key}'"), answer.reason
    assert "InvalidKMSResourceException" in answer.reason
    assert "KMS answered InvalidStateException" in answer.reason
    assert not answer.physical_id.startswith("firehose-encryption:"), "nothing was changed"
