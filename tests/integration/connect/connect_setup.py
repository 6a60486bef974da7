"""Helpers shared by the Connect instance/flow/phone-number integration tests: emulator knobs
applied for one block (and always restored), and instances made straight in the emulator."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from gapfill.emulator.connect import backend


@contextlib.contextmanager
def knobs(**values: Any) -> Iterator[Any]:
    """Set emulator knobs for the block; yields the live Connect backend (same process)."""
    live = backend()
    saved = dataclasses.asdict(live.knobs)
    live.knobs.update(values)
    try:
        yield live
    finally:
        live.knobs.update(saved)


def calls(operation: str) -> int:
    """How many times the emulator served ``operation`` (snake case) so far."""
    return int(backend().call_counts[operation])


def make_instance(aws: Callable[[str], Any], unique: Callable[[str], str]) -> tuple[str, str]:
    """An ACTIVE instance created directly in the emulator: ``(id, arn)``."""
    created = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=unique("it"),
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    return str(created["Id"]), str(created["Arn"])
