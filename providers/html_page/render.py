"""Rendering of HTML templates with context-aware escaping. Pure: no AWS, no I/O.

Placeholders are ``{{ Name }}`` or ``{{ Name|context }}``. Every value is escaped for the
context its placeholder names, because the values come from template parameters, other
stacks' outputs and users, and the page runs with an agent's Amazon Connect session:

* ``html`` (the default): HTML text and quoted attribute values (``& < > " ' ` =`` escaped);
* ``url``: a URL in an attribute (``href``, ``src``): only http(s) and relative URLs pass,
  so ``javascript:`` and ``data:`` can never become a link or a script source; then escaped
  as for ``html``;
* ``js``: a complete JavaScript string literal, quotes included, safe inside ``<script>``
  (``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` so ``</script>`` and
  ``<!--`` cannot end or confuse the script element);
* ``json``: like ``js`` but for a value that is already structured (the built-in page passes
  its whole configuration this way).

There is deliberately no "raw" context. An unknown context, or a placeholder without a
value, is an error that names ``Values.<Name>``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from providers.core.errors import ProviderError
from providers.html_page import jslex, positions

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\|\s*([a-z]+)\s*)?\}\}")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

_HTML = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "=": "&#x3D;",
}
_HTML_RE = re.compile("[&<>\"'`=]")
_JS_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JS_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


class TemplateError(ProviderError):
    """A template or value problem; the message names the property path."""


def escape_html(value: str) -> str:
    """Safe as HTML text and inside a quoted attribute value."""
    return _HTML_RE.sub(lambda m: _HTML[m.group(0)], value)


def _script_safe(encoded_json: str) -> str:
    return _JS_UNSAFE_RE.sub(lambda m: _JS_UNSAFE[m.group(0)], encoded_json)


def escape_js_string(value: str) -> str:
    """A quoted JavaScript (and JSON) string literal that cannot end its <script> element."""
    return _script_safe(json.dumps(value, ensure_ascii=False))


def escape_json(value: Any) -> str:
    """Any JSON value, safe inside a <script> element (including type=application/json)."""
    return _script_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True))


def check_url(value: str, where: str, *, allow_relative: bool = True) -> str:
    """Accept http(s) URLs (and relative ones when allowed); refuse every other scheme."""
    text = value.strip()
    if not text or any(ord(c) < 0x20 for c in text):
        raise TemplateError(f"{where}: must be a URL without control characters")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise TemplateError(f"{where}: is not a valid URL ({exc})") from None
    if parts.scheme:
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise TemplateError(f"{where}: only http and https URLs are allowed, not '{parts.scheme}:'")
        return text
    if text.startswith("//") or "\\" in text:
        raise TemplateError(f"{where}: protocol-relative URLs are not allowed")
    if not allow_relative:
        raise TemplateError(f"{where}: must be an absolute http or https URL")
    return text


def escape_url(value: str, where: str = "URL") -> str:
    return escape_html(check_url(value, where))


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


CONTEXTS: dict[str, Callable[[Any, str], str]] = {
    "html": lambda v, where: escape_html(_as_text(v)),
    "url": lambda v, where: escape_url(_as_text(v), where),
    "js": lambda v, where: escape_js_string(_as_text(v)),
    "json": lambda v, where: escape_json(v),
}


def placeholders(template: str) -> list[tuple[str, str]]:
    """``(name, context)`` of every placeholder, in order."""
    return [(m.group(1), m.group(2) or "html") for m in PLACEHOLDER.finditer(template)]


#: Schemes a URL attribute may end up with once filled in (a URL without one is relative).
SAFE_SCHEMES = frozenset(("http", "https", "mailto", "tel"))
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_URL_STRIP = "".join(chr(c) for c in range(0x21))


def url_scheme(attribute_value: str) -> str:
    """The scheme a browser sees in an attribute value ('' for a relative URL).

    Browsers decode character references, strip leading and trailing C0 controls and
    spaces, and drop every tab and newline before they look for the scheme; so does this.
    """
    decoded = html.unescape(attribute_value)
    cleaned = re.sub("[\t\n\r]", "", decoded).strip(_URL_STRIP)
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else ""


def _position(template: str, offset: int) -> str:
    line = template.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (template.rfind(chr(10), 0, offset) + 1) + 1}"


def _sentinels(template: str) -> tuple[str, re.Pattern[str]]:
    """A prefix that does not occur in the template, and the pattern of its sentinels."""
    prefix = "gfslot"
    while prefix in template:
        prefix += "x"
    return prefix, re.compile(prefix + r"(\d+)z")


def _slot_problem(slot: positions.Slot, context: str) -> str | None:
    """Why a placeholder with this filter cannot be filled at this slot, or None."""
    if slot.context == positions.REFUSED:
        return "no filter makes a value safe there"
    if slot.context in (positions.SCRIPT, positions.HANDLER):
        if context not in ("js", "json"):
            return f"only |js or |json (a complete literal) is safe in JavaScript, not |{context}"
        if slot.js_state != jslex.CODE:
            return (
                f"it is inside a JavaScript {slot.js_state}; |{context} gives a complete literal, "
                "so put the placeholder where an expression goes (no quotes around it)"
            )
    if slot.context == positions.URL and context not in ("html", "url"):
        return f"a URL attribute takes |url (or the default), not |{context}"
    return None


def _encode(slot: positions.Slot, context: str, value: Any, where: str, first: bool) -> str:
    """The value filtered by its placeholder's filter, then encoded for where it lands."""
    if slot.context == positions.URL and first:
        return escape_url(_as_text(value), where)
    literal = CONTEXTS[context](value, where)
    if slot.context == positions.SCRIPT:
        return literal  # js and json literals are script-safe already
    return literal if context in ("html", "url") else escape_html(literal)


