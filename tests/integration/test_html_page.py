"""``Custom::HtmlPage`` against moto server over HTTP: publish, overwrite, ownership, CloudFront."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gapfill.local.protocol import LocalCloudFormation

TYPE = "Custom::HtmlPage"
CCP = {"CcpUrl": "https://alias.my.connect.aws/ccp-v2/", "Region": "us-east-1"}


@pytest.fixture
def bucket(aws: Callable[[str], Any], unique: Callable[[str], str]) -> str:
    name = unique("site")
    aws("s3").create_bucket(Bucket=name)
    aws("s3").put_object(Bucket=name, Key="other/app.js", Body=b"someone else's")
    return name


def get(aws: Callable[[str], Any], bucket: str, key: str) -> dict[str, Any]:
    return dict(aws("s3").get_object(Bucket=bucket, Key=key))


def missing(aws: Callable[[str], Any], bucket: str, key: str) -> bool:
    try:
        aws("s3").head_object(Bucket=bucket, Key=key)
    except aws("s3").exceptions.ClientError as exc:
        return exc.response["Error"]["Code"] in ("404", "NoSuchKey")
    return False


def test_publishes_the_ccp_page_with_headers_and_attributes(
    cfn: LocalCloudFormation, aws: Any, bucket: str
) -> None:
    props = {"Bucket": bucket, "Key": "ccp/index.html", "Values": {**CCP, "Title": "Support desk"}}
    answer = cfn.create(TYPE, props)
    assert answer.ok, answer.reason
    assert answer.physical_id == f"s3://{bucket}/ccp/index.html"
    page = get(aws, bucket, "ccp/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == "no-cache"
    body = page["Body"].read().decode()
    assert "<title>Support desk</title>" in body
    assert answer.data["ETag"] == page["ETag"].strip('"')
    assert answer.data["ObjectUrl"] == f"https://{bucket}.s3.us-east-1.amazonaws.com/ccp/index.html"
    assert answer.data["PageUrl"] == answer.data["ObjectUrl"]
    assert get(aws, bucket, "other/app.js")["Body"].read() == b"someone else's"


def test_update_overwrites_in_place_and_delete_removes_only_the_page(
    cfn: LocalCloudFormation, aws: Any, bucket: str
) -> None:
    props = {"Bucket": bucket, "Key": "index.html", "Values": CCP}
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    new_props = {**props, "Values": {**CCP, "Title": "Night shift"}, "CacheControl": "max-age=300"}
    updated = cfn.update(TYPE, created.physical_id, new_props, props)
    assert updated.ok, updated.reason
    assert updated.physical_id == created.physical_id
    assert updated.data["ETag"] != created.data["ETag"]
    page = get(aws, bucket, "index.html")
    assert page["CacheControl"] == "max-age=300"
    assert "<title>Night shift</title>" in page["Body"].read().decode()
    assert cfn.delete(TYPE, created.physical_id, new_props).ok
    assert missing(aws, bucket, "index.html")
    assert not missing(aws, bucket, "other/app.js")


def test_delete_leaves_an_object_someone_else_uploaded_since(
    cfn: LocalCloudFormation, aws: Any, bucket: str
) -> None:
    props = {"Bucket": bucket, "Key": "index.html", "Values": CCP}
    created = cfn.create(TYPE, props)
    assert created.ok
    aws("s3").put_object(Bucket=bucket, Key="index.html", Body=b"<p>hand-made replacement</p>")
    assert cfn.delete(TYPE, created.physical_id, props).ok
    assert get(aws, bucket, "index.html")["Body"].read() == b"<p>hand-made replacement</p>"


def test_delete_works_from_the_physical_id_alone(cfn: LocalCloudFormation, aws: Any, bucket: str) -> None:
    created = cfn.create(TYPE, {"Bucket": bucket, "Key": "p.html", "Values": CCP})
    assert created.ok
    stale = {"Bucket": "Invalid_Name", "Values": {"Nonsense": "1"}}
    assert cfn.delete(TYPE, created.physical_id, stale).ok
    assert missing(aws, bucket, "p.html")


def test_user_template_inline_and_from_s3(cfn: LocalCloudFormation, aws: Any, bucket: str) -> None:
    template = '<a href="{{ Link|url }}">{{ Label }}</a><script>var who = {{ Label|js }};</script>'
    values = {"Link": "https://example.com/?a=1&b=2", "Label": "</script><b>hi</b>"}
    inline = cfn.create(
        TYPE, {"Bucket": bucket, "Key": "inline.html", "TemplateBody": template, "Values": values}
    )
    assert inline.ok, inline.reason
    aws("s3").put_object(Bucket=bucket, Key="templates/t.html", Body=template.encode())
    from_s3 = cfn.create(
        TYPE,
        {
            "Bucket": bucket,
            "Key": "from-s3.html",
            "TemplateLocation": {"Bucket": bucket, "Key": "templates/t.html"},
            "Values": values,
            "ContentType": "text/html",
        },
    )
    assert from_s3.ok, from_s3.reason
    first = get(aws, bucket, "inline.html")["Body"].read().decode()
    second = get(aws, bucket, "from-s3.html")
    assert second["ContentType"] == "text/html"
    assert first == second["Body"].read().decode()
    assert first == (
        '<a href="https://example.com/?a&#x3D;1&amp;b&#x3D;2">&lt;/script&gt;&lt;b&gt;hi&lt;/b&gt;</a>'
        '<script>var who = "\\u003c/script\\u003e\\u003cb\\u003ehi\\u003c/b\\u003e";</script>'
    )


def test_missing_template_object_names_the_property(cfn: LocalCloudFormation, bucket: str) -> None:
    answer = cfn.create(
        TYPE, {"Bucket": bucket, "Key": "x.html", "TemplateLocation": {"Bucket": bucket, "Key": "nope.html"}}
    )
    assert answer.status == "FAILED"
    assert answer.reason.startswith("TemplateLocation: ")


def test_streams_script_is_copied_beside_the_page_and_removed_with_it(
    cfn: LocalCloudFormation, aws: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    artifacts = unique("artifacts")
    aws("s3").create_bucket(Bucket=artifacts)
    aws("s3").put_object(Bucket=artifacts, Key="streams/connect-streams-min.js", Body=b"/* streams */")
    props = {
        "Bucket": bucket,
        "Key": "ccp/index.html",
        "Values": CCP,
        "StreamsScriptLocation": {"Bucket": artifacts, "Key": "streams/connect-streams-min.js"},
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    script = get(aws, bucket, "ccp/connect-streams-min.js")
    assert script["Body"].read() == b"/* streams */"
    assert script["ContentType"].startswith("application/javascript")
    assert (
        '"streamsUrl":"connect-streams-min.js"' in get(aws, bucket, "ccp/index.html")["Body"].read().decode()
    )
    # Moving the script (in place) removes the copy the page no longer uses.
    moved = {**props, "StreamsScriptKey": "static/streams.js"}
    assert cfn.update(TYPE, created.physical_id, moved, props).ok
    assert missing(aws, bucket, "ccp/connect-streams-min.js")
    assert '"streamsUrl":"../static/streams.js"' in get(aws, bucket, "ccp/index.html")["Body"].read().decode()
    assert cfn.delete(TYPE, created.physical_id, moved).ok
    assert missing(aws, bucket, "static/streams.js")
    assert missing(aws, bucket, "ccp/index.html")
    assert not missing(aws, artifacts, "streams/connect-streams-min.js")


def test_cloudfront_invalidation_and_page_url(cfn: LocalCloudFormation, aws: Any, bucket: str) -> None:
    cloudfront = aws("cloudfront")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": bucket,
            "Comment": "ccp",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https"},
        }
    )["Distribution"]
    props = {
        "Bucket": bucket,
        "Key": "ccp/index.html",
        "Values": CCP,
        "DistributionId": distribution["Id"],
        "DistributionDomainName": distribution["DomainName"],
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert created.data["PageUrl"] == f"https://{distribution['DomainName']}/ccp/index.html"
    invalidations = cloudfront.list_invalidations(DistributionId=distribution["Id"])["InvalidationList"]
    assert invalidations["Quantity"] == 1
    detail = cloudfront.get_invalidation(
        DistributionId=distribution["Id"], Id=invalidations["Items"][0]["Id"]
    )
    assert detail["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/ccp/index.html"]
    assert cfn.delete(TYPE, created.physical_id, props).ok


def test_create_refuses_a_key_holding_someone_elses_object_unless_told_to_replace(
    cfn: Any, aws: Any, unique: Any
) -> None:
    s3 = aws("s3")
    bucket = unique("page-taken")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"their page")
    props = {
        "Bucket": bucket,
        "Key": "index.html",
        "TemplateBody": "<p>{{ Greeting }}</p>",
        "Values": {"Greeting": "hi"},
    }
    refused = cfn.create("Custom::HtmlPage", props)
    assert refused.status == "FAILED"
    assert "ReplaceExisting" in refused.reason
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"their page"
    assert cfn.delete("Custom::HtmlPage", refused.physical_id, props).ok
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"their page"

    taken = cfn.create("Custom::HtmlPage", {**props, "ReplaceExisting": True})
    assert taken.ok, taken.reason
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"<p>hi</p>"
    again = cfn.create("Custom::HtmlPage", props, request_id=taken.event["RequestId"])
    assert again.ok, "a repeated create finds its own marker and goes on"
    assert cfn.delete("Custom::HtmlPage", taken.physical_id, props).ok
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_the_streams_script_is_never_copied_over_someone_elses_object(
    cfn: LocalCloudFormation, aws: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    """Rule 6 for the script copied beside the page, as for the page itself."""
    s3 = aws("s3")
    artifacts = unique("artifacts")
    s3.create_bucket(Bucket=artifacts)
    s3.put_object(Bucket=artifacts, Key="streams.js", Body=b"/* streams */")
    s3.put_object(Bucket=bucket, Key="ccp/connect-streams-min.js", Body=b"their script")
    s3.put_object(Bucket=bucket, Key="static/theirs.js", Body=b"their other script")
    props = {
        "Bucket": bucket,
        "Key": "ccp/index.html",
        "Values": CCP,
        "StreamsScriptLocation": {"Bucket": artifacts, "Key": "streams.js"},
    }
    refused = cfn.create(TYPE, props)
    assert refused.status == "FAILED"
    assert refused.reason.startswith("StreamsScriptKey: "), refused.reason
    assert "ReplaceExisting" in refused.reason
    assert get(aws, bucket, "ccp/connect-streams-min.js")["Body"].read() == b"their script"
    assert missing(aws, bucket, "ccp/index.html"), "nothing is written when the script is refused"
    assert cfn.delete(TYPE, refused.physical_id, props).ok

    elsewhere = {**props, "StreamsScriptKey": "static/ours.js"}
    created = cfn.create(TYPE, elsewhere)
    assert created.ok, created.reason
    onto_theirs = {**props, "StreamsScriptKey": "static/theirs.js"}
    moved = cfn.update(TYPE, created.physical_id, onto_theirs, elsewhere)
    assert moved.status == "FAILED"
    assert moved.reason.startswith("StreamsScriptKey: "), moved.reason
    assert get(aws, bucket, "static/theirs.js")["Body"].read() == b"their other script"
    assert get(aws, bucket, "static/ours.js")["Body"].read() == b"/* streams */"
    assert cfn.delete(TYPE, created.physical_id, elsewhere).ok

    taken = cfn.create(TYPE, {**props, "ReplaceExisting": True})
    assert taken.ok, taken.reason
    assert get(aws, bucket, "ccp/connect-streams-min.js")["Body"].read() == b"/* streams */"
    assert cfn.delete(TYPE, taken.physical_id, props).ok
    assert missing(aws, bucket, "ccp/connect-streams-min.js")
    assert get(aws, bucket, "static/theirs.js")["Body"].read() == b"their other script"


def test_a_replacement_moving_the_page_takes_over_its_own_script_copy(
    cfn: LocalCloudFormation, aws: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    artifacts = unique("artifacts")
    aws("s3").create_bucket(Bucket=artifacts)
    aws("s3").put_object(Bucket=artifacts, Key="streams.js", Body=b"/* streams */")
    props = {
        "Bucket": bucket,
        "Key": "ccp/index.html",
        "Values": CCP,
        "StreamsScriptLocation": {"Bucket": artifacts, "Key": "streams.js"},
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    renamed = {**props, "Key": "ccp/agents.html"}
    replaced = cfn.update(TYPE, created.physical_id, renamed, props)
    assert replaced.ok, replaced.reason
    assert replaced.physical_id != created.physical_id
    assert cfn.delete(TYPE, created.physical_id, props).ok
    assert missing(aws, bucket, "ccp/index.html")
    assert get(aws, bucket, "ccp/connect-streams-min.js")["Body"].read() == b"/* streams */"
    assert cfn.delete(TYPE, replaced.physical_id, renamed).ok
    assert missing(aws, bucket, "ccp/connect-streams-min.js")


def test_a_failed_invalidation_names_the_page_so_the_rollback_delete_removes_it(
    cfn: LocalCloudFormation, aws: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    """Issue 11 item 8: the page and the script copy exist when CreateInvalidation fails."""
    artifacts = unique("artifacts")
    aws("s3").create_bucket(Bucket=artifacts)
    aws("s3").put_object(Bucket=artifacts, Key="streams.js", Body=b"/* streams */")
    props = {
        "Bucket": bucket,
        "Key": "ccp/index.html",
        "Values": CCP,
        "StreamsScriptLocation": {"Bucket": artifacts, "Key": "streams.js"},
        "DistributionId": "EDFDVBD6EXAMPLE",  # no such distribution: the invalidation fails
    }
    answer = cfn.create(TYPE, props)
    assert answer.status == "FAILED"
    assert "CreateInvalidation" in answer.reason
    assert answer.physical_id == f"s3://{bucket}/ccp/index.html"
    assert cfn.delete(TYPE, answer.physical_id, props).ok
    assert missing(aws, bucket, "ccp/index.html")
    assert missing(aws, bucket, "ccp/connect-streams-min.js")
    assert get(aws, bucket, "other/app.js")["Body"].read() == b"someone else's"


def test_a_put_failing_after_the_script_copy_still_gets_the_copy_removed(
    cfn: LocalCloudFormation, aws: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    from tests.faults.inject import aws_hook

    artifacts = unique("artifacts")
    aws("s3").create_bucket(Bucket=artifacts)
    aws("s3").put_object(Bucket=artifacts, Key="streams.js", Body=b"/* streams */")
    props = {
        "Bucket": bucket,
        "Key": "ccp/index.html",
        "Values": CCP,
        "StreamsScriptLocation": {"Bucket": artifacts, "Key": "streams.js"},
    }

    def refuse_put(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "PutObject" and params.get("Key") == "ccp/index.html":
            raise RuntimeError("simulated: PutObject failed")

    with aws_hook("before-parameter-build", refuse_put):
        answer = cfn.create(TYPE, props)
    assert answer.status == "FAILED"
    assert not missing(aws, bucket, "ccp/connect-streams-min.js"), "the copy was made before the failure"
    assert cfn.delete(TYPE, answer.physical_id, props).ok
    assert missing(aws, bucket, "ccp/connect-streams-min.js")
