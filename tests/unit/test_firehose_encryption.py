"""Pure logic of ``Custom::FirehoseEncryption``: ids, wanted configuration, ownership."""

from __future__ import annotations

import pytest

from providers.core.errors import ProviderError
from providers.firehose_encryption import (
    KEPT,
    STARTED,
    desired_config,
    encrypted_as,
    failure_reason,
    kinesis_source_reason,
    kms_refusal_reason,
    mode_for,
    parse_physical_id,
    physical_id,
)

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER = "arn:aws:kms:us-east-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab"


def test_physical_id_round_trip() -> None:
    assert parse_physical_id(physical_id("my.stream_1", STARTED)) == ("my.stream_1", STARTED)
    assert parse_physical_id(physical_id("s", KEPT)) == ("s", KEPT)


@pytest.mark.parametrize(
    "pid",
    [
        None,
        "",
        "gapfill-create-failed-abc",
        "firehose-encryption:s:other",
        "firehose-encryption::started",
        "x:s:kept",
    ],
)
def test_foreign_ids_are_not_parsed(pid: str | None) -> None:
    assert parse_physical_id(pid) is None


def test_desired_config_defaults_to_aws_owned() -> None:
    assert desired_config({"DeliveryStreamName": "s"}) == {"KeyType": "AWS_OWNED_CMK"}
    assert desired_config({"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY}) == {
        "KeyType": "CUSTOMER_MANAGED_CMK",
        "KeyARN": KEY,
    }


def test_desired_config_names_keyarn_when_the_pair_is_wrong() -> None:
    with pytest.raises(ProviderError, match=r"^KeyARN: required"):
        desired_config({"KeyType": "CUSTOMER_MANAGED_CMK"})
    with pytest.raises(ProviderError, match=r"^KeyARN: only allowed"):
        desired_config({"KeyType": "AWS_OWNED_CMK", "KeyARN": KEY})


@pytest.mark.parametrize(
    ("current", "wanted", "same"),
    [
        ({"Status": "ENABLED", "KeyType": "AWS_OWNED_CMK"}, {"KeyType": "AWS_OWNED_CMK"}, True),
        ({"Status": "ENABLING", "KeyType": "AWS_OWNED_CMK"}, {"KeyType": "AWS_OWNED_CMK"}, True),
        ({"Status": "ENABLING_FAILED", "KeyType": "AWS_OWNED_CMK"}, {"KeyType": "AWS_OWNED_CMK"}, False),
        ({"Status": "DISABLED", "KeyType": "AWS_OWNED_CMK"}, {"KeyType": "AWS_OWNED_CMK"}, False),
        ({"Status": "DISABLED"}, {"KeyType": "AWS_OWNED_CMK"}, False),
        (
            {"Status": "ENABLED", "KeyType": "AWS_OWNED_CMK"},
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
            False,
        ),
        (
            {"Status": "ENABLED", "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
            True,
        ),
        (
            {"Status": "ENABLED", "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": OTHER},
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY},
            False,
        ),
    ],
)
def test_encrypted_as(current: dict[str, str], wanted: dict[str, str], same: bool) -> None:
    assert encrypted_as(current, wanted) is same


def test_mode_remembers_whether_encryption_was_on_before() -> None:
    aws_owned = {"KeyType": "AWS_OWNED_CMK"}
    # Off (or failed) before: this resource turns it on, so its delete turns it off again.
    assert mode_for({"Status": "DISABLED"}, aws_owned, tagged_by_us=False) == STARTED
    assert mode_for({"Status": "ENABLING_FAILED", "KeyType": "AWS_OWNED_CMK"}, aws_owned, False) == STARTED
    # On before (any key): leave it on.
    assert mode_for({"Status": "ENABLED", "KeyType": "AWS_OWNED_CMK"}, aws_owned, False) == KEPT
    on_other_key = {"Status": "ENABLED", "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY}
    assert mode_for(on_other_key, aws_owned, False) == KEPT
    # Already as wanted because a first attempt of this same resource turned it on.
    assert mode_for({"Status": "ENABLED", "KeyType": "AWS_OWNED_CMK"}, aws_owned, True) == STARTED


def test_failure_reason_carries_firehose_words() -> None:
    reason = failure_reason(
        "s",
        {"Status": "ENABLING_FAILED", "FailureDescription": {"Type": "INVALID_KMS_KEY", "Details": "bad"}},
    )
    assert reason == "Firehose could not enable encryption of delivery stream 's': INVALID_KMS_KEY: bad"
    assert "UNKNOWN_ERROR" in failure_reason("s", {"Status": "ENABLING_FAILED"})


def test_kinesis_reason_points_at_the_source_stream() -> None:
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/source"
    reason = kinesis_source_reason(
        "s", {"Source": {"KinesisStreamSourceDescription": {"KinesisStreamARN": arn}}}
    )
    assert reason.startswith("DeliveryStreamName:")
    assert arn in reason
    assert "Encrypt the source Kinesis data stream" in reason


def test_kms_refusal_reason_names_the_key_and_kms_answer() -> None:
    reason = kms_refusal_reason(
        "s", {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": KEY}, "DisabledException", "no"
    )
    assert reason.startswith(f"KeyARN: Firehose could not use KMS key '{KEY}' to encrypt delivery stream 's'")
    assert "InvalidKMSResourceException (KMS answered DisabledException): no." in reason
    owned = kms_refusal_reason("s", {"KeyType": "AWS_OWNED_CMK"}, "", "denied")
    assert owned.startswith("KeyType: Firehose could not use its AWS owned KMS key")
    assert "InvalidKMSResourceException: denied." in owned
