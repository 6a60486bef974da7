"""Contract case for ``Custom::S3Objects``: two inline objects in a shared bucket."""

from __future__ import annotations

from typing import Any

from providers.core.owned_objects import OWNER_KEY
from providers.s3_objects.handlers import parse_physical_id
from tests.contract.suite import ContractCase, Env


def _bucket(env: Env, name: str) -> str:
    bucket = env.scratch.get(name)
    if bucket is None:
        bucket = env.unique("objects")
        env.client("s3").create_bucket(Bucket=bucket)
        env.client("s3").put_object(Bucket=bucket, Key="neighbour.txt", Body=b"not ours")
        env.scratch[name] = bucket
    return bucket


def make_properties(env: Env) -> dict[str, Any]:
    return {
        "Bucket": _bucket(env, "bucket"),
        "Prefix": env.unique("site") + "/",
        "Objects": [
            {"Key": "index.html", "Content": "<p>hello</p>"},
            {"Key": "config.json", "Content": '{"v": 1}', "CacheControl": "max-age=60"},
        ],
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Objects": [{"Key": "index.html", "Content": "<p>changed</p>"}]}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Bucket": _bucket(env, "other-bucket")}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    parsed = parse_physical_id(physical_id)
    assert parsed is not None, physical_id
    assert parsed[0] == props["Bucket"], physical_id
    s3 = env.client("s3")
    assert s3.get_object(Bucket=props["Bucket"], Key="neighbour.txt")["Body"].read() == b"not ours"
    for obj in props["Objects"]:
        try:
            reply = s3.get_object(Bucket=props["Bucket"], Key=props["Prefix"] + obj["Key"])
        except s3.exceptions.NoSuchKey:
            return False
        if reply["Body"].read().decode() != obj["Content"] or OWNER_KEY not in reply["Metadata"]:
            return False
    return True


def count(env: Env, props: dict[str, Any]) -> int:
    """Resources writing the set: one set of objects under the prefix."""
    listing = env.client("s3").list_objects_v2(Bucket=props["Bucket"], Prefix=props["Prefix"])
    return int(listing.get("KeyCount", 0)) // len(props["Objects"])


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """One of the objects deleted by hand."""
    env.client("s3").delete_object(Bucket=props["Bucket"], Key=props["Prefix"] + "config.json")
    return "Files[" + props["Prefix"] + "config.json]"


CASE = ContractCase(
    resource_type="Custom::S3Objects",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    required=("Bucket",),
    bad_values=[
        ("Objects[0]", lambda p: {**p, "Objects": [{"Key": "a.txt"}]}),
        (
            "Objects[1]",
            lambda p: {
                **p,
                "Objects": [p["Objects"][0], {"Key": "b", "Content": "x", "ContentBase64": "eA=="}],
            },
        ),
        ("Objects[1]", lambda p: {**p, "Objects": [p["Objects"][0], p["Objects"][0]]}),
        ("Objects[0].ContentBase64", lambda p: {**p, "Objects": [{"Key": "b", "ContentBase64": "%%%"}]}),
        ("Objects", lambda p: {**p, "Objects": []}),
        ("Archive", lambda p: {**p, "Archive": {"Bucket": p["Bucket"], "Key": "no-such.zip"}}),
        (
            "Objects[0].Source",
            lambda p: {**p, "Objects": [{"Key": "c", "Source": {"Bucket": p["Bucket"], "Key": "nope"}}]},
        ),
        (
            "Objects",
            lambda p: {**p, "Prefix": "", "Objects": [{"Key": "neighbour.txt", "Content": "mine now"}]},
        ),
        ("Bucket", lambda p: {**p, "Bucket": "Not_A_Bucket"}),
    ],
)
