"""``Custom::PostgresSql`` against a real PostgreSQL server (TLS only, started by the tests) with
Secrets Manager and RDS in the emulator: migrations applied once, re-deploys that run nothing,
refusals and failures in PostgreSQL's own words, snapshots before new migrations, and a Delete
that keeps the data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from providers.sql.postgres import CA_BUNDLE_ENV
from tests.postgres_server import Server, server

TYPE = "Custom::PostgresSql"
V1 = {"Id": "001-artists", "Sql": "CREATE TABLE artists (id serial PRIMARY KEY, name text NOT NULL);"}
V2 = {
    "Id": "002-venues",
    "Sql": "CREATE TABLE venues (id serial PRIMARY KEY, city text);\n"
    "CREATE FUNCTION venue_count() RETURNS bigint AS $$ SELECT count(*) FROM venues; $$ LANGUAGE sql;",
}
V3 = {
    "Id": "003-concerts",
    "Statements": ["CREATE TABLE concerts (id serial, venue integer REFERENCES venues)"],
}


@pytest.fixture
def pg(monkeypatch: pytest.MonkeyPatch) -> Server:
    running = server()
    monkeypatch.setenv(CA_BUNDLE_ENV, str(running.ca_file))
    return running


@pytest.fixture
def database(pg: Server, unique: Callable[[str], str]) -> str:
    return pg.create_database(unique("app").replace("-", "_"))


def managed_secret(aws: Callable[[str], Any], pg: Server, unique: Callable[[str], str]) -> str:
    """RDS's managed master user secret holds only username and password."""
    value = json.dumps({"username": pg.user, "password": pg.password})
    return str(aws("secretsmanager").create_secret(Name=unique("rds!db"), SecretString=value)["ARN"])


def tables(pg: Server, database: str) -> list[str]:
    conn: Any = pg.connect(database)
    try:
        rows = conn.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    finally:
        conn.close()
    return [r[0] for r in rows]


def base(
    aws: Callable[[str], Any], pg: Server, database: str, unique: Callable[[str], str]
) -> dict[str, Any]:
    return {
        "SecretArn": managed_secret(aws, pg, unique),
        "Host": pg.host,
        "Port": pg.port,
        "Database": database,
        "Migrations": [V1, V2],
    }


def test_applied_once_then_redeploys_run_nothing_and_updates_only_the_new(
    cfn: Any, aws: Callable[[str], Any], pg: Server, database: str, unique: Callable[[str], str]
) -> None:
    props = base(aws, pg, database, unique)
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert created.data["MigrationsApplied"] == 2
    assert created.data["StatementsRun"] == 3
    assert tables(pg, database) == ["artists", "gapfill_schema_migrations", "venues"]
    same = cfn.update(TYPE, created.physical_id, props, props)
    assert same.ok, same.reason
    assert (same.data["MigrationsApplied"], same.data["StatementsRun"]) == (0, 0)
    newer = {**props, "Migrations": [V1, V2, V3]}
    updated = cfn.update(TYPE, created.physical_id, newer, props)
    assert updated.ok, updated.reason
    assert updated.physical_id == created.physical_id
    assert (updated.data["AppliedMigrationIds"], updated.data["StatementsRun"]) == ("003-concerts", 1)
    assert updated.data["LastMigrationId"] == "003-concerts"
    conn: Any = pg.connect(database)
    rows = conn.run("SELECT id, position, statements FROM gapfill_schema_migrations ORDER BY position")
    conn.close()
    assert rows == [["001-artists", 0, 1], ["002-venues", 1, 2], ["003-concerts", 2, 1]]
    deleted = cfn.delete(TYPE, created.physical_id, newer)
    assert deleted.ok
    assert "concerts" in tables(pg, database), "Delete without DeleteStatements must keep the data"


def test_a_changed_applied_migration_is_refused(
    cfn: Any, aws: Callable[[str], Any], pg: Server, database: str, unique: Callable[[str], str]
) -> None:
    props = base(aws, pg, database, unique)
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    edited = {**props, "Migrations": [{**V1, "Sql": "CREATE TABLE artists (id int)"}, V2]}
    refused = cfn.update(TYPE, created.physical_id, edited, props)
    assert not refused.ok
    assert "Migrations[0]: migration '001-artists' was applied with checksum" in refused.reason


