"""Where ``Custom::HtmlPage`` may read page templates and script sources from.

The providers stack's ``PageSourceBuckets`` parameter (bucket names, ``*`` and ``?`` allowed)
is both the role's grant and, through ``GAPFILL_PAGE_SOURCE_BUCKETS``, this check: a location
outside it is refused with a Reason that names the parameter, before IAM would refuse the read
with a bare AccessDenied. Without the variable (a function deployed without it) only IAM decides.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from providers.core.errors import ProviderError

ENV = "GAPFILL_PAGE_SOURCE_BUCKETS"


def allowed_patterns() -> list[str] | None:
    """The allow-list, or None when the function was given none."""
    raw = os.environ.get(ENV)
    if raw is None:
        return None
    return [p.strip() for p in raw.split(",") if p.strip()]


def _matches(pattern: str, bucket: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, bucket) is not None


def check(name: str, location: Mapping[str, Any]) -> None:
    """Refuse ``location`` (a property such as TemplateLocation) outside the allowed buckets."""
    patterns = allowed_patterns()
    bucket = str(location.get("Bucket", ""))
    if patterns is None or any(_matches(p, bucket) for p in patterns):
        return
    shown = ", ".join(patterns) or "none"
    raise ProviderError(
        f"{name}: bucket '{bucket}' is not one this provider may read page sources from "
        f"(PageSourceBuckets of the providers stack: {shown})"
    )
