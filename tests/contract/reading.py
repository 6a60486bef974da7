"""Helpers for read tests of any type: a provider's ``read`` called from the physical id alone
(:func:`providers.core.reading.read`), and desired properties put in the shape read returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from providers import handler
from providers.core import reading
from providers.core.provider import ReadResult
from providers.core.schema import load_schema


def read_back(
    resource_type: str,
    physical_id: str,
    *,
    origin: tuple[str, str] | None = None,
    hints: Mapping[str, Any] | None = None,
) -> ReadResult | None:
    """Read as the type's provider would, signed with its shipped role (IAM enforced)."""
    from gapfill.drift.local import role_signer
    from gapfill.local.protocol import stringify

    where = reading.Origin(*origin) if origin else None
    with role_signer(resource_type):
        return reading.read(
            resource_type,
            physical_id,
            handler.resolve,
            region="us-east-1",
            origin=where,
            hints=stringify(dict(hints)) if hints is not None else None,
        )


def expected(resource_type: str, desired: Mapping[str, Any], not_read: Iterable[str]) -> dict[str, Any]:
    """``desired`` as read should return it: schema defaults applied, write-only properties and
    the type's deploy-time inputs (``not_read``) left out, false boolean defaults omitted."""
    schema = load_schema(resource_type).document
    dropped = set(not_read) | {p.rsplit("/", 1)[-1] for p in schema.get("writeOnlyProperties", [])}
    out: dict[str, Any] = {}
    for name, spec in schema["properties"].items():
        if name in dropped:
            continue
        if name in desired:
            out[name] = desired[name]
        elif "default" in spec and spec["default"] is not False:
            out[name] = spec["default"]
    return out
