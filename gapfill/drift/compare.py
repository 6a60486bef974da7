"""Expected against actual, as rows of a table: AWS-free, so unit tests hit it directly.

Paths name properties as a template does (``Attributes.ContactLens``, ``Tags[team]``,
``Files[site/index.html].ETag``). A property listed in a type's ``DECLARED_KEYS_ONLY`` is
compared only for the keys (tag keys, attribute names, list items) the template declares:
the resource manages those alone, and whatever else is there belongs to someone else.
Values of write-only or password-like properties are masked in every row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

IN_SYNC = "IN_SYNC"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
UNKNOWN = "UNKNOWN"
ABSENT = "(absent)"
MASK = "****"
MAX_VALUE = 44
#: Names whose values are secrets wherever they appear (``SecretArn`` names a secret; it is none).
_SECRET_NAME = re.compile(r"(?i)(password|passphrase|secret(?!arn|_?arn|id)|token|private.?key|credential)")


@dataclass(frozen=True)
class Row:
    stack: str
    logical_id: str
    resource_type: str
    path: str
    expected: str
    actual: str
    status: str


def is_secret(path: str, write_only: Iterable[str] = ()) -> bool:
    names = re.split(r"[.\[\]]+", path)
    top = names[0] if names else ""
    return top in set(write_only) or any(_SECRET_NAME.search(n) for n in names if n)


def show(value: Any, secret: bool = False) -> str:
    """A value for one table cell: JSON, short, never a secret."""
    if value is _ABSENT:
        return ABSENT
    if secret:
        return MASK
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


_ABSENT = object()


def _is_tag_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(t, Mapping) and "Key" in t for t in value)


def _keyed(value: Any) -> dict[str, Any]:
    return {str(t["Key"]): t.get("Value") for t in value}


def differences(
    expected: Any, actual: Any, path: str, declared_only: bool = False
) -> list[tuple[str, Any, Any]]:
    """(path, expected, actual) for each leaf that differs; ``_ABSENT`` marks a missing side
    (an empty list or map and an absent one are the same: read leaves empty ones out)."""
    if _empty(expected) and _empty(actual):
        return []
    if _is_tag_list(expected) and (_is_tag_list(actual) or actual is _ABSENT):
        expected = _keyed(expected)
        actual = _keyed(actual) if actual is not _ABSENT else _ABSENT
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        keys = list(expected) if declared_only else sorted(set(expected) | set(actual), key=str)
        out: list[tuple[str, Any, Any]] = []
        for key in keys:
            sub = f"{path}[{key}]" if _needs_brackets(key) else f"{path}.{key}"
            out += differences(expected.get(key, _ABSENT), actual.get(key, _ABSENT), sub)
        return out
    if declared_only and isinstance(expected, list) and isinstance(actual, list):
        present = [json.dumps(a, sort_keys=True) for a in actual]
        return [
            (f"{path}[{e}]", e, _ABSENT) for e in expected if json.dumps(e, sort_keys=True) not in present
        ]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        out = []
        for index, (want, have) in enumerate(zip(expected, actual, strict=True)):
            out += differences(want, have, f"{path}[{index}]")
        return out
    return [] if _same(expected, actual) else [(path, expected, actual)]


def _empty(value: Any) -> bool:
    return value is _ABSENT or (isinstance(value, (list, dict)) and not value)


def _needs_brackets(key: Any) -> bool:
    return not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", str(key))


def _same(expected: Any, actual: Any) -> bool:
    if expected is _ABSENT or actual is _ABSENT:
        return expected is actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or str(expected).lower() == str(actual).lower()
    return bool(expected == actual) or (
        isinstance(expected, (int, float, str))
        and isinstance(actual, (int, float, str))
        and str(expected) == str(actual)
    )


def compare_properties(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    *,
    names: Iterable[str],
    declared_only: Iterable[str] = (),
) -> list[tuple[str, Any, Any]]:
    """Every difference between two property maps over the top-level ``names``; a property
    compared by declared keys only is skipped when the template does not declare it."""
    partial = set(declared_only)
    out: list[tuple[str, Any, Any]] = []
    for name in sorted(set(names)):
        if name in partial and name not in expected:
            continue
        out += differences(expected.get(name, _ABSENT), actual.get(name, _ABSENT), name, name in partial)
    return out


def rows_for(
    where: tuple[str, str, str],
    found: list[tuple[str, Any, Any]],
    write_only: Iterable[str] = (),
) -> list[Row]:
    """Table rows of one resource: one IN_SYNC row, or one MODIFIED row per difference."""
    stack, logical_id, resource_type = where
    if not found:
        return [Row(stack, logical_id, resource_type, "-", "", "", IN_SYNC)]
    masked = set(write_only)
    return [
        Row(
            stack,
            logical_id,
            resource_type,
            path,
            show(want, is_secret(path, masked)),
            show(have, is_secret(path, masked)),
            MODIFIED,
        )
        for path, want, have in found
    ]


def render(rows: list[Row]) -> str:
    headers = ("STACK", "RESOURCE", "TYPE", "PROPERTY", "EXPECTED", "ACTUAL", "STATUS")
    table = [headers] + [
        (r.stack, r.logical_id, r.resource_type, r.path, r.expected, r.actual, r.status) for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in table]
    return "\n".join(lines)


def summary(rows: list[Row]) -> str:
    resources: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row.stack, row.logical_id)
        if resources.get(key) in (None, IN_SYNC):
            resources[key] = row.status
    counts = {s: sum(1 for v in resources.values() if v == s) for s in (IN_SYNC, MODIFIED, DELETED, UNKNOWN)}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no gapfill resources"


def exit_code(rows: list[Row]) -> int:
    """0 only when every resource is in sync."""
    return 0 if all(r.status == IN_SYNC for r in rows) else 1
