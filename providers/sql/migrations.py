"""Versioned, forward-only SQL migrations: the one engine behind every SQL resource type.

A migration is an id and an ordered list of statements. The target database holds a history
table recording, per applied migration, its id, its position and a checksum of its
statements. From the template's list and that history, :func:`plan` works out what to do:

* a migration already applied with the same checksum is skipped (a re-deploy runs nothing);
* an applied migration whose statements changed is refused, naming it (forward-only: write
  a new migration instead of editing an applied one);
* a new migration placed before an applied one is refused (it would run out of order);
* what remains runs in order, each migration with its history row in one transaction where
  the database allows it, so a failure leaves the earlier migrations applied and the failed
  one not: the next deploy resumes at the failed migration.

Statements are split with sqlparse (strings, quoted identifiers, comments and PostgreSQL's
dollar quoting are respected), never on ``;`` by hand. Drivers (PostgreSQL over pg8000,
Redshift over the Data API) only run statements and read the history; every failure names
the migration, the statement and the database's own error and position
(:class:`MigrationFailed`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from providers.core.errors import ProviderError

DEFAULT_HISTORY_TABLE = "gapfill_schema_migrations"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}(\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$")
_STATEMENT_PREVIEW = 200


@dataclass(frozen=True)
class Migration:
    """One migration as the template gives it, its statements split."""

    id: str
    statements: tuple[str, ...]

    @property
    def checksum(self) -> str:
        """sha256 of the statements, each stripped, joined by a line holding ``;``: reformatting
        around statements does not change it, changing any statement does."""
        return hashlib.sha256("\n;\n".join(self.statements).encode()).hexdigest()


@dataclass(frozen=True)
class Applied:
    """A history row."""

    id: str
    checksum: str
    position: int


@dataclass
class Plan:
    """What a deploy will do: the migrations to run, in order, and those already applied."""

    pending: list[Migration] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return sum(len(m.statements) for m in self.pending)


@dataclass(frozen=True)
class DatabaseFailure:
    """The database's own account of a failed statement."""

    message: str
    code: str = ""
    #: 1-based character offset into the statement, when the database gives one.
    position: int | None = None


class MigrationFailed(ProviderError):
    """A statement failed: names the migration, the statement and the database's error."""

    def __init__(
        self,
        migration: Migration,
        index: int,
        failure: DatabaseFailure,
        *,
        applied_before: Sequence[str] = (),
        physical_id: str | None = None,
    ) -> None:
        self.migration = migration
        self.index = index
        self.failure = failure
        super().__init__(describe_failure(migration, index, failure, applied_before), physical_id=physical_id)


# -- reading the template ------------------------------------------------------------------------
def split_statements(sql: str) -> tuple[str, ...]:
    """Statements of an SQL text, without their terminating ``;`` and without empty ones."""
    import sqlparse

    statements = []
    for raw in sqlparse.split(sql):
        text = raw.strip()
        if text.endswith(";"):
            text = text[:-1].rstrip()
        if text and not _only_comments(text):
            statements.append(text)
    return tuple(statements)


def _only_comments(text: str) -> bool:
    import sqlparse

    tokens = sqlparse.parse(text)[0].flatten()
    return all(t.is_whitespace or t.ttype in sqlparse.tokens.Comment for t in tokens)


def migrations_from(items: Iterable[Mapping[str, Any]], prop: str = "Migrations") -> list[Migration]:
    """Migrations from the template's list (``Id`` with ``Sql`` text or ``Statements``)."""
    found: list[Migration] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        migration_id = str(item.get("Id") or "").strip()
        where = f"{prop}[{index}]"
        if not migration_id:
            raise ProviderError(f"{where}.Id: a migration needs an id")
        if migration_id in seen:
            raise ProviderError(f"{where}.Id: '{migration_id}' is also {prop}[{seen[migration_id]}]")
        seen[migration_id] = index
        if item.get("Statements") is not None:
            statements: tuple[str, ...] = tuple(
                s for text in item["Statements"] for s in split_statements(str(text))
            )
        else:
            statements = split_statements(str(item.get("Sql") or ""))
        if not statements:
            raise ProviderError(f"{where}: migration '{migration_id}' has no SQL statement")
        found.append(Migration(migration_id, statements))
    return found


