"""Fixtures of the browser tests: one Chromium and one loopback site per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.chromium import Browser, find_chromium
from tests.browser.site import Site


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail(
            "chromium is not installed: the browser test needs Debian's chromium "
            "(scripts/setup.sh installs it; or `apt-get install -y chromium`, or set GAPFILL_CHROMIUM)"
        )
    running = Browser(executable)
    yield running
    running.close()


@pytest.fixture
def publish(
    cfn: Any, aws: Callable[[str], Any], unique: Callable[[str], str], site: Site
) -> Callable[..., str]:
    """Generate the page with the real provider into moto's S3 and serve what it wrote."""

    def make(name: str, **values: str) -> str:
        bucket = unique("ccp-site")
        aws("s3").create_bucket(Bucket=bucket)
        answer = cfn.create(
            "Custom::HtmlPage",
            {
                "Bucket": bucket,
                "Key": "index.html",
                "Values": {
                    "Region": "us-east-1",
                    "StreamsUrl": f"{site.base}/streams/connect-streams-min.js",
                    "LoginPopup": "false",
                    "Height": "600px",
                    **values,
                },
            },
        )
        assert answer.ok, answer.reason
        body = aws("s3").get_object(Bucket=bucket, Key="index.html")["Body"].read()
        site.pages[f"/{name}.html"] = body
        return f"{site.base}/{name}.html"

    return make
