"""Contract case for ``Custom::PostgresSql`` against the tests' real PostgreSQL server: each
resource gets a fresh database; "exists" means the history table records the
template's migrations (as the first rows: a rollback to fewer migrations unapplies nothing,
migrations run forward only). Delete keeps the data by design (no DeleteStatements here)."""

from __future__ import annotations

import json
import os
from typing import Any

from providers.sql.migrations import migrations_from
from providers.sql.postgres import CA_BUNDLE_ENV
from tests.contract.suite import ContractCase, Env
from tests.postgres_server import server

FIRST = {"Id": "001", "Sql": "CREATE TABLE things (id int PRIMARY KEY);"}
SECOND = {"Id": "002", "Sql": "ALTER TABLE things ADD COLUMN name text;"}


def make_properties(env: Env) -> dict[str, Any]:
    pg = server()
    os.environ[CA_BUNDLE_ENV] = str(pg.ca_file)
    database = pg.create_database(env.unique("contract").replace("-", "_"))
    secret = json.dumps({"username": pg.user, "password": pg.password})
    arn = env.client("secretsmanager").create_secret(Name=env.unique("rds!db"), SecretString=secret)["ARN"]
    return {"SecretArn": arn, "Host": pg.host, "Port": pg.port, "Database": database, "Migrations": [FIRST]}


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Migrations": [FIRST, SECOND]}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    database = server().create_database(env.unique("contract").replace("-", "_"))
    return {**props, "Database": database}


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    assert physical_id.startswith(f"postgres-sql:{props['Database']}@"), physical_id
    conn: Any = server().connect(props["Database"])
    try:
        rows = conn.run("SELECT id, checksum FROM gapfill_schema_migrations ORDER BY position")
    except Exception:
        return False
    finally:
        conn.close()
    wanted = [[m.id, m.checksum] for m in migrations_from(props["Migrations"])]
    # Forward-only: a rollback to fewer migrations leaves the later ones applied.
    return [[r[0], r[1].strip()] for r in rows][: len(wanted)] == wanted


def secrets(env: Env, answer: Any, props: dict[str, Any]) -> list[str]:
    return [server().password]


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """A history row deleted by hand in the database."""
    conn: Any = server().connect(props["Database"])
    try:
        conn.run("DELETE FROM gapfill_schema_migrations WHERE id = '001'")
    finally:
        conn.close()
    return "AppliedMigrations"


CASE = ContractCase(
    resource_type="Custom::PostgresSql",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    secrets=secrets,
    required=("SecretArn", "Migrations"),
    retained_on_delete=True,
    bad_values=[
        ("Migrations[0]", lambda p: {**p, "Migrations": [{"Sql": "SELECT 1"}]}),
        ("SslMode", lambda p: {**p, "SslMode": "prefer"}),
        ("HistoryTable", lambda p: {**p, "HistoryTable": "x; DROP TABLE y"}),
        (
            'relation "nowhere" does not exist',
            lambda p: {**p, "Migrations": [{"Id": "1", "Sql": "SELECT * FROM nowhere"}]},
        ),
    ],
)
