"""The local job plays templates/contact-centre/root.yaml (its own parameters/local.json) with
--rehearse: every Custom:: resource of the eleven nested stacks is created, updated where one
offers it and deleted, and the schema's migrations ran in the embedded PostgreSQL server that
stood in for the RDS instance."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gapfill.local import postgres
from gapfill.local.job import main
from gapfill.local.plan import plays

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "contact-centre" / "root.yaml"


def _args(tmp_path: Path) -> argparse.Namespace:
    return argparse.Namespace(
        template=str(TEMPLATE), parameters=None, output=str(tmp_path / "out"), rehearse=True, keep=False
    )


def test_a_template_folder_brings_its_local_parameters(tmp_path: Path) -> None:
    assert plays(_args(tmp_path)) == [(TEMPLATE, TEMPLATE.parent / "parameters" / "local.json")]


def test_the_contact_centre_plays_green_with_its_schema_in_postgres(tmp_path: Path, capsys: Any) -> None:
    assert main(_args(tmp_path)) == 0
    out = capsys.readouterr().out
    for stack, logical in [
        ("Database", "Schema"),
        ("PrivateApi", "ApiGatewayAccount"),
        ("Connect", "Instance"),
        ("Connect", "BuiltIns"),
        ("Connect", "InboundFlow"),
        ("Connect", "InboundNumber"),
    ]:
        assert f"{stack:<10}  {logical}" in out, (stack, logical)
    assert "15/15 operations succeeded (root.yaml)" in out
    conn: Any = postgres.server().connect("contactcentre")
    try:
        tables = conn.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        applied = conn.run("SELECT id FROM gapfill_schema_migrations ORDER BY position")
    finally:
        conn.close()
    assert [t[0] for t in tables] == ["callbacks", "contacts", "customers", "gapfill_schema_migrations"]
    assert [a[0] for a in applied] == ["001-customers", "002-contacts", "003-callbacks"]
