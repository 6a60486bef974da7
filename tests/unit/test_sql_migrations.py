"""The migrations engine against a real (SQLite) database: ordering, checksums, idempotence,
partial failure and resumption. SQLite stands in only for "a database with transactions"; the
PostgreSQL and Redshift drivers have their own integration tests."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from providers.core.errors import ProviderError
from providers.sql import migrations as m


class SqliteTarget:
    """A driver in the engine's terms: history rows, and apply-with-record in one transaction."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.db.execute("CREATE TABLE history (id TEXT PRIMARY KEY, checksum TEXT, position INTEGER)")
        self.executed: list[str] = []

    def applied(self) -> list[m.Applied]:
        rows = self.db.execute("SELECT id, checksum, position FROM history ORDER BY position").fetchall()
        return [m.Applied(*row) for row in rows]

    def apply(self, migration: m.Migration, position: int) -> None:
        self.db.execute("BEGIN")
        for index, statement in enumerate(migration.statements):
            try:
                self.db.execute(statement)
            except sqlite3.Error as exc:
                self.db.execute("ROLLBACK")
                raise m.StatementError(index, m.DatabaseFailure(str(exc), type(exc).__name__)) from exc
            self.executed.append(statement)
        self.db.execute("INSERT INTO history VALUES (?, ?, ?)", (migration.id, migration.checksum, position))
        self.db.execute("COMMIT")

    def deploy(self, items: list[dict[str, Any]]) -> list[str]:
        wanted = m.migrations_from(items)
        history = self.applied()
        todo = m.plan(wanted, history)
        return m.run(todo.pending, m.next_position(history), self.apply)

    def tables(self) -> list[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        return [r[0] for r in rows]


V1 = {"Id": "001-artists", "Sql": "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT);"}
V2 = {
    "Id": "002-venues",
    "Sql": "CREATE TABLE venues (id INTEGER, city TEXT); -- a comment; not a statement\n"
    "INSERT INTO venues VALUES (1, 'Lisbon; Alfama');",
}
V3 = {"Id": "003-concerts", "Statements": ["CREATE TABLE concerts (id INTEGER, venue INTEGER)"]}


def test_splitting_respects_strings_comments_and_dollar_quotes() -> None:
    sql = (
        "CREATE TABLE t (a text DEFAULT 'x;y');\n-- only; a comment\n"
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n/* c; */ SELECT 2"
    )
    statements = m.split_statements(sql)
    assert len(statements) == 3, statements
    assert statements[0] == "CREATE TABLE t (a text DEFAULT 'x;y')"
    assert "$$ SELECT 1; $$" in statements[1]


def test_migrations_run_in_order_and_a_redeploy_runs_nothing() -> None:
    target = SqliteTarget()
    assert target.deploy([V1, V2]) == ["001-artists", "002-venues"]
    assert len(target.executed) == 3
    assert target.db.execute("SELECT city FROM venues").fetchall() == [("Lisbon; Alfama",)]
    target.executed.clear()
    assert target.deploy([V1, V2]) == []
    assert target.executed == [], "an unchanged re-deploy must run 0 statements"


def test_an_update_applies_only_the_new_migrations() -> None:
    target = SqliteTarget()
    target.deploy([V1, V2])
    target.executed.clear()
    assert target.deploy([V1, V2, V3]) == ["003-concerts"]
    assert target.executed == ["CREATE TABLE concerts (id INTEGER, venue INTEGER)"]
    assert [a.position for a in target.applied()] == [0, 1, 2]


def test_a_changed_applied_migration_is_refused_by_name() -> None:
    target = SqliteTarget()
    target.deploy([V1])
    changed = {**V1, "Sql": "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT, born INTEGER)"}
    with pytest.raises(
        ProviderError, match=r"Migrations\[0\]: migration '001-artists' was applied with checksum"
    ):
        target.deploy([changed])
    assert target.executed == ["CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT)"]


def test_reformatting_around_statements_keeps_the_checksum() -> None:
    a = m.migrations_from([{"Id": "x", "Sql": "SELECT 1;\nSELECT 2;"}])[0]
    b = m.migrations_from([{"Id": "x", "Sql": "\n  SELECT 1 ;   SELECT 2\n"}])[0]
    c = m.migrations_from([{"Id": "x", "Sql": "SELECT 1; SELECT 3;"}])[0]
    assert a.checksum == b.checksum
    assert a.checksum != c.checksum


def test_a_new_migration_before_an_applied_one_is_refused() -> None:
    target = SqliteTarget()
    target.deploy([V1, V3])
    with pytest.raises(
        ProviderError, match=r"Migrations\[1\]: new migration '002-venues' is placed before '003-concerts'"
    ):
        target.deploy([V1, V2, V3])


def test_partial_failure_names_migration_statement_and_error_then_resumes() -> None:
    target = SqliteTarget()
    broken = {"Id": "002-venues", "Sql": "CREATE TABLE venues (id INTEGER);\nINSERT INTO nowhere VALUES (1);"}
    with pytest.raises(m.MigrationFailed) as failed:
        target.deploy([V1, broken, V3])
    text = str(failed.value)
    assert "migration '002-venues' failed at statement 2 of 2" in text
    assert "no such table: nowhere" in text
    assert "statement: INSERT INTO nowhere VALUES (1)" in text
    assert "applied before it in this deploy: 001-artists" in text
    assert [a.id for a in target.applied()] == ["001-artists"]
    assert "venues" not in target.tables(), "the failed migration's first statement was rolled back"
    target.executed.clear()
    assert target.deploy([V1, V2, V3]) == ["002-venues", "003-concerts"]
    assert target.tables() == ["artists", "concerts", "history", "venues"]


def test_failure_position_becomes_line_and_column() -> None:
    migration = m.Migration("007", ("SELECT 1", "SELECT\n  nosuch FROM t"))
    text = m.describe_failure(migration, 1, m.DatabaseFailure('column "nosuch" does not exist', "42703", 10))
    assert "statement 2 of 2 at position 10 (line 2, column 3)" in text
    assert "[42703]" in text


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"Id": "", "Sql": "SELECT 1"}], r"Migrations\[0\]\.Id: a migration needs an id"),
        (
            [{"Id": "a", "Sql": "SELECT 1"}, {"Id": "a", "Sql": "SELECT 2"}],
            r"Migrations\[1\]\.Id: 'a' is also Migrations\[0\]",
        ),
        ([{"Id": "a", "Sql": "-- nothing\n;"}], r"Migrations\[0\]: migration 'a' has no SQL statement"),
    ],
)
def test_bad_migration_lists_name_the_row(items: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        m.migrations_from(items)


def test_history_table_names_are_checked_because_they_are_spliced_into_sql() -> None:
    assert m.history_table(None) == m.DEFAULT_HISTORY_TABLE
    assert m.history_table("ops.applied") == "ops.applied"
    with pytest.raises(ProviderError, match="HistoryTable"):
        m.history_table("x; DROP TABLE y")
