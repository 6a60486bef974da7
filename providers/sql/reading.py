"""What ``read`` returns for the SQL types: the history table, in the shape drift compares.

A database keeps no copy of a template's SQL, only the history rows (id, checksum, position)
each applied migration left, so read reports ``AppliedMigrations`` (id and checksum, in
order) and :func:`desired_view` gives the same list for the template's ``Migrations``: a
migration not applied yet, a history row removed or a checksum changed by hand all show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from providers.sql import migrations as engine

#: Inputs that reach the database but are not kept by it (credentials, TLS, snapshot and
#: delete switches); the SQL itself is compared through ``AppliedMigrations``.
NOT_READ = (
    "SecretArn",
    "SslMode",
    "DBInstanceIdentifier",
    "SnapshotBeforeMigrations",
    "DeleteStatements",
    "Migrations",
    "DbUser",
    "Host",
    "Port",
    "Database",
    "WorkgroupName",
    "ClusterIdentifier",
)


def history_view(applied: Iterable[engine.Applied]) -> list[dict[str, str]]:
    return [{"Id": a.id, "Checksum": a.checksum} for a in sorted(applied, key=lambda a: a.position)]


def desired_view(properties: Mapping[str, Any]) -> dict[str, Any]:
    wanted = engine.migrations_from(properties.get("Migrations") or [])
    return {
        "HistoryTable": engine.history_table(properties.get("HistoryTable")),
        "AppliedMigrations": [{"Id": m.id, "Checksum": m.checksum} for m in wanted],
    }


def read_result(table: str, applied: list[engine.Applied]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(properties, attributes) of a read."""
    view = history_view(applied)
    data = {
        "MigrationsApplied": len(view),
        "AppliedMigrationIds": ",".join(v["Id"] for v in view),
        "LastMigrationId": view[-1]["Id"] if view else "",
    }
    return {"HistoryTable": table, "AppliedMigrations": view, **data}, data


def parse_postgres_id(pid: str, prefix: str) -> tuple[str, str, int, str] | None:
    """(database, host, port, history table) of ``<prefix>:<db>@<host>:<port>:<table>:<owner>``."""
    if not pid.startswith(prefix + ":"):
        return None
    parts = pid[len(prefix) + 1 :].rsplit(":", 3)
    if len(parts) != 4 or "@" not in parts[0] or not parts[1].isdigit():
        return None
    database, host = parts[0].split("@", 1)
    return database, host, int(parts[1]), parts[2]


def parse_redshift_id(pid: str, prefix: str) -> tuple[str, str, str] | None:
    """(workgroup or cluster, database, history table) of ``<prefix>:<where>/<db>:<table>:<owner>``."""
    if not pid.startswith(prefix + ":"):
        return None
    parts = pid[len(prefix) + 1 :].rsplit(":", 2)
    if len(parts) != 3 or "/" not in parts[0]:
        return None
    where, database = parts[0].split("/", 1)
    return where, database, parts[1]
