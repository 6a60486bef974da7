"""XSS corpus: hostile values x template positions, rendered and opened in headless Chromium.

Every payload tries to call ``gfXss(...)``, a DevTools binding present in every frame of the
tab, so any script a payload gets to run is seen by the test wherever it runs (the page, an
iframe, an event handler, a ``javascript:`` URL). After the load the harness clicks every
link and button, submits every form and fires mouse and focus events on every element, so
handlers a payload might add get their chance; links and forms to http(s) URLs are stopped
before they navigate away. A position the renderer refuses for a payload counts as refused:
the Create fails with a Reason and there is no page. The goal is zero executions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from providers.html_page.render import TemplateError, render
from tests.browser.chromium import Browser, Page
from tests.browser.site import Site

MARK = "gfXss"

PAYLOADS = [
    f"<script>{MARK}('script')</script>",
    f"<img src=x onerror={MARK}('img')>",
    f'"><img src=x onerror={MARK}("dq")>',
    f"'><img src=x onerror={MARK}('sq')>",
    f"</script><script>{MARK}('close')</script>",
    f"javascript:{MARK}('js-url')",
    f" JaVaScRiPt:{MARK}('mixed-case')",
    f"java\tscript:{MARK}('tab')",
    f"javascript&colon;{MARK}('entity-colon')",
    f"&#106;avascript:{MARK}('entity-j')",
    f"data:text/html,<script>parent.{MARK}('data')</script>",
    f'";{MARK}("dq-js");//',
    f"';{MARK}('sq-js');//",
    f"\\';{MARK}('backslash');//",
    f"\u2028{MARK}('ls')\u2029",
    f"<!--<script>{MARK}('comment-script')//",
    f"<svg onload={MARK}('svg')>",
    f"`${{{MARK}('template')}}`",
    f"\" onmouseover=\"{MARK}('over')\" autofocus onfocus=\"{MARK}('focus')",
    f"</textarea></title><img src=x onerror={MARK}('rcdata')>",
    f"https://ok.example/\"><img src=x onerror={MARK}('https')>",
    f"/search?q=\"onerror=\"{MARK}('relative')",
    f"<iframe srcdoc=\"<script>parent.{MARK}('srcdoc')</script>\"></iframe>",
    "{{ V }}{{ V|js }}",
]

#: Where a value can land in a template: name -> (template, what a read-back of the value is).
POSITIONS: dict[str, tuple[str, str | None]] = {
    "text": ('<p id="out">{{ V }}</p>', "document.getElementById('out').textContent"),
    "double-quoted attribute": ('<p id="out" title="{{ V }}">x</p>', "document.getElementById('out').title"),
    "single-quoted attribute": (
        "<p id=\"out\" title='{{ V }}'>x</p>",
        "document.getElementById('out').title",
    ),
    "json in attribute": ('<p id="out" data-v="{{ V|json }}">x</p>', "JSON.parse(out.dataset.v)"),
    "title": ("<title>{{ V }}</title>", "document.querySelector('title').textContent"),
    "textarea": ('<textarea id="out">{{ V }}</textarea>', "document.getElementById('out').value"),
    "link href": ('<a id="out" href="{{ V }}">go</a>', None),
    "iframe src": ('<iframe src="{{ V|url }}"></iframe>', None),
    "form action": ('<form action="{{ V|url }}"><button>go</button></form>', None),
    "link query": ('<a href="/search?q={{ V }}">go</a>', None),
    "onclick handler": ('<button onclick="window.gfSeen = {{ V|js }}">x</button>', "window.gfSeen"),
    "onload handler": ('<body onload="window.gfSeen = {{ V|json }}">', "window.gfSeen"),
    "script, twice on a line": (
        "<script>var a = {{ V|js }}, b = {{ V|js }}; window.gfSeen = a === b ? a : null;</script>",
        "window.gfSeen",
    ),
    "svg script (references decoded)": (
        "<svg><script>window.gfSeen = {{ V|js }};</script></svg>",
        "window.gfSeen",
    ),
    "script template literal": ("<script>window.gfSeen = `${ {{ V|js }} }`;</script>", "window.gfSeen"),
    "json data block": (
        '<script type="application/json" id="out">{{ V|json }}</script>',
        "JSON.parse(document.getElementById('out').textContent)",
    ),
}

HARNESS = """(async () => {
  const web = (url) => /^https?:$/.test(new URL(url, location.href).protocol);
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a');
    if (a && web(a.href)) { e.preventDefault(); }
  }, true);
  document.addEventListener('submit', (e) => { if (web(e.target.action)) { e.preventDefault(); } }, true);
  for (const el of document.querySelectorAll('*')) {
    for (const kind of ['mouseover', 'mouseenter', 'focus', 'focusin']) {
      el.dispatchEvent(new Event(kind, { bubbles: true }));
    }
    if (el.focus) { el.focus(); }
  }
  for (const el of document.querySelectorAll('a, button')) { el.click(); }
  for (const form of document.querySelectorAll('form')) { form.requestSubmit(); }
  await new Promise((done) => setTimeout(done, 80));
  return READBACK;
})()"""


def _wrap(fragment: str) -> str:
    if fragment.startswith("<body"):
        return f"<!doctype html><html><head></head>{fragment}</body></html>"
    return f"<!doctype html><html><head><meta charset=utf-8></head><body>{fragment}</body></html>"


def _open(page: Page, site: Site, name: str, body: str, readback: str | None) -> Any:
    site.pages[f"/{name}.html"] = body.encode()
    page.navigate(f"{site.base}/{name}.html")
    page.wait_for("document.readyState === 'complete'")
    return page.evaluate_async(HARNESS.replace("READBACK", readback or "null"))


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Page:
    page = browser.page()
    page.bind(MARK)
    return page


@pytest.mark.browser
@pytest.mark.parametrize("position", list(POSITIONS))
def test_no_payload_runs_script_in_any_accepted_position(
    tab: Page, site: Site, position: str, record: Callable[[str, int, int, int], None]
) -> None:
    template, readback = POSITIONS[position]
    rendered = refused = 0
    reasons: list[str] = []
    for number, payload in enumerate(PAYLOADS):
        try:
            body = render(_wrap(template), {"V": payload})
        except TemplateError as exc:
            refused += 1
            reasons.append(str(exc))
            continue
        rendered += 1
        value = _open(tab, site, f"xss-{abs(hash(position))}-{number}", body, readback)
        if readback is not None:
            # The page works: the value arrives intact, as data.
            assert value == payload, f"{position}: read back {json.dumps(value)} for {json.dumps(payload)}"
    assert all(reason.startswith("Values.V: ") for reason in reasons), reasons
    executions = list(tab.binding_calls)
    assert executions == [], f"{position}: script ran: {executions}"
    assert tab.dialogs == [], f"{position}: a dialog opened: {tab.dialogs}"
    assert rendered + refused == len(PAYLOADS)
    assert rendered > 0, f"{position}: every payload was refused; the corpus proves nothing here"
    record(position, rendered, refused, len(executions))


@pytest.fixture(scope="module")
def record() -> Any:
    rows: list[tuple[str, int, int, int]] = []

    def add(position: str, rendered: int, refused: int, executions: int) -> None:
        rows.append((position, rendered, refused, executions))

    yield add
    if rows:
        total = sum(r + f for _, r, f, _ in rows)
        print(f"\nXSS corpus: {len(PAYLOADS)} payloads x {len(rows)} positions = {total} cases")
        for position, rendered, refused, executions in rows:
            print(f"  {position:28} rendered {rendered:2}  refused {refused:2}  executions {executions}")


#: The five injections of issue 13, as (template, values). The declared-context renderer
#: that issue 13 replaced ran every one of them.
ISSUE_INJECTIONS = [
    ('<img src="/nope" onload="go({{ V|js }})">', {"V": f" onerror={MARK}('c1') x="}),
    ('<img src="/nope" title="{{ V|json }}">', {"V": f" onerror={MARK}('c2') x="}),
    ('<img src="/nope" onerror="console.log(\'{{ V }}\')">', {"V": f"');{MARK}('c3');('"}),
    (
        "<script>var a = '{{ A }}'; var b = '{{ B }}';</script>",
        {"A": "\\", "B": f";{MARK}(/c4/.source);//"},
    ),
    ('<iframe src="{{ V }}"></iframe>', {"V": f"javascript:parent.{MARK}('c5')"}),
]


def declared_context_render(template: str, values: dict[str, str]) -> str:
    """What the renderer before issue 13 produced: each value escaped for the context its
    placeholder declared, wherever it landed (the control that shows the detector works)."""
    from providers.html_page.render import PLACEHOLDER, escape_html, escape_js_string, escape_json

    encoders = {"html": escape_html, "js": escape_js_string, "json": escape_json}
    return PLACEHOLDER.sub(lambda m: encoders[m.group(2) or "html"](values[m.group(1)]), template)


@pytest.mark.browser
def test_the_issue_injections_ran_before_and_are_refused_or_inert_now(browser: Browser, site: Site) -> None:
    control, fixed = browser.page(), browser.page()
    control.bind(MARK)
    fixed.bind(MARK)
    outcomes = []
    for number, (template, values) in enumerate(ISSUE_INJECTIONS):
        _open(
            control, site, f"issue-control-{number}", _wrap(declared_context_render(template, values)), None
        )
        try:
            body = render(_wrap(template), values)
        except TemplateError as exc:
            outcomes.append(f"refused: {exc}")
            continue
        _open(fixed, site, f"issue-fixed-{number}", body, None)
        outcomes.append("rendered")
    ran_before = sorted(payload for _, payload in control.binding_calls)
    assert ran_before == ["c1", "c2", "c3", "c4", "c5"], ran_before
    assert fixed.binding_calls == [], outcomes
