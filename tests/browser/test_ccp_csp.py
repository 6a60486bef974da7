"""The built-in CCP page under its own Content-Security-Policy, in headless Chromium.

The page the provider wrote works under its policy (streams loads from its one URL, the CCP
frame loads, events are posted) with no violation, both with the meta element alone and with
the response header CloudFront adds; and a script injected into the page (as if some value
had escaped its escaping) is blocked, with the violation observed by a
``securitypolicyviolation`` listener installed before any page script runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from providers.html_page import ccp_template
from tests.browser.chromium import Browser, Page
from tests.browser.site import Site

WATCH = """
window.gfViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.gfViolations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
});
"""
INJECTED = '<script>window.gfInjected = 1;</script><img src=x onerror="window.gfInjected = 2">'


def watched_page(browser: Browser) -> Page:
    page = browser.page()
    page.send("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    return page


def started(page: Page, url: str) -> None:
    page.navigate(url)
    page.wait_for("document.body && document.body.getAttribute('data-ccp-state') === 'started'")
    page.wait_for(
        "(() => { const f = document.querySelector('#ccp-container iframe');"
        " return !!(f && f.contentDocument && f.contentDocument.getElementById('stand-in')); })()"
    )


def header_policy(site: Site) -> str:
    config = {
        "streamsUrl": f"{site.base}/streams/connect-streams-min.js",
        "streamsIntegrity": "",
        "ccpUrl": f"{site.base}/ccp-ok/",
        "eventsEndpoint": f"{site.base}/events",
    }
    return ccp_template.content_security_policy(config, header=True)


@pytest.mark.browser
@pytest.mark.parametrize("with_header", [False, True], ids=["meta", "meta+header"])
def test_the_page_works_under_its_policy_without_a_violation(
    browser: Browser, site: Site, publish: Callable[..., str], with_header: bool
) -> None:
    url = publish("csp-ok", CcpUrl=f"{site.base}/ccp-ok/", EventsEndpoint=f"{site.base}/events")
    if with_header:
        site.headers["/csp-ok.html"] = {"content-security-policy": header_policy(site)}
    page = watched_page(browser)
    started(page, url)
    policy = page.evaluate(
        "document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').getAttribute('content')"
    )
    assert "script-src 'sha256-" in policy
    assert f"frame-src {site.base}" in policy
    assert f"connect-src {site.base}/events" in policy
    assert page.evaluate("typeof window.connect.core.initCCP") == "function"
    assert page.evaluate("window.gfViolations") == []
    site.headers.pop("/csp-ok.html", None)


@pytest.mark.browser
def test_an_injected_inline_script_is_blocked_and_reported(
    browser: Browser, site: Site, publish: Callable[..., str]
) -> None:
    url = publish("csp-injected", CcpUrl=f"{site.base}/ccp-ok/", EventsEndpoint=f"{site.base}/events")
    body = site.pages["/csp-injected.html"].decode()
    site.pages["/csp-injected.html"] = body.replace("<main ", INJECTED + "<main ", 1).encode()
    page = watched_page(browser)
    started(page, url)
    assert page.evaluate("typeof window.gfInjected") == "undefined"
    violations = _wait_for_violations(page, 3)
    directives = sorted(v["directive"] for v in violations)
    # The inline script, the onerror handler, and the image itself (default-src 'none').
    assert directives == ["img-src", "script-src-attr", "script-src-elem"], violations
    # The page's own script still ran (its hash is in the policy): the CCP is up.
    assert page.evaluate("document.querySelectorAll('#ccp-container iframe').length") == 1


@pytest.mark.browser
def test_a_frame_or_connection_elsewhere_is_blocked(
    browser: Browser, site: Site, publish: Callable[..., str]
) -> None:
    url = publish("csp-elsewhere", CcpUrl=f"{site.base}/ccp-ok/", EventsEndpoint=f"{site.base}/events")
    page = watched_page(browser)
    started(page, url)
    outcome = page.evaluate_async(
        """(async () => {
          let fetched = 'sent';
          try { await fetch('/not-the-events-endpoint', { method: 'POST', body: '{}' }); }
          catch (e) { fetched = 'blocked'; }
          return fetched;
        })()"""
    )
    assert outcome == "blocked"
    violations = _wait_for_violations(page, 1)
    assert [v["directive"] for v in violations] == ["connect-src"], violations


def _wait_for_violations(page: Page, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    end = time.monotonic() + timeout
    while True:
        found = list(page.evaluate("window.gfViolations") or [])
        if len(found) >= count or time.monotonic() > end:
            return found
        time.sleep(0.05)
