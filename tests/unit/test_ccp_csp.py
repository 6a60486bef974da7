"""The built-in page's Content-Security-Policy, computed from its configuration."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from providers.html_page import ccp_template
from providers.html_page.render import TemplateError

CCP = {"CcpUrl": "https://alias.my.connect.aws/ccp-v2/", "Region": "eu-west-2"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: list[dict[str, str | None]] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self.meta.append(dict(attrs))
        if tag in self.inline and not dict(attrs).get("type"):
            self._open = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self.inline[self._open][-1] += data


def policy_of(page: str) -> tuple[str, _Page]:
    parsed = _Page()
    parsed.feed(page)
    metas = [m for m in parsed.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert len(metas) == 1
    assert parsed.meta.index(metas[0]) == 1  # right after charset, before any script or style
    return str(metas[0]["content"]), parsed


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_meta_policy_hashes_exactly_the_inline_script_and_style_of_the_page() -> None:
    page = ccp_template.render_page({**CCP, "EventsEndpoint": "https://api.example.com/v1/connection-data"})
    policy, parsed = policy_of(page)
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["default-src"] == "'none'"
    [script], [style] = parsed.inline["script"], parsed.inline["style"]
    assert directives["script-src"].split() == [
        sha256(script),
        ccp_template.DEFAULT_STREAMS_URL,
        f"'{ccp_template.DEFAULT_STREAMS_INTEGRITY}'",
    ]
    assert directives["style-src"] == sha256(style)
    assert directives["frame-src"] == "https://alias.my.connect.aws"
    assert directives["connect-src"] == "https://api.example.com/v1/connection-data"
    assert "frame-ancestors" not in directives  # ignored in a meta element; the header has it
    assert "unsafe" not in policy


def test_a_copied_script_is_allowed_from_the_page_origin_and_no_endpoint_means_no_connection() -> None:
    policy, _ = policy_of(ccp_template.render_page(CCP, streams_url="connect-streams-min.js"))
    assert re.search(r"script-src 'sha256-[^']+' 'self'; ", policy)
    assert "connect-src 'none'" in policy


def test_separators_in_urls_cannot_add_directives() -> None:
    config = {
        "streamsUrl": "https://cdn.example.com/a;script-src *,x.js",
        "streamsIntegrity": "",
        "ccpUrl": "https://alias.my.connect.aws/ccp-v2/",
        "eventsEndpoint": "",
    }
    policy = ccp_template.content_security_policy(config)
    assert "script-src 'sha256-" in policy
    assert " https://cdn.example.com/a%3Bscript-src%20*%2Cx.js;" in policy
    assert policy.count(";") == 7
    with pytest.raises(TemplateError, match="host"):
        ccp_template.content_security_policy({**config, "ccpUrl": "https://a b/"})
