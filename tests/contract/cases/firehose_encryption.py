"""Contract case for ``Custom::FirehoseEncryption``: each resource gets its own fresh DirectPut
delivery stream (encryption off), so "exists" means "encrypted the way the properties say"."""

from __future__ import annotations

from typing import Any

from providers.firehose_encryption import desired_config, encrypted_as, parse_physical_id
from tests.contract.suite import ContractCase, Env

ROLE = "arn:aws:iam::123456789012:role/firehose-delivery"


def make_stream(env: Env) -> str:
    bucket = env.unique("fh-contract")
    env.client("s3").create_bucket(Bucket=bucket)
    name = env.unique("contract-stream")
    env.client("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}"},
    )
    return name


def make_properties(env: Env) -> dict[str, Any]:
    return {"DeliveryStreamName": make_stream(env), "KeyType": "AWS_OWNED_CMK"}


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    key = env.client("kms").create_key(Description="contract")["KeyMetadata"]["Arn"]
    return {**props, "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "DeliveryStreamName": make_stream(env)}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    parsed = parse_physical_id(physical_id)
    assert parsed is not None, f"not a FirehoseEncryption physical id: {physical_id}"
    assert parsed[0] == props["DeliveryStreamName"]
    reply = env.client("firehose").describe_delivery_stream(DeliveryStreamName=parsed[0])
    current = reply["DeliveryStreamDescription"].get("DeliveryStreamEncryptionConfiguration", {})
    return encrypted_as(current, desired_config(props))


def count(env: Env, props: dict[str, Any]) -> int:
    """Start calls made on the stream: a repeated RequestId must not start encryption twice."""
    from gapfill.emulator.firehose import encryption_calls

    return encryption_calls(props["DeliveryStreamName"])


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """Encryption stopped in the console."""
    env.client("firehose").stop_delivery_stream_encryption(DeliveryStreamName=props["DeliveryStreamName"])
    return "KeyType"


CASE = ContractCase(
    resource_type="Custom::FirehoseEncryption",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    required=("DeliveryStreamName",),
    bad_values=[
        ("KeyARN", lambda p: {**p, "KeyType": "CUSTOMER_MANAGED_CMK"}),
        ("KeyARN", lambda p: {**p, "KeyARN": "arn:aws:kms:us-east-1:123456789012:key/abc"}),
        ("KeyType", lambda p: {**p, "KeyType": "MY_OWN_KEY"}),
        ("DeliveryStreamName", lambda p: {**p, "DeliveryStreamName": "has spaces"}),
        ("DeliveryStreamName", lambda p: {**p, "DeliveryStreamName": "no-such-stream-anywhere"}),
    ],
)
