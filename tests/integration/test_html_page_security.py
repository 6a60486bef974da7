"""``Custom::HtmlPage`` refuses what a browser would read differently from what is written:
keys the browser's URL normalisation moves, and placeholders where no escaping is safe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gapfill.local.protocol import LocalCloudFormation

TYPE = "Custom::HtmlPage"
CCP = {"CcpUrl": "https://alias.my.connect.aws/ccp-v2/", "Region": "us-east-1"}
BAD_KEYS = [
    "a/../index.html",
    "./index.html",
    "ccp/.",
    "..",
    "a//index.html",
    "/index.html",
    "a\\index.html",
    "ccp/",
]


@pytest.fixture
def bucket(aws: Callable[[str], Any], unique: Callable[[str], str]) -> str:
    name = unique("site")
    aws("s3").create_bucket(Bucket=name)
    return name


def keys(aws: Callable[[str], Any], bucket: str) -> list[str]:
    return [item["Key"] for item in aws("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_page_keys_a_browser_would_resolve_elsewhere_are_refused(
    cfn: LocalCloudFormation, aws: Any, bucket: str, key: str
) -> None:
    answer = cfn.create(TYPE, {"Bucket": bucket, "Key": key, "Values": CCP})
    assert not answer.ok
    assert "Key" in answer.reason, answer.reason
    assert keys(aws, bucket) == []


@pytest.mark.parametrize("key", BAD_KEYS)
def test_script_keys_are_checked_the_same_way(
    cfn: LocalCloudFormation, aws: Any, bucket: str, key: str
) -> None:
    aws("s3").put_object(Bucket=bucket, Key="src/connect-streams-min.js", Body=b"// streams")
    props = {
        "Bucket": bucket,
        "Key": "ccp/index.html",
        "Values": CCP,
        "StreamsScriptLocation": {"Bucket": bucket, "Key": "src/connect-streams-min.js"},
        "StreamsScriptKey": key,
    }
    answer = cfn.create(TYPE, props)
    assert not answer.ok
    assert "StreamsScriptKey" in answer.reason, answer.reason
    assert keys(aws, bucket) == ["src/connect-streams-min.js"]


def test_ordinary_keys_still_work(cfn: LocalCloudFormation, aws: Any, bucket: str) -> None:
    answer = cfn.create(TYPE, {"Bucket": bucket, "Key": ".well-known/ccp.v2/index.html", "Values": CCP})
    assert answer.ok, answer.reason
    assert keys(aws, bucket) == [".well-known/ccp.v2/index.html"]


def test_a_template_that_cannot_be_rendered_safely_fails_the_create_naming_the_placeholder(
    cfn: LocalCloudFormation, aws: Any, bucket: str
) -> None:
    template = "<p>{{ Name }}</p>\n<style>\n  h1 { color: {{ Colour }}; }\n</style>"
    answer = cfn.create(
        TYPE,
        {
            "Bucket": bucket,
            "Key": "index.html",
            "TemplateBody": template,
            "Values": {"Name": "a", "Colour": "red"},
        },
    )
    assert not answer.ok
    assert "Values.Colour: placeholder '{{ Colour }}' at line 3, column 15" in answer.reason, answer.reason
    assert "<style> element (CSS)" in answer.reason
    assert keys(aws, bucket) == []
