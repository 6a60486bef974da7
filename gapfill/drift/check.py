"""One resource checked: its provider reads it from the physical id, and the properties its
stack last sent are put in the same shape (:func:`providers.core.reading.expected`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gapfill.drift.compare import DELETED, UNKNOWN, Row, compare_properties, rows_for, show


@dataclass(frozen=True)
class Target:
    """A gapfill resource of a stack and what the stack last asked of it."""

    stack: str
    stack_id: str
    logical_id: str
    resource_type: str
    physical_id: str
    #: The resolved properties the stack last sent (strings as CloudFormation sends them are fine).
    properties: Mapping[str, Any] = field(default_factory=dict)
    #: Properties whose desired value is not known (an attribute of a native resource).
    not_compared: tuple[str, ...] = ()


#: How a check signs its AWS calls: a context per resource type (the local job signs as each
#: provider's role, so that the emulator holds reads to the shipped policy).
Signer = Callable[[str], contextlib.AbstractContextManager[Any]]


def _unsigned(_resource_type: str) -> contextlib.AbstractContextManager[Any]:
    return contextlib.nullcontext()


def check(target: Target, region: str | None, signer: Signer = _unsigned) -> list[Row]:
    from providers import handler
    from providers.core import reading
    from providers.core.schema import load_schema
    from providers.registry import normalise_type

    kind = normalise_type(target.resource_type)
    where = (target.stack, target.logical_id, target.resource_type)
    origin = reading.Origin(target.stack_id, target.logical_id)
    try:
        provider_cls = handler.resolve(kind)
        with signer(kind):
            live = reading.read(
                kind, target.physical_id, handler.resolve, region, origin=origin, hints=target.properties
            )
    except Exception as exc:  # one unreadable resource must not hide the others' drift
        return [Row(*where, "-", "", show(f"read failed: {type(exc).__name__}: {exc}"), UNKNOWN)]
    if live is None:
        return [Row(*where, "-", "exists", "(gone)", DELETED)]
    try:
        with signer(kind):
            want = reading.expected(
                kind, target.physical_id, target.properties, handler.resolve, region, origin=origin
            )
    except Exception as exc:  # e.g. a flow placeholder naming a flow that was renamed
        return [Row(*where, "-", show(f"not known: {type(exc).__name__}: {exc}"), "", UNKNOWN)]
    schema = load_schema(kind)
    found = compare_properties(
        want,
        live.properties,
        names=reading.compared(provider_cls, kind) - set(target.not_compared),
        declared_only=provider_cls.DECLARED_KEYS_ONLY,
    )
    return rows_for(where, found, schema.write_only)


def check_all(targets: list[Target], region: str | None, signer: Signer = _unsigned) -> Iterator[Row]:
    for target in targets:
        yield from check(target, region, signer)
