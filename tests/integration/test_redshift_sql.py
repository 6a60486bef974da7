"""``Custom::RedshiftSql`` against the emulator's executing redshift-data (Redshift SQL parsed
with sqlglot, run in DuckDB): migrations applied once through polled batches, re-deploys that
run nothing, and wrong SQL failing locally as it would on Redshift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gapfill.emulator.redshift_data import STATE

TYPE = "Custom::RedshiftSql"
SCHEMA = {
    "Id": "001-schema",
    "Sql": "CREATE TABLE artists (artist_id BIGINT IDENTITY(1,1), name VARCHAR(256) NOT NULL) DISTSTYLE ALL;\n"
    "CREATE TABLE ticket_sales (sale_id BIGINT, artist_id BIGINT, amount DECIMAL(10,2), sold_at TIMESTAMP)"
    " DISTKEY(artist_id) SORTKEY(sold_at);",
}
SEED = {"Id": "002-seed", "Statements": ["INSERT INTO artists (name) VALUES ('Mariza')"]}


def batches() -> int:
    return sum(1 for run in STATE.runs.values() if run.batch)


def statements_run() -> int:
    return sum(len(run.subs) for run in STATE.runs.values())


def base(unique: Callable[[str], str]) -> dict[str, Any]:
    return {"WorkgroupName": unique("concerts"), "Database": "dev", "Migrations": [SCHEMA]}


def query(aws: Callable[[str], Any], props: dict[str, Any], sql: str) -> list[list[Any]]:
    data = aws("redshift-data")
    run = data.execute_statement(WorkgroupName=props["WorkgroupName"], Database="dev", Sql=sql)
    while data.describe_statement(Id=run["Id"])["Status"] != "FINISHED":
        pass
    records = data.get_statement_result(Id=run["Id"])["Records"]
    return [[next(iter(f.values())) for f in row] for row in records]


def test_migrations_apply_once_and_an_update_runs_only_the_new(
    cfn: Any, aws: Callable[[str], Any], unique: Any
) -> None:
    props = base(unique)
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert (created.data["MigrationsApplied"], created.data["StatementsRun"]) == (1, 2)
    assert query(aws, props, "SELECT id, position FROM gapfill_schema_migrations") == [["001-schema", 0]]
    before = statements_run()
    same = cfn.update(TYPE, created.physical_id, props, props)
    assert same.ok, same.reason
    assert (same.data["MigrationsApplied"], same.data["StatementsRun"]) == (0, 0)
    assert statements_run() - before == 2, "an unchanged re-deploy only reads the history (2 statements)"
    newer = {**props, "Migrations": [SCHEMA, SEED]}
    updated = cfn.update(TYPE, created.physical_id, newer, props)
    assert updated.ok, updated.reason
    assert updated.data["AppliedMigrationIds"] == "002-seed"
    assert query(aws, props, "SELECT name FROM artists") == [["Mariza"]]
    deleted = cfn.delete(TYPE, created.physical_id, newer)
    assert deleted.ok
    assert query(aws, props, "SELECT count(*) FROM artists") == [[1]], "Delete keeps the data"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("INSERT INTO no_such_table VALUES (1)", "no_such_table"),
        ("SELECT nosuch FROM artists", "nosuch"),
        ("CREATE TABLE broken (id INT", "syntax error"),
    ],
)
def test_a_wrong_migration_fails_locally_naming_statement_and_error(
    cfn: Any, aws: Callable[[str], Any], unique: Any, sql: str, expected: str
) -> None:
    props = base(unique)
    bad = {"Id": "002-bad", "Statements": ["CREATE TABLE venues (id INT)", sql]}
    failed = cfn.create(TYPE, {**props, "Migrations": [SCHEMA, bad]})
    assert not failed.ok
    assert "migration '002-bad' failed at statement 2 of 2" in failed.reason
    assert expected in failed.reason
    assert "applied before it in this deploy: 001-schema" in failed.reason
    tables = query(aws, props, "SELECT table_name FROM information_schema.tables ORDER BY table_name")
    assert ["venues"] not in tables, "the failed batch was one transaction"
    resumed = cfn.create(
        TYPE, {**props, "Migrations": [SCHEMA, {**bad, "Statements": bad["Statements"][:1]}]}
    )
    assert resumed.ok, resumed.reason
    assert resumed.data["AppliedMigrationIds"] == "002-bad"


def test_a_changed_applied_migration_is_refused(cfn: Any, unique: Any) -> None:
    props = base(unique)
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    edited = {**props, "Migrations": [{**SCHEMA, "Sql": "CREATE TABLE artists (id INT)"}]}
    refused = cfn.update(TYPE, created.physical_id, edited, props)
    assert not refused.ok
    assert "migration '001-schema' was applied with checksum" in refused.reason


def test_target_and_credentials_are_checked_before_any_call(cfn: Any, unique: Any) -> None:
    before = batches()
    both = cfn.create(TYPE, {**base(unique), "ClusterIdentifier": "c1"})
    assert not both.ok
    assert "WorkgroupName: give exactly one of WorkgroupName" in both.reason
    bare = cfn.create(TYPE, {"ClusterIdentifier": "c1", "Database": "dev", "Migrations": [SCHEMA]})
    assert "ClusterIdentifier: a provisioned cluster needs SecretArn or DbUser" in bare.reason
    assert batches() == before


def test_a_provisioned_cluster_with_a_database_user_works(cfn: Any, unique: Any) -> None:
    props = {
        "ClusterIdentifier": unique("warehouse"),
        "DbUser": "admin",
        "Database": "dev",
        "Migrations": [SCHEMA],
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert created.physical_id.startswith(f"redshift-sql:{props['ClusterIdentifier']}/dev:")


def test_roles_and_grants_run_as_migrations_and_keys_are_informational(
    cfn: Any, aws: Callable[[str], Any], unique: Any
) -> None:
    """A reader role and its grants are a migration like any other (Redshift runs them; DuckDB
    has no counterpart), and a foreign key does not refuse rows, as on Redshift."""
    props = base(unique)
    access = {
        "Id": "002-reader",
        "Statements": [
            "CREATE SCHEMA reporting",
            "CREATE ROLE concert_reader",
            "GRANT USAGE ON SCHEMA reporting TO ROLE concert_reader",
            "GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO ROLE concert_reader",
            "CREATE TABLE reporting.sales (id BIGINT PRIMARY KEY, artist_id BIGINT REFERENCES artists(artist_id))",
            "INSERT INTO reporting.sales VALUES (1, 999), (1, 998)",  # no such artist, same key
        ],
    }
    created = cfn.create(TYPE, {**props, "Migrations": [SCHEMA, access]})
    assert created.ok, created.reason
    assert query(aws, props, "SELECT count(*) FROM reporting.sales") == [[2]]
    wrong = {"Id": "003-typo", "Statements": ["GRANT USAGE ON SCHEMA reporting TO ROLE concert_readers"]}
    failed = cfn.update(TYPE, created.physical_id, {**props, "Migrations": [SCHEMA, access, wrong]}, props)
    assert not failed.ok
    assert 'role "concert_readers" does not exist' in failed.reason
    again = {"Id": "003-again", "Statements": ["CREATE ROLE r2", "CREATE ROLE concert_reader"]}
    twice = cfn.update(TYPE, created.physical_id, {**props, "Migrations": [SCHEMA, access, again]}, props)
    assert 'role "concert_reader" already exists' in twice.reason
    fixed = {"Id": "003-again", "Statements": ["CREATE ROLE r2"]}
    later = cfn.update(TYPE, created.physical_id, {**props, "Migrations": [SCHEMA, access, fixed]}, props)
    assert later.ok, "r2 of the failed batch was rolled back with it: " + later.reason