def history_table(name: str | None) -> str:
    """The history table's (optionally schema-qualified) name, checked: it is spliced into SQL."""
    table = (name or DEFAULT_HISTORY_TABLE).strip()
    if not _IDENTIFIER.match(table):
        raise ProviderError(
            f"HistoryTable: '{table}' must be a plain identifier or schema.identifier "
            "(letters, digits, _ and $, starting with a letter or _)"
        )
    return table


# -- deciding --------------------------------------------------------------------------------------
def plan(migrations: Sequence[Migration], applied: Iterable[Applied]) -> Plan:
    """What to run, given the template's migrations and the database's history."""
    history = {a.id: a for a in applied}
    result = Plan()
    last_applied = -1
    for position, migration in enumerate(migrations):
        done = history.get(migration.id)
        if done is None:
            continue
        if done.checksum != migration.checksum:
            raise ProviderError(
                f"Migrations[{position}]: migration '{migration.id}' was applied with checksum "
                f"{done.checksum[:12]} and its statements now have checksum {migration.checksum[:12]}; "
                "an applied migration is never changed or re-run: restore its statements and add "
                "a new migration for the change"
            )
        last_applied = position
        result.already_applied.append(migration.id)
    for position, migration in enumerate(migrations):
        if migration.id in history:
            continue
        if position < last_applied:
            raise ProviderError(
                f"Migrations[{position}]: new migration '{migration.id}' is placed before "
                f"'{migrations[last_applied].id}', which is already applied; new migrations go "
                "after the applied ones (migrations run forward only, in order)"
            )
        result.pending.append(migration)
    return result


def next_position(applied: Iterable[Applied]) -> int:
    """The position recorded for the next migration applied."""
    return max((a.position for a in applied), default=-1) + 1


# -- explaining ------------------------------------------------------------------------------------
def preview(statement: str) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= _STATEMENT_PREVIEW else flat[: _STATEMENT_PREVIEW - 3] + "..."


def line_and_column(statement: str, position: int) -> tuple[int, int]:
    """1-based line and column of a 1-based character offset."""
    before = statement[: max(position - 1, 0)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def describe_failure(
    migration: Migration, index: int, failure: DatabaseFailure, applied_before: Sequence[str] = ()
) -> str:
    statement = migration.statements[index] if 0 <= index < len(migration.statements) else ""
    where = ""
    if failure.position:
        line, column = line_and_column(statement, failure.position)
        where = f" at position {failure.position} (line {line}, column {column})"
    code = f" [{failure.code}]" if failure.code else ""
    earlier = f"; applied before it in this deploy: {', '.join(applied_before)}" if applied_before else ""
    return (
        f"migration '{migration.id}' failed at statement {index + 1} of {len(migration.statements)}"
        f"{where}: {failure.message}{code}; statement: {preview(statement)}; the migration was "
        f"not recorded, and the next deploy retries it{earlier}"
    )


# -- running (for drivers that execute synchronously) ---------------------------------------------
class StatementError(Exception):
    """Raised by a driver's ``apply`` for the statement (0-based ``index``) that failed."""

    def __init__(self, index: int, failure: DatabaseFailure) -> None:
        super().__init__(failure.message)
        self.index = index
        self.failure = failure


def run(
    pending: Sequence[Migration],
    start_position: int,
    apply: Callable[[Migration, int], None],
    *,
    physical_id: str | None = None,
) -> list[str]:
    """Apply ``pending`` in order through ``apply(migration, position)``, which runs the
    statements and records the history row in one transaction; stops at the first failure."""
    done: list[str] = []
    for offset, migration in enumerate(pending):
        try:
            apply(migration, start_position + offset)
        except StatementError as exc:
            raise MigrationFailed(
                migration, exc.index, exc.failure, applied_before=done, physical_id=physical_id
            ) from exc
        done.append(migration.id)
    return done