def render(template: str, values: Mapping[str, Any], *, values_path: str = "Values") -> str:
    """Substitute every placeholder, escaped for where it lands in the HTML.

    The filter says what the value is (text, a URL, a JavaScript string, JSON); its
    position in the parsed template decides the encoding, and a position no encoding makes
    safe (CSS, comments, tag and attribute names, unquoted attributes, quoted JavaScript
    strings, ...) is refused with the placeholder's line, column and context. Raises
    :class:`TemplateError` naming ``Values.<Name>``; a stray ``{{`` that is not a
    placeholder is left as written.
    """
    matches = list(PLACEHOLDER.finditer(template))
    _check_names(matches, values, values_path)
    prefix, sentinel = _sentinels(template)
    marked = PLACEHOLDER.sub(_numbering(prefix), template)
    found = positions.slots(marked, sentinel, len(matches))
    problems = []
    for index, match in enumerate(matches):
        reason = _slot_problem(found[index], match.group(2) or "html")
        if reason:
            problems.append(
                f"{values_path}.{match.group(1)}: placeholder '{match.group(0)}' at "
                f"{_position(template, match.start())} is {found[index].where}: {reason}"
            )
    if problems:
        raise TemplateError("; ".join(problems))
    outputs = []
    for index, match in enumerate(matches):
        try:
            outputs.append(_fill(match, found[index], values, values_path, first=f"{prefix}{index}z"))
        except TemplateError as exc:
            raise TemplateError(
                f"{exc} (placeholder '{match.group(0)}' at {_position(template, match.start())}, "
                f"{found[index].where})"
            ) from None
    _check_urls(template, matches, found, outputs, sentinel, values_path)
    pieces, last = [], 0
    for match, output in zip(matches, outputs, strict=True):
        pieces += [template[last : match.start()], output]
        last = match.end()
    return "".join([*pieces, template[last:]])


def _numbering(prefix: str) -> Callable[[re.Match[str]], str]:
    counter = iter(range(1 << 30))
    return lambda _: f"{prefix}{next(counter)}z"


def _check_names(matches: list[re.Match[str]], values: Mapping[str, Any], values_path: str) -> None:
    problems: list[str] = []
    for match in matches:
        name, context = match.group(1), match.group(2) or "html"
        if context not in CONTEXTS:
            problems.append(
                f"template placeholder '{{{{ {name}|{context} }}}}': unknown context '{context}' "
                f"(use one of {', '.join(sorted(CONTEXTS))})"
            )
        elif name not in values:
            problems.append(f"{values_path}.{name}: the template uses it but no value was given")
    if problems:
        raise TemplateError("; ".join(dict.fromkeys(problems)))


def _fill(
    match: re.Match[str], slot: positions.Slot, values: Mapping[str, Any], values_path: str, *, first: str
) -> str:
    """``first`` is the placeholder's sentinel: at the start of a URL it must be a URL itself."""
    name, context = match.group(1), match.group(2) or "html"
    at_start = slot.context == positions.URL and slot.raw_value.strip(_URL_STRIP).startswith(first)
    return _encode(slot, context, values[name], f"{values_path}.{name}", at_start)


def _check_urls(
    template: str,
    matches: list[re.Match[str]],
    found: Mapping[int, positions.Slot],
    outputs: list[str],
    sentinel: re.Pattern[str],
    values_path: str,
) -> None:
    """Each filled-in URL attribute, as the browser decodes it, has a safe scheme."""
    for index, match in enumerate(matches):
        slot = found[index]
        if slot.context != positions.URL:
            continue
        filled = sentinel.sub(lambda m: outputs[int(m.group(1))], slot.raw_value)
        scheme = url_scheme(filled)
        if scheme and scheme not in SAFE_SCHEMES:
            raise TemplateError(
                f"{values_path}.{match.group(1)}: placeholder '{match.group(0)}' at "
                f"{_position(template, match.start())} is {slot.where}, which would become a "
                f"'{scheme}:' URL (allowed: {', '.join(sorted(SAFE_SCHEMES))} and relative URLs)"
            )


def parse_bool(value: Any, where: str) -> bool:
    """CloudFormation sends booleans inside a string map as strings."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise TemplateError(f"{where}: must be true or false, not '{str(value)[:40]}'")
