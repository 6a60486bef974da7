"""The local main job on the concert data platform (templates/concert-platform/platform.yaml):
its custom resources played through the protocol against the emulator, the warehouse schema
really created by Custom::RedshiftSql in the executing redshift-data, an unchanged re-deploy
running no statement, and the runner's generic parts the platform needs (a root's Mappings,
Redshift Serverless stand-ins, a template in a subfolder finding its own local parameters)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gapfill.deploy.params import load as load_parameters
from gapfill.emulator.redshift_data import STATE
from gapfill.local.deployment import LocalDeployment
from gapfill.local.plan import SEED_DIR, plays
from gapfill.local.template import load

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "templates" / "concert-platform" / "platform.yaml"
LOCAL_PARAMETERS = SEED_DIR / "concert-platform-local-parameters.json"
WORKGROUP, DATABASE = "concert-development", "concerts"


def sql(aws: Callable[[str], Any], text: str) -> list[list[Any]]:
    data = aws("redshift-data")
    run = data.execute_statement(WorkgroupName=WORKGROUP, Database=DATABASE, Sql=text)
    while (state := data.describe_statement(Id=run["Id"]))["Status"] not in ("FINISHED", "FAILED"):
        pass
    assert state["Status"] == "FINISHED", state.get("Error")
    if not state.get("HasResultSet"):
        return []
    records = data.get_statement_result(Id=run["Id"])["Records"]
    return [[next(iter(f.values())) for f in row] for row in records]


def fresh_warehouse() -> None:
    """The emulator is shared by the tests of a worker: start from an empty database."""
    with STATE.lock:
        for key in [k for k in STATE.connections if k[2:] == (WORKGROUP, DATABASE)]:
            STATE.connections.pop(key).close()


def play(stack_name: str) -> LocalDeployment:
    deployment = LocalDeployment(
        PLATFORM, load_parameters(LOCAL_PARAMETERS), progress=lambda _line: None, stack_name=stack_name
    )
    deployment.deploy()
    return deployment


def migration_ids() -> list[str]:
    schema = load(PLATFORM.parent / "storage.yaml")["Resources"]["WarehouseSchema"]
    return [m["Id"] for m in schema["Properties"]["Migrations"]]


def test_the_platform_creates_its_warehouse_schema_and_a_redeploy_runs_nothing(
    emulator: Any, aws: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The emulator finishes a statement on the second DescribeStatement: poll it briskly.
    monkeypatch.setenv("GAPFILL_POLL_INITIAL_SECONDS", "0.02")
    monkeypatch.setenv("GAPFILL_POLL_MAX_SECONDS", "0.05")
    fresh_warehouse()
    first = play("it-concert")
    try:
        assert not first.failed, first.table()
        created = {(c.stack, c.logical_id, c.resource_type) for c in first.created}
        assert created == {
            ("Storage", "WarehouseSchema", "Custom::RedshiftSql"),
            ("Compute", "ApiGatewayAccount", "Custom::ApiGatewayAccount"),
        }
        schema = first.stacks["Storage"].customs["WarehouseSchema"]
        assert schema.properties["WorkgroupName"] == WORKGROUP
        assert schema.properties["SecretArn"].endswith(":secret:redshift!concert-development-admin")
        assert schema.data["MigrationsApplied"] == len(migration_ids())
        assert schema.data["LastMigrationId"] == migration_ids()[-1]
        assert [r[0] for r in sql(aws, "SELECT id FROM gapfill_schema_migrations ORDER BY position")] == (
            migration_ids()
        )
        # The schema holds the platform's data: a sale of a concert shows in the reporting view.
        for statement in (
            "INSERT INTO concert_dw.artists (artist_id, name, genre) VALUES ('a1', 'Mariza', 'fado')",
            "INSERT INTO concert_dw.venues (venue_id, name, city, capacity) VALUES ('v1', 'Coliseu', 'Lisboa', 4000)",
            "INSERT INTO concert_dw.concerts (concert_id, artist_id, venue_id, event_date) "
            "VALUES ('c1', 'a1', 'v1', '2026-06-01 21:00:00')",
            "INSERT INTO concert_dw.ticket_sales (sale_id, concert_id, quantity, unit_price, total_amount, sold_at) "
            "VALUES ('s1', 'c1', 3, 40.00, 120.00, '2026-05-01 10:00:00')",
        ):
            sql(aws, statement)
        assert sql(aws, "SELECT name, tickets_sold FROM concert_dw.venue_popularity") == [["Coliseu", 3]]
        again = play("it-concert-again")
        try:
            redeployed = again.stacks["Storage"].customs["WarehouseSchema"]
            assert not again.failed, again.table()
            assert (redeployed.data["MigrationsApplied"], redeployed.data["StatementsRun"]) == (0, 0)
        finally:
            again.close()

        first.rehearse_update()
        first.delete_all()
        assert not first.failed, first.table()
        assert [r.operation for r in first.rows].count("DELETE") == 2
        assert sql(aws, "SELECT count(*) FROM concert_dw.ticket_sales") == [[1]], "Delete keeps the data"
    finally:
        first.close()


def test_a_template_in_a_subfolder_plays_with_its_own_local_parameters() -> None:
    args = argparse.Namespace(template=str(PLATFORM), parameters=None)
    assert plays(args) == [(PLATFORM, LOCAL_PARAMETERS)]
    main = argparse.Namespace(template=str(ROOT / "templates" / "main.yaml"), parameters=None)
    assert plays(main) == [(ROOT / "templates" / "main.yaml", SEED_DIR / "local-parameters.json")]
    everything = [template for template, _ in plays(argparse.Namespace(template=None, parameters=None))]
    assert PLATFORM in everything


def test_the_local_parameters_are_the_development_file() -> None:
    development = PLATFORM.parent / "parameters" / "development.json"
    assert json.loads(LOCAL_PARAMETERS.read_text()) == json.loads(development.read_text())


def test_nested_stack_parameters_may_read_the_roots_mappings(emulator: Any, tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text(
        "Parameters:\n  Size:\n    Type: Number\n    AllowedValues: [8, 32]\n"
        "Resources:\n  Nothing:\n    Type: AWS::CloudFormation::WaitConditionHandle\n"
        "Outputs:\n  Size:\n    Value: !Ref Size\n"
    )
    (tmp_path / "root.yaml").write_text(
        "Parameters:\n  Environment:\n    Type: String\n"
        "Mappings:\n  EnvironmentConfig:\n    production: {Size: 32}\n"
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
        "      TemplateURL: child.yaml\n      Parameters:\n"
        "        Size: !FindInMap [EnvironmentConfig, !Ref Environment, Size]\n"
    )
    deployment = LocalDeployment(
        tmp_path / "root.yaml",
        {"Environment": "production"},
        progress=lambda _line: None,
        stack_name="it-map",
    )
    try:
        deployment.deploy()
        assert deployment.stacks["Child"].outputs["Size"] == 32
    finally:
        deployment.close()


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("AWS::RedshiftServerless::Workgroup", "WorkgroupName"),
        ("AWS::RedshiftServerless::Namespace", "NamespaceName"),
    ],
)
def test_redshift_serverless_stand_ins_are_referenced_by_their_names(kind: str, key: str) -> None:
    from gapfill.local import standins

    made = standins.make("Storage", "Thing", kind, {key: "concert-staging"})
    assert made.ref == "concert-staging"
    unnamed = standins.make("Storage", "Thing", kind, {})
    assert unnamed.ref == unnamed.ref.lower(), "names are lower case, as Redshift Serverless requires"
