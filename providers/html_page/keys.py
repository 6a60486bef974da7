"""Object keys the page and its script may have. Pure, no I/O.

S3 stores ``a/../b`` as it is, but a browser normalises the path of ``PageUrl`` (and of the
script URL relative to the page) before it asks for it, so a key with dot segments, empty
segments or a backslash (which browsers read as ``/`` in http URLs) would be published at one
key and served from another. Such keys are refused with a Reason naming the property.
"""

from __future__ import annotations

import re

from providers.core.errors import ProviderError

#: The same rule as the schema's pattern for Key and StreamsScriptKey.
KEY_PATTERN = r"^(?!/)(?!.*//)(?!.*/$)(?!(.*/)?\.{1,2}(/|$))[^\\]+$"
_DOT_SEGMENT = re.compile(r"^(\.|%2e){1,2}$", re.IGNORECASE)


def check_key(key: str, prop: str) -> str:
    """The key, when a browser would request exactly that key at its URL."""
    problems = []
    if not key:
        problems.append("must not be empty")
    if key.startswith("/"):
        problems.append("must not start with '/'")
    if "\\" in key:
        problems.append("must not contain '\\' (browsers read it as '/')")
    segments = key.split("/")
    if any(segment == "" for segment in segments[1:-1]) or (len(segments) > 1 and segments[-1] == ""):
        problems.append("must not contain empty segments ('//' or a trailing '/')")
    if any(_DOT_SEGMENT.match(segment) for segment in segments):
        problems.append(
            "must not contain '.' or '..' segments (browsers resolve them, "
            "so the URL would name another object)"
        )
    if problems:
        raise ProviderError(f"{prop}: '{key[:200]}' " + "; ".join(problems))
    return key