def test_a_failing_statement_is_named_with_postgres_error_and_position_then_resumed(
    cfn: Any, aws: Callable[[str], Any], pg: Server, database: str, unique: Callable[[str], str]
) -> None:
    props = base(aws, pg, database, unique)
    broken = {"Id": "002-venues", "Sql": "CREATE TABLE venues (id int);\nSELECT nosuch\n  FROM artists;"}
    failed = cfn.create(TYPE, {**props, "Migrations": [V1, broken, V3]})
    assert not failed.ok
    reason = failed.reason
    assert "migration '002-venues' failed at statement 2 of 2 at position 8 (line 1, column 8)" in reason
    assert 'column "nosuch" does not exist [42703]' in reason
    assert "statement: SELECT nosuch FROM artists" in reason
    assert "applied before it in this deploy: 001-artists" in reason
    assert tables(pg, database) == ["artists", "gapfill_schema_migrations"], (
        "002's first statement rolled back"
    )
    resumed = cfn.create(TYPE, {**props, "Migrations": [V1, V2, V3]})
    assert resumed.ok, resumed.reason
    assert resumed.data["AppliedMigrationIds"] == "002-venues,003-concerts"


def test_connection_details_can_come_from_the_secret(
    cfn: Any, aws: Callable[[str], Any], pg: Server, database: str, unique: Callable[[str], str]
) -> None:
    value = {
        "username": pg.user,
        "password": pg.password,
        "host": pg.host,
        "port": pg.port,
        "dbname": database,
    }
    arn = aws("secretsmanager").create_secret(Name=unique("gapfill/db"), SecretString=json.dumps(value))[
        "ARN"
    ]
    created = cfn.create(TYPE, {"SecretArn": arn, "Migrations": [V1]})
    assert created.ok, created.reason
    assert f":{database}@{pg.host}:{pg.port}:" in created.physical_id
    assert "artists" in tables(pg, database)


def test_tls_is_required_and_plaintext_only_for_a_local_server(
    cfn: Any,
    aws: Callable[[str], Any],
    pg: Server,
    database: str,
    unique: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    props = base(aws, pg, database, unique)
    plaintext = cfn.create(TYPE, {**props, "SslMode": "disable"})
    assert not plaintext.ok
    assert "SslMode: 'disable' is for a local test server only" in plaintext.reason
    monkeypatch.setenv("GAPFILL_POSTGRES_ALLOW_PLAINTEXT_LOOPBACK", "1")
    rejected = cfn.create(TYPE, {**props, "SslMode": "disable"})
    assert not rejected.ok, "the test server accepts TLS only"
    assert "no encryption" in rejected.reason
    monkeypatch.delenv(CA_BUNDLE_ENV)
    no_bundle = cfn.create(TYPE, props)
    assert not no_bundle.ok
    assert "needs the RDS certificate bundle" in no_bundle.reason
    assert tables(pg, database) == []


def test_a_snapshot_is_taken_before_new_migrations_only(
    cfn: Any, aws: Callable[[str], Any], pg: Server, database: str, unique: Callable[[str], str]
) -> None:
    rds = aws("rds")
    instance = unique("contact-db")
    rds.create_db_instance(
        DBInstanceIdentifier=instance,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="app",
        MasterUserPassword="not-used-here-1",
        AllocatedStorage=20,
    )
    props = {
        **base(aws, pg, database, unique),
        "DBInstanceIdentifier": instance,
        "SnapshotBeforeMigrations": True,
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    name = created.data["SnapshotIdentifier"]
    stack_name = cfn.stack_id.split(":stack/")[1].split("/")[0]
    assert name.startswith(f"{stack_name}-001-artists-")
    described = rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0]
    assert described["DBInstanceIdentifier"] == instance
    assert created.data["SnapshotArn"] == described["DBSnapshotArn"]
    again = cfn.update(TYPE, created.physical_id, props, props)
    assert again.ok, again.reason
    assert "SnapshotIdentifier" not in again.data, "nothing new: no snapshot"
    snapshots = rds.describe_db_snapshots(DBInstanceIdentifier=instance, SnapshotType="manual")["DBSnapshots"]
    assert len(snapshots) == 1


def test_delete_statements_run_only_when_the_template_asks(
    cfn: Any, aws: Callable[[str], Any], pg: Server, database: str, unique: Callable[[str], str]
) -> None:
    props = {
        **base(aws, pg, database, unique),
        "DeleteStatements": ["DROP TABLE venues", "DROP TABLE artists"],
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    deleted = cfn.delete(TYPE, created.physical_id, props)
    assert deleted.ok, deleted.reason
    assert tables(pg, database) == []
