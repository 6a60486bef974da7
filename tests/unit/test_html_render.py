"""The HTML renderer and the built-in custom CCP page: escaping per context, value checks."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.core.errors import ProviderError
from providers.html_page import ccp_template
from providers.html_page.handlers import default_script_key, parse_page_id, relative_url, template_choice
from providers.html_page.render import (
    TemplateError,
    check_url,
    escape_html,
    escape_js_string,
    escape_json,
    placeholders,
    render,
)

ROOT = Path(__file__).resolve().parents[2]
XSS = "</script><script>alert(1)</script>"
CCP = {"CcpUrl": "https://alias.my.connect.aws/ccp-v2/", "Region": "eu-west-2"}


class _Collect(HTMLParser):
    """The parts of a page a browser would see: scripts, titles, attributes, text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.text.append(data)


def parse(page: str) -> _Collect:
    collector = _Collect()
    collector.feed(page)
    collector.close()
    return collector


def ccp_page(**values: str) -> str:
    return render(ccp_template.TEMPLATE, ccp_template.page_values({**CCP, **values}))


# -- escaping -----------------------------------------------------------------------------------
@given(st.text())
def test_html_escape_leaves_no_markup(value: str) -> None:
    escaped = escape_html(value)
    assert not set("<>\"'`") & set(escaped)
    assert re.sub(r"&(amp|lt|gt|quot|#x27|#x60|#x3D);", "", escaped).count("&") == 0


@given(st.text())
def test_js_string_round_trips_and_cannot_close_a_script(value: str) -> None:
    literal = escape_js_string(value)
    assert json.loads(literal) == value
    assert "<" not in literal
    assert ">" not in literal
    assert "\u2028" not in literal
    assert "\u2029" not in literal


@given(st.dictionaries(st.text(), st.text() | st.booleans() | st.integers()))
def test_json_round_trips_and_is_script_safe(value: dict[str, Any]) -> None:
    encoded = escape_json(value)
    assert json.loads(encoded) == value
    assert "</" not in encoded
    assert "<!--" not in encoded


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "//evil.example/x",
        "http:/x",
    ],
)
def test_dangerous_urls_are_refused_naming_the_value(url: str) -> None:
    with pytest.raises(TemplateError, match=r"^Values\.Link: "):
        render('<a href="{{ Link|url }}">x</a>', {"Link": url})


def test_good_urls_pass_and_are_attribute_escaped() -> None:
    page = render('<a href="{{ Link|url }}">x</a>', {"Link": 'https://example.com/a?b=1&c="2"'})
    assert page == '<a href="https://example.com/a?b&#x3D;1&amp;c&#x3D;&quot;2&quot;">x</a>'
    assert check_url("./local/page.html", "X") == "./local/page.html"
    with pytest.raises(TemplateError, match="absolute"):
        check_url("relative.html", "Values.CcpUrl", allow_relative=False)


def test_each_context_escapes_the_same_value_differently() -> None:
    template = "<p title='{{ V }}'>{{ V }}</p><script>var v = {{ V|js }};</script>"
    page = render(template, {"V": XSS})
    assert "<script>alert(1)" not in page
    collected = parse(page)
    assert collected.tags[0][1]["title"] == XSS  # the browser reads back exactly the value
    assert "".join(collected.text) == XSS
    script = collected.scripts[0][1]
    assert json.loads(script.removeprefix("var v = ").removesuffix(";")) == XSS


def test_missing_values_and_unknown_contexts_are_named() -> None:
    with pytest.raises(TemplateError) as missing:
        render("{{ A }} {{ B|js }} {{ A }}", {"B": "x"})
    assert str(missing.value) == "Values.A: the template uses it but no value was given"
    with pytest.raises(TemplateError, match="unknown context 'raw'"):
        render("{{ A|raw }}", {"A": "x"})


def test_text_that_is_not_a_placeholder_is_left_alone() -> None:
    assert (
        render("{{ not a placeholder }} {x} {{A}}", {"A": "<b>"}) == "{{ not a placeholder }} {x} &lt;b&gt;"
    )


# -- the built-in custom CCP page ---------------------------------------------------------------
def test_ccp_template_has_exactly_two_doors_for_values() -> None:
    assert placeholders(ccp_template.TEMPLATE) == [("Title", "html"), ("Title", "html"), ("Config", "json")]


