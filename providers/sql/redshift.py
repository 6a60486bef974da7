"""``Custom::RedshiftSql``: versioned schema migrations for Amazon Redshift over the Data API.

No function in the VPC and no driver: BatchExecuteStatement runs on a Serverless workgroup
(``WorkgroupName``) or a provisioned cluster (``ClusterIdentifier``), authenticated with
``SecretArn`` or temporary credentials (``DbUser`` on a cluster, the function's IAM identity
on a workgroup). The Data API is asynchronous, so every step is a batch submitted, then
polled with DescribeStatement through the engine's ``Pending`` (continuing in a
re-invocation when the Lambda deadline nears):

1. ``history``: create the history table if needed and read it (one batch);
2. ``migrate``: one batch per new migration: its statements and its history row, which the
   Data API runs as one transaction, so a failure applies nothing of that migration.

What runs is decided by :mod:`providers.sql.migrations`. Each batch has a ClientToken
derived from the request and the migration, so a repeated request does not run it twice.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from providers.core.errors import ProviderError
from providers.core.ids import short_hash
from providers.core.provider import Outcome, Pending, Provider, ReadResult, Result
from providers.sql import migrations as engine
from providers.sql import reading

PID_PREFIX = "redshift-sql"
RUNNING = ("SUBMITTED", "PICKED", "STARTED")


# -- pure logic -----------------------------------------------------------------------------------
def quote(value: str) -> str:
    """A Redshift string literal (BatchExecuteStatement takes no parameters)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def history_sql(table: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {table} (id varchar(255) NOT NULL, checksum char(64) NOT NULL, "
        "position integer NOT NULL, statements integer NOT NULL)",
        f"SELECT id, checksum, position FROM {table} ORDER BY position",  # noqa: S608 - checked name
    ]


def migration_sql(migration: engine.Migration, position: int, table: str) -> list[str]:
    record = (
        f"INSERT INTO {table} (id, checksum, position, statements) VALUES "  # noqa: S608 - checked name
        f"({quote(migration.id)}, {quote(migration.checksum)}, {position}, {len(migration.statements)})"
    )
    return [*migration.statements, record]


def rows_to_applied(records: list[list[Mapping[str, Any]]]) -> list[engine.Applied]:
    applied = []
    for row in records:
        values = [next(iter(f.values())) if f else None for f in row]
        applied.append(engine.Applied(str(values[0]), str(values[1]).strip(), int(str(values[2]))))
    return applied


def failed_sub_statement(description: Mapping[str, Any]) -> tuple[int, str]:
    """(0-based index, error) of the sub-statement that failed a batch."""
    for index, sub in enumerate(description.get("SubStatements") or []):
        if sub.get("Status") == "FAILED":
            return index, str(sub.get("Error") or description.get("Error") or "")
    return -1, str(description.get("Error") or "the batch failed without an error message")


def target_parameters(properties: Mapping[str, Any]) -> dict[str, str]:
    """Where and as whom statements run, checked as the Data API documents it."""
    workgroup, cluster = properties.get("WorkgroupName"), properties.get("ClusterIdentifier")
    if bool(workgroup) == bool(cluster):
        raise ProviderError(
            "WorkgroupName: give exactly one of WorkgroupName (Serverless) and ClusterIdentifier"
        )
    secret, user = properties.get("SecretArn"), properties.get("DbUser")
    if secret and user:
        raise ProviderError("DbUser: give SecretArn or DbUser, not both")
    if cluster and not (secret or user):
        raise ProviderError("ClusterIdentifier: a provisioned cluster needs SecretArn or DbUser")
    if user and not cluster:
        raise ProviderError(
            "DbUser: temporary credentials for a database user exist on provisioned clusters only"
        )
    params = {"Database": str(properties["Database"])}
    for key, value in (
        ("WorkgroupName", workgroup),
        ("ClusterIdentifier", cluster),
        ("SecretArn", secret),
        ("DbUser", user),
    ):
        if value:
            params[key] = str(value)
    return params


# -- the provider ---------------------------------------------------------------------------------
class RedshiftSql(Provider):
    resource_type = "Custom::RedshiftSql"

    def create(self) -> Outcome:
        return self._read_history()

    def update(self) -> Outcome:
        return self._read_history()

    def delete(self) -> Outcome | None:
        statements = engine.split_statements("\n;\n".join(self.properties.get("DeleteStatements") or []))
        if not statements or not str(self.physical_id or "").startswith(PID_PREFIX + ":"):
            self.log.info("delete: the database and its data are left as they are", extra={"phase": "delete"})
            return None
        sqls = [*statements, f"DROP TABLE IF EXISTS {self._table()}"]
        statement_id = self._submit(sqls, "delete")
        return self.check(
            Pending(str(self.physical_id), "delete statements", {"phase": "delete", "id": statement_id})
        )

    def check(self, pending: Pending) -> Outcome:
        state = pending.state
        description = self.client("redshift-data").describe_statement(Id=state["id"])
        status = description.get("Status")
        if status in RUNNING:
            return pending
        phase = state["phase"]
        if status != "FINISHED":
            self._fail(pending, description)
        if phase == "delete":
            return Result(pending.physical_id)
        if phase == "history":
            return self._start_migrations(pending, description)
        applied = [*state["applied"], state["migration"]]
        return self._next(
            pending.physical_id, state["pending"], applied, int(state["position"]) + 1, state["total"]
        )

    # -- read -------------------------------------------------------------------------------------
    READ_VIEWS = ("AppliedMigrations",)
    NOT_READ = reading.NOT_READ

    def read(self) -> ReadResult | None:
        """The history table, read with one SELECT (the table is never created by a read). The
        Data API needs to know as whom to run it: ``SecretArn``/``DbUser`` come from the
        desired properties (a workgroup needs neither); where and which database from the id."""
        parsed = reading.parse_redshift_id(str(self.physical_id or ""), PID_PREFIX)
        if parsed is None:
            return None
        where, database, table = parsed
        kind = "ClusterIdentifier" if self.properties.get("ClusterIdentifier") else "WorkgroupName"
        others = {k: v for k, v in self.properties.items() if k not in ("ClusterIdentifier", "WorkgroupName")}
        params = target_parameters({**others, kind: where, "Database": database})
        statement = f"SELECT id, checksum, position FROM {table} ORDER BY position"  # noqa: S608 - checked name
        data_api = self.client("redshift-data")
        statement_id = data_api.batch_execute_statement(
            Sqls=[statement], StatementName="gapfill-read", **params
        )["Id"]
        description = self._wait(statement_id)
        if description.get("Status") != "FINISHED":
            error = failed_sub_statement(description)[1]
            if "does not exist" not in error:
                raise ProviderError(f"read: Redshift refused the history query: {error}")
            return ReadResult(*reading.read_result(table, []))
        subs = description.get("SubStatements") or []
        reply = data_api.get_statement_result(Id=subs[-1]["Id"] if subs else f"{statement_id}:1")
        return ReadResult(*reading.read_result(table, rows_to_applied(reply.get("Records") or [])))

    def _wait(self, statement_id: str) -> dict[str, Any]:
        delay = 0.05
        while True:
            description = dict(self.client("redshift-data").describe_statement(Id=statement_id))
            if description.get("Status") not in RUNNING or self.deadline.invocation_left() < 1:
                return description
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def desired_read(self) -> dict[str, Any]:
        return reading.desired_view(self.properties)

    # -- steps ------------------------------------------------------------------------------------
    def _table(self) -> str:
        return engine.history_table(self.properties.get("HistoryTable"))

    def _wanted(self) -> list[engine.Migration]:
        return engine.migrations_from(self.properties.get("Migrations") or [])

    def _pid(self) -> str:
        if self.operation == "Update" and not self.replacing and self.physical_id:
            return str(self.physical_id)
        params = target_parameters(self.properties)
        where = params.get("WorkgroupName") or params.get("ClusterIdentifier")
        owner = short_hash(self.request.stack_id, self.request.logical_id)
        return f"{PID_PREFIX}:{where}/{params['Database']}:{self._table()}:{owner}"

    def _submit(self, sqls: list[str], purpose: str) -> str:
        reply = self.client("redshift-data").batch_execute_statement(
            Sqls=sqls,
            ClientToken=self.client_token(purpose)[:64],
            StatementName=f"gapfill-{purpose}"[:500],
            **target_parameters(self.properties),
        )
        return str(reply["Id"])

    def _read_history(self) -> Outcome:
        self._wanted()  # refuse a bad list before anything runs
        pid = self._pid()
        statement_id = self._submit(history_sql(self._table()), "history")
        return self.check(Pending(pid, "the history table", {"phase": "history", "id": statement_id}))

    def _start_migrations(self, pending: Pending, description: Mapping[str, Any]) -> Outcome:
        subs = description.get("SubStatements") or []
        result_id = subs[-1]["Id"] if subs else f"{pending.state['id']}:2"
        reply = self.client("redshift-data").get_statement_result(Id=result_id)
        history = rows_to_applied(reply.get("Records") or [])
        todo = engine.plan(self._wanted(), history)
        total = todo.statements
        return self._next(
            pending.physical_id, [m.id for m in todo.pending], [], engine.next_position(history), total
        )

    def _next(self, pid: str, queue: list[str], applied: list[str], position: int, total: int) -> Outcome:
        remaining = [m for m in queue if m not in applied]
        if not remaining:
            return Result(pid, self._data(applied, total))
        by_id = {m.id: m for m in self._wanted()}
        migration = by_id[remaining[0]]
        statement_id = self._submit(
            migration_sql(migration, position, self._table()), f"migrate:{migration.id}"
        )
        state = {
            "phase": "migrate",
            "id": statement_id,
            "migration": migration.id,
            "pending": queue,
            "applied": applied,
            "position": position,
            "total": total,
        }
        return Pending(pid, f"migration {migration.id}", state)

    def _fail(self, pending: Pending, description: Mapping[str, Any]) -> None:
        index, error = failed_sub_statement(description)
        keep = pending.physical_id if self.operation != "Create" else None
        state = pending.state
        if state["phase"] != "migrate":
            raise ProviderError(
                f"Redshift refused the {state['phase']} statements: {error}", physical_id=keep
            )
        migration = {m.id: m for m in self._wanted()}[state["migration"]]
        if index >= len(migration.statements):
            raise ProviderError(
                f"migration '{migration.id}' ran but its history row failed: {error}", physical_id=keep
            )
        raise engine.MigrationFailed(
            migration, index, engine.DatabaseFailure(error), applied_before=state["applied"], physical_id=keep
        )

    def _data(self, applied: list[str], total: int) -> dict[str, Any]:
        wanted = self._wanted()
        return {
            "MigrationsApplied": len(applied),
            "StatementsRun": total,
            "AppliedMigrationIds": ",".join(applied),
            "LastMigrationId": wanted[-1].id if wanted else "",
        }
