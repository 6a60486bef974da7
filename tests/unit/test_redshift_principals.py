"""The emulator's model of Redshift users, groups, roles and grants (no DuckDB needed)."""

from __future__ import annotations

import pytest

from gapfill.emulator.redshift_data import redshift_to_duckdb
from gapfill.emulator.redshift_principals import Principal, apply, handles

SCHEMAS = {"concert", "public"}


def run(statements: list[str]) -> tuple[set[Principal], list[str | None]]:
    known: set[Principal] = set()
    return known, [apply(s, known, SCHEMAS.__contains__) for s in statements]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE ROLE concert_reader",
        "create user bob password disable",
        "DROP GROUP IF EXISTS readers",
        "GRANT SELECT ON ALL TABLES IN SCHEMA concert TO ROLE r",
        "REVOKE USAGE ON SCHEMA concert FROM GROUP g",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA concert GRANT SELECT ON TABLES TO ROLE r",
    ],
)
def test_principal_statements_are_recognised(sql: str) -> None:
    assert handles(sql)


@pytest.mark.parametrize("sql", ["CREATE TABLE roles (id INT)", "SELECT 'GRANT'", "ALTER TABLE t ADD c INT"])
def test_other_statements_are_not(sql: str) -> None:
    assert not handles(sql)


def test_a_role_is_made_then_granted_to() -> None:
    known, errors = run(
        [
            "CREATE ROLE concert_reader",
            "GRANT USAGE ON SCHEMA concert TO ROLE concert_reader",
            "GRANT SELECT ON ALL TABLES IN SCHEMA concert TO ROLE Concert_Reader",  # folded
            'GRANT ROLE concert_reader TO "IAMR:analytics"',
        ]
    )
    assert errors == [None, None, None, None]
    assert known == {Principal("ROLE", "concert_reader")}


@pytest.mark.parametrize(
    ("statements", "error"),
    [
        (["CREATE ROLE r", "CREATE ROLE R"], 'role "r" already exists'),
        (["GRANT SELECT ON ALL TABLES IN SCHEMA concert TO ROLE nobody"], 'role "nobody" does not exist'),
        (["REVOKE USAGE ON SCHEMA concert FROM GROUP g"], 'group "g" does not exist'),
        (["GRANT ROLE missing TO bob"], 'role "missing" does not exist'),
        (["CREATE ROLE r", "GRANT USAGE ON SCHEMA sales TO ROLE r"], 'schema "sales" does not exist'),
        (["DROP USER bob"], 'user "bob" does not exist'),
        (["ALTER GROUP g ADD USER bob"], 'group "g" does not exist'),
    ],
)
def test_what_redshift_refuses_by_name(statements: list[str], error: str) -> None:
    _known, errors = run(statements)
    assert errors[-1] == error
    assert all(e is None for e in errors[:-1])


def test_quoted_names_keep_their_case_and_drop_if_exists_is_quiet() -> None:
    known, errors = run(
        ['CREATE ROLE "Readers"', 'GRANT USAGE ON SCHEMA public TO ROLE "Readers"', "DROP ROLE IF EXISTS x"]
    )
    assert errors == [None, None, None]
    assert known == {Principal("ROLE", "Readers")}


def test_key_and_reference_constraints_are_dropped_not_null_kept() -> None:
    """Redshift does not enforce primary key, unique or foreign key constraints (NOT NULL it does)."""
    [(sql, _query)] = redshift_to_duckdb(
        "CREATE TABLE sales (id BIGINT PRIMARY KEY, concert_id BIGINT NOT NULL REFERENCES concerts(id), "
        "code VARCHAR(8) UNIQUE, UNIQUE (code), FOREIGN KEY (concert_id) REFERENCES concerts(id))"
    )
    assert sql == "CREATE TABLE sales (id BIGINT, concert_id BIGINT NOT NULL, code TEXT(8))"
