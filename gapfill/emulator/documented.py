"""The catalogue of behavioural rules the emulator adds beyond botocore's service models.

botocore's models carry shapes, required members, lengths, ranges, enums and some patterns;
the emulator checks those generically. Everything else it enforces (a limit stated only in
the API reference, a unit, an error raised in a documented situation) is a :class:`Rule`
registered here with the page it comes from and the fact, restated, that it models. A rule
is registered next to the code that enforces it (``RULE = documented.rule(...)`` at module
level) so that the enforcement and its source are read together; :func:`catalogue` imports
every emulator module and returns the whole list, which the docs table is generated from.

Nothing here comes from the code under test: the sources are AWS's own documents.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

#: Every emulator module that may register rules; imported by :func:`catalogue`.
MODULES = (
    "gapfill.emulator.connect.instances",
    "gapfill.emulator.connect.contact_flows",
    "gapfill.emulator.connect.flow_language",
    "gapfill.emulator.connect.queues",
    "gapfill.emulator.connect.phone_numbers",
    "gapfill.emulator.connect.users",
    "gapfill.emulator.connect.profiles",
    "gapfill.emulator.connect.storage",
    "gapfill.emulator.connect.flow_modules",
    "gapfill.emulator.connect.agent_statuses",
    "gapfill.emulator.connect.knobs",
    "gapfill.emulator.firehose",
    "gapfill.emulator.redshift_data",
    "gapfill.emulator.s3_notifications",
    "gapfill.emulator.s3_destination_policies",
    "gapfill.emulator.model_validation",
    "gapfill.emulator.moto_outputs",
    "gapfill.emulator.iam.authorization",
    "gapfill.emulator.iam.policy",
    "gapfill.emulator.iam.middleware",
)


@dataclass(frozen=True)
class Rule:
    """One documented behaviour: where AWS states it and what it says, as a fact."""

    id: str
    service: str
    operations: tuple[str, ...]
    source: str
    fact: str

    def cite(self) -> str:
        """A short reference for error messages and logs."""
        return f"{self.id} ({self.source})"


_RULES: dict[str, Rule] = {}


def rule(id: str, *, service: str, operations: tuple[str, ...] | list[str], source: str, fact: str) -> Rule:
    """Register a rule (idempotent for the same id and content) and return it."""
    new = Rule(id, service, tuple(operations), source, fact)
    old = _RULES.setdefault(id, new)
    if old != new:
        raise ValueError(f"rule {id!r} registered twice with different content")
    return new


def catalogue() -> list[Rule]:
    """Every rule of every emulator module, sorted by id."""
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return sorted(_RULES.values(), key=lambda r: r.id)
