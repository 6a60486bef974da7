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

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from providers.core.errors import ProviderError

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


def render(template: str, values: Mapping[str, Any], *, values_path: str = "Values") -> str:
    """Substitute every placeholder, escaped for its context.

    Raises :class:`TemplateError` naming ``Values.<Name>`` for a missing value and the
    placeholder for an unknown context; a stray ``{{`` that is not a placeholder is left
    as written (pages may legitimately contain it, e.g. in inline examples).
    """
    problems: list[str] = []
    for name, context in placeholders(template):
        if context not in CONTEXTS:
            problems.append(
                f"template placeholder '{{{{ {name}|{context} }}}}': unknown context '{context}' "
                f"(use one of {', '.join(sorted(CONTEXTS))})"
            )
        elif name not in values:
            problems.append(f"{values_path}.{name}: the template uses it but no value was given")
    if problems:
        raise TemplateError("; ".join(dict.fromkeys(problems)))

    def substitute(match: re.Match[str]) -> str:
        name, context = match.group(1), match.group(2) or "html"
        return CONTEXTS[context](values[name], f"{values_path}.{name}")

    return PLACEHOLDER.sub(substitute, template)


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