def test_ccp_page_carries_the_configuration() -> None:
    page = ccp_page(
        LoginPopup="false", EventsEndpoint="https://api.example.com/prod/connection-data", Height="600px"
    )
    collected = parse(page)
    config_blocks = [body for attrs, body in collected.scripts if attrs.get("type") == "application/json"]
    assert len(config_blocks) == 1
    config = json.loads(config_blocks[0])
    assert config == {
        "ccpUrl": CCP["CcpUrl"],
        "region": "eu-west-2",
        "loginPopup": False,
        "loginUrl": "",
        "allowFramedSoftphone": True,
        "eventsEndpoint": "https://api.example.com/prod/connection-data",
        "width": "100%",
        "height": "600px",
        "streamsUrl": ccp_template.DEFAULT_STREAMS_URL,
        "streamsIntegrity": ccp_template.DEFAULT_STREAMS_INTEGRITY,
    }
    code = [body for attrs, body in collected.scripts if not attrs.get("type")]
    assert len(code) == 1
    assert code[0].count("connect.core.initCCP(") == 1
    for needed in (
        "onAuthFail",
        "onIframeRetriesExhausted",
        "connect.agent(",
        "connect.contact(",
        "microphone",
    ):
        assert needed in code[0]


def test_ccp_page_renders_hostile_values_inert() -> None:
    page = ccp_page(Title=XSS, EventsEndpoint="https://api.example.com/x?q=" + XSS.replace(" ", ""))
    collected = parse(page)
    # Only the two scripts of the template exist; the value became text, not elements.
    assert len(collected.scripts) == 2
    assert [t for t, _ in collected.tags].count("script") == 2
    assert XSS in "".join(collected.text)
    assert "alert(1)" not in collected.scripts[1][1]


def test_streams_script_copied_beside_the_page_is_loaded_relatively_without_sri() -> None:
    values = ccp_template.page_values(CCP, streams_url="connect-streams-min.js")
    assert values["Config"]["streamsUrl"] == "connect-streams-min.js"
    assert values["Config"]["streamsIntegrity"] == ""
    explicit = ccp_template.page_values(
        {**CCP, "StreamsUrl": "https://cdn.example.com/s.js"}, streams_url="x.js"
    )
    assert explicit["Config"]["streamsUrl"] == "https://cdn.example.com/s.js"


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"CcpUrl": "ftp://x/ccp"}, "Values.CcpUrl"),
        ({"CcpUrl": "/ccp-v2/"}, "Values.CcpUrl"),
        ({"Region": "EU-WEST-2"}, "Values.Region"),
        ({"Width": "calc(100% - 1px)"}, "Values.Width"),
        ({"AllowFramedSoftphone": "maybe"}, "Values.AllowFramedSoftphone"),
        ({"StreamsUrl": "javascript:alert(1)"}, "Values.StreamsUrl"),
        ({"LoginUrl": "data:x"}, "Values.LoginUrl"),
        ({"Tittle": "typo"}, "Values.Tittle"),
    ],
)
def test_ccp_values_are_checked(values: dict[str, str], needle: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(needle)):
        ccp_template.page_values({**CCP, **values})


def test_pinned_streams_version_matches_package_json() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    assert package["devDependencies"]["amazon-connect-streams"] == ccp_template.STREAMS_VERSION
    assert f"@{ccp_template.STREAMS_VERSION}/" in ccp_template.DEFAULT_STREAMS_URL


# -- handler helpers ----------------------------------------------------------------------------
def test_page_ids_and_script_locations() -> None:
    assert parse_page_id("s3://bucket/ccp/index.html") == ("bucket", "ccp/index.html")
    assert parse_page_id("gapfill-create-failed-x") is None
    assert parse_page_id("s3://bucket/") is None
    assert default_script_key("ccp/index.html") == "ccp/connect-streams-min.js"
    assert default_script_key("index.html") == "connect-streams-min.js"
    assert relative_url("ccp/index.html", "ccp/connect-streams-min.js") == "connect-streams-min.js"
    assert relative_url("ccp/index.html", "static/s.js") == "../static/s.js"


def test_only_one_template_source() -> None:
    assert template_choice({}) == "Template"
    assert template_choice({"TemplateBody": "x"}) == "TemplateBody"
    with pytest.raises(ProviderError, match=r"^TemplateLocation: give only one"):
        template_choice({"TemplateBody": "x", "TemplateLocation": {"Bucket": "b", "Key": "k"}})
