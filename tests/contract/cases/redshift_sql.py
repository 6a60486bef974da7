"""Contract case for ``Custom::RedshiftSql`` against the emulator's executing redshift-data:
each resource gets its own workgroup (its own local database); "exists" means the history table
records the template's migrations as its first rows (forward-only: a rollback to fewer
migrations unapplies nothing). Delete keeps the data by design."""

from __future__ import annotations

import time
from typing import Any

from providers.sql.migrations import migrations_from
from tests.contract.suite import ContractCase, Env

FIRST = {
    "Id": "001",
    "Sql": "CREATE TABLE things (id BIGINT IDENTITY(1,1), name VARCHAR(64)) DISTSTYLE AUTO;",
}
SECOND = {"Id": "002", "Sql": "ALTER TABLE things ADD COLUMN size INTEGER;"}


def make_properties(env: Env) -> dict[str, Any]:
    return {"WorkgroupName": env.unique("contract"), "Database": "dev", "Migrations": [FIRST]}


def update_in_place(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "Migrations": [FIRST, SECOND]}


def update_replacing(env: Env, props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "WorkgroupName": env.unique("contract")}


def history(env: Env, props: dict[str, Any]) -> list[list[Any]] | None:
    data = env.client("redshift-data")
    sql = "SELECT id, checksum FROM gapfill_schema_migrations ORDER BY position"
    run = data.execute_statement(WorkgroupName=props["WorkgroupName"], Database="dev", Sql=sql)
    while (status := data.describe_statement(Id=run["Id"])["Status"]) not in ("FINISHED", "FAILED"):
        time.sleep(0.01)
    if status == "FAILED":
        return None
    records = data.get_statement_result(Id=run["Id"])["Records"]
    return [[row[0]["stringValue"], row[1]["stringValue"].strip()] for row in records]


def exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    assert physical_id.startswith(f"redshift-sql:{props['WorkgroupName']}/dev:"), physical_id
    rows = history(env, props)
    wanted = [[m.id, m.checksum] for m in migrations_from(props["Migrations"])]
    return rows is not None and rows[: len(wanted)] == wanted


def out_of_band(env: Env, physical_id: str, props: dict[str, Any]) -> str:
    """A history row deleted by hand through the Data API."""
    data = env.client("redshift-data")
    sql = "DELETE FROM gapfill_schema_migrations WHERE id = '001'"
    run = data.execute_statement(WorkgroupName=props["WorkgroupName"], Database="dev", Sql=sql)
    while data.describe_statement(Id=run["Id"])["Status"] not in ("FINISHED", "FAILED"):
        time.sleep(0.01)
    return "AppliedMigrations"


CASE = ContractCase(
    resource_type="Custom::RedshiftSql",
    make_properties=make_properties,
    update_in_place=update_in_place,
    update_replacing=update_replacing,
    exists=exists,
    out_of_band=out_of_band,
    required=("Database", "Migrations"),
    retained_on_delete=True,
    bad_values=[
        ("Migrations[0]", lambda p: {**p, "Migrations": [{"Sql": "SELECT 1"}]}),
        ("WorkgroupName", lambda p: {**p, "ClusterIdentifier": "also-a-cluster"}),
        ("WorkgroupName", lambda p: {**p, "WorkgroupName": "Has Spaces"}),
        ("nowhere", lambda p: {**p, "Migrations": [{"Id": "1", "Sql": "SELECT * FROM nowhere"}]}),
    ],
)
