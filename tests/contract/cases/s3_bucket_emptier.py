"""Contract case for ``Custom::S3BucketEmptier``: a versioned bucket of the runner's stack,
with versions and a delete marker, while that stack is being deleted (so that Delete empties
it: "exists" means the bucket still holds something)."""

from __future__ import annotations

from typing import Any

from gapfill.local import stacks
from providers.s3_bucket_emptier.rules import parse_physical_id
from tests.contract.suite import ContractCase, Env


def _stack_bucket(env: Env) -> str:
    s3 = env.client("s3")
    bucket = env.unique("emptied")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="data.txt", Body=body)
    s3.delete_object(Bucket=bucket, Key="data.txt")
    s3.put_object(Bucket=bucket, Key="other.txt", Body=b"x")
    assert env.stack_id, "the emptier's contract case needs the runner's StackId"
    stacks.tag_bucket(bucket, env.stack_id, "Bucket")
    stacks.record(env.stack_id, "DELETE_IN_PROGRESS")
    return bucket


def make_properties(env: Env) -> dict[str, Any]:
    return {"BucketName": _stack_bucket(env)}


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Enabled": True}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "BucketName": _stack_bucket(env)}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    assert parse_physical_id(physical_id) == props["BucketName"], physical_id
    listing = env.client("s3").list_object_versions(Bucket=props["BucketName"])
    return bool(listing.get("Versions") or listing.get("DeleteMarkers"))


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """The bucket is emptied and deleted by hand: all an emptier can show is that it is gone."""
    s3 = env.client("s3")
    bucket = props["BucketName"]
    listing = s3.list_object_versions(Bucket=bucket)
    for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    return ""


CASE = ContractCase(
    resource_type="Custom::S3BucketEmptier",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    required=("BucketName",),
    bad_values=[
        ("BucketName", lambda p: {**p, "BucketName": "no-such-bucket-anywhere"}),
        ("BucketName", lambda p: {**p, "BucketName": "Not_A_Bucket"}),
        ("Enabled", lambda p: {**p, "Enabled": "sometimes"}),
    ],
)
