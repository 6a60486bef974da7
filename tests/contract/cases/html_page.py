"""Contract case for ``Custom::HtmlPage``: the built-in custom CCP page in a shared bucket."""

from __future__ import annotations

from typing import Any

from providers.html_page.handlers import parse_page_id
from providers.html_page.render import escape_html
from tests.contract.suite import ContractCase, Env


def make_properties(env: Env) -> dict[str, Any]:
    bucket = env.scratch.get("bucket")
    if bucket is None:
        bucket = env.unique("pages")
        env.client("s3").create_bucket(Bucket=bucket)
        # The bucket is shared: a neighbour object that no page operation may touch.
        env.client("s3").put_object(Bucket=bucket, Key="neighbour.txt", Body=b"not ours")
        env.scratch["bucket"] = bucket
    return {
        "Bucket": bucket,
        "Key": f"{env.unique('ccp')}/index.html",
        "Values": {
            "CcpUrl": "https://example-alias.my.connect.aws/ccp-v2/",
            "Region": "eu-west-2",
            "Title": "Agents & <friends>",
        },
    }


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Values": {**props["Values"], "Title": 'Renamed "CCP"'}, "CacheControl": "max-age=60"}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Key": f"{env.unique('moved')}/index.html"}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    parsed = parse_page_id(physical_id)
    assert parsed == (props["Bucket"], props["Key"]), physical_id
    s3 = env.client("s3")
    neighbour = s3.get_object(Bucket=props["Bucket"], Key="neighbour.txt")["Body"].read()
    assert neighbour == b"not ours", "a page operation touched another object in the bucket"
    try:
        reply = s3.get_object(Bucket=parsed[0], Key=parsed[1])
    except s3.exceptions.NoSuchKey:
        return False
    body = reply["Body"].read().decode()
    return f"<title>{escape_html(props['Values']['Title'])}</title>" in body


def count(env: Env, props: dict[str, Any]) -> int:
    listing = env.client("s3").list_objects_v2(
        Bucket=props["Bucket"], Prefix=props["Key"].split("/")[0] + "/"
    )
    return int(listing.get("KeyCount", 0))


def _values(props: dict[str, Any], **changes: str) -> dict[str, Any]:
    return {**props, "Values": {**props["Values"], **changes}}


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """The page edited in place, keeping its metadata (as a console re-upload would not)."""
    s3 = env.client("s3")
    head = s3.head_object(Bucket=props["Bucket"], Key=props["Key"])
    s3.put_object(
        Bucket=props["Bucket"],
        Key=props["Key"],
        Body=b"<p>edited by hand</p>",
        ContentType=head["ContentType"],
        CacheControl=head.get("CacheControl", ""),
        Metadata=head.get("Metadata", {}),
    )
    return "BodySha256"


CASE = ContractCase(
    resource_type="Custom::HtmlPage",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    count=count,
    required=("Bucket", "Key"),
    bad_values=[
        ("Values.Region", lambda p: _values(p, Region="moon-base-1x")),
        ("Values.CcpUrl", lambda p: _values(p, CcpUrl="javascript:alert(1)")),
        ("Values.CcpUrl", lambda p: {**p, "Values": {"Region": "eu-west-2"}}),
        ("Values.Colour", lambda p: _values(p, Colour="red")),
        ("Values.Height", lambda p: _values(p, Height="100px; background:url(x)")),
        ("Values.LoginPopup", lambda p: _values(p, LoginPopup="sometimes")),
        ("Bucket", lambda p: {**p, "Bucket": "Not_A_Bucket"}),
        ("TemplateBody", lambda p: {**p, "Template": "CustomCcp", "TemplateBody": "<p>{{ X }}</p>"}),
        ("Values.Missing", lambda p: {**p, "TemplateBody": "<p>{{ Missing }}</p>", "Values": {}}),
        ("Template", lambda p: {**p, "Template": "NoSuchTemplate"}),
    ],
)
