"""Fixtures of the browser tests: one Chromium and one loopback site per module."""

from __future__ import annotations

from collections.abc import Iterator

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
