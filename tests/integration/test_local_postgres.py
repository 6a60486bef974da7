"""The local job's default database for ``Custom::PostgresSql``: an ``AWS::RDS::DBInstance`` of
engine postgres stands in as the embedded PostgreSQL server, with a managed-style secret and the
instance in the emulator's RDS (for the snapshot before migrations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gapfill.local import postgres, standins
from gapfill.local.deployment import LocalDeployment

TEMPLATE = {
    "Parameters": {"DatabaseName": {"Type": "String", "Default": "appdata"}},
    "Resources": {
        "Database": {
            "Type": "AWS::RDS::DBInstance",
            "Properties": {
                "Engine": "postgres",
                "EngineVersion": "16.9",
                "DBInstanceClass": "db.t4g.micro",
                "DBName": {"Ref": "DatabaseName"},
                "MasterUsername": "appadmin",
                "ManageMasterUserPassword": True,
                "AllocatedStorage": "20",
            },
        },
        "Schema": {
            "Type": "Custom::PostgresSql",
            "Properties": {
                "ServiceToken": {"Fn::ImportValue": "gapfill-providers-PostgresSql-ServiceToken"},
                "SecretArn": {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]},
                "Host": {"Fn::GetAtt": ["Database", "Endpoint.Address"]},
                "Port": {"Fn::GetAtt": ["Database", "Endpoint.Port"]},
                "Database": {"Ref": "DatabaseName"},
                "DBInstanceIdentifier": {"Ref": "Database"},
                "SnapshotBeforeMigrations": True,
                "Migrations": [
                    {"Id": "001-customers", "Sql": "CREATE TABLE customers (id bigserial PRIMARY KEY)"}
                ],
            },
        },
    },
}


NEW_MIGRATION = {"Id": "002-notes", "Sql": "ALTER TABLE customers ADD COLUMN notes text"}


def test_the_embedded_server_stands_in_for_the_instance(tmp_path: Path, emulator: Any, aws: Any) -> None:
    path = tmp_path / "db.yaml"
    path.write_text(yaml.safe_dump(TEMPLATE))
    deployment = LocalDeployment(path, {}, progress=lambda _line: None, stack_name="it-pg")
    try:
        deployment.deploy()
        assert not deployment.failed, deployment.table()
        (schema,) = deployment.created
        assert schema.data["MigrationsApplied"] == 1
        assert schema.data["SnapshotIdentifier"].startswith("it-pg-001-customers-")
        snapshot = aws("rds").describe_db_snapshots(DBSnapshotIdentifier=schema.data["SnapshotIdentifier"])
        assert snapshot["DBSnapshots"][0]["DBInstanceIdentifier"] == schema.properties["DBInstanceIdentifier"]
        conn: Any = postgres.server().connect("appdata")
        try:
            owner = conn.run("SELECT tableowner FROM pg_tables WHERE tablename = 'customers'")
        finally:
            conn.close()
        assert owner == [["appadmin"]]
        # An unchanged re-deploy runs no statement; an update with one new migration runs only it.
        same = deployment.cfn.update(
            schema.resource_type,
            schema.physical_id,
            schema.properties,
            schema.properties,
            logical_id="Schema",
        )
        assert same.ok, same.reason
        assert (same.data["MigrationsApplied"], same.data["StatementsRun"]) == (0, 0)
        newer = {**schema.properties, "Migrations": [*schema.properties["Migrations"], NEW_MIGRATION]}
        updated = deployment.cfn.update(
            schema.resource_type, schema.physical_id, newer, schema.properties, logical_id="Schema"
        )
        assert updated.ok, updated.reason
        assert (updated.data["AppliedMigrationIds"], updated.data["StatementsRun"]) == ("002-notes", 1)
        assert updated.physical_id == schema.physical_id
        deployment.delete_all()
        assert not deployment.failed, deployment.table()
    finally:
        deployment.close()


def test_missing_server_binaries_are_named_with_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "_server", None)
    monkeypatch.setattr(postgres.shutil, "which", lambda _name: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda _pattern: [])
    with pytest.raises(standins.StandInError, match="apt-get install postgresql"):
        standins.make("s", "Database", "AWS::RDS::DBInstance", {"Engine": "postgres"})


def test_other_engines_stay_synthetic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "server", lambda: pytest.fail("no server for MySQL"))
    made = standins.make("s", "Database", "AWS::RDS::DBInstance", {"Engine": "mysql"})
    assert not made.made_in_emulator
