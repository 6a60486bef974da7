"""``Custom::PostgresSql``: versioned schema migrations for RDS for PostgreSQL, over TLS.

The RDS Data API does not serve plain RDS for PostgreSQL, so this provider's function runs
inside the VPC and talks to the database with pg8000 (pure Python: the zip stays small).
Credentials come from Secrets Manager, in the format of RDS's managed master user secret
(``{"username", "password"}``) or of a user-made RDS secret (which adds ``host``, ``port``,
``dbname``, ``dbInstanceIdentifier``); properties win over the secret for the connection.

TLS is always on and verified (``verify-full``) against the RDS certificate bundle that the
providers' zip carries at ``certs/rds-ca-bundle.pem`` (beside ``providers/``; see
``gapfill/bundling/rdsca.py`` for where it comes from and how the build verifies it), or the PEM
file that ``GAPFILL_RDS_CA_BUNDLE`` names instead (tests and local runs name their server's CA). The one way
around it, for a local server only, is ``SslMode: disable`` together with the environment
variable ``GAPFILL_POSTGRES_ALLOW_PLAINTEXT_LOOPBACK=1`` and a loopback host.

Before new migrations run, ``SnapshotBeforeMigrations`` takes a manual DB snapshot named after
the stack and the first new migration, waits for it (``Pending``, so a slow snapshot continues
in a re-invocation) and reports it in Data. What runs is decided by
:mod:`providers.sql.migrations`; this module is the PostgreSQL driver and the AWS calls.
"""

from __future__ import annotations

import json
import os
import re
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from providers.core import tag_keys
from providers.core.aws import error_code
from providers.core.errors import ProviderError
from providers.core.ids import short_hash
from providers.core.provider import Outcome, Pending, Provider, ReadResult, Result
from providers.core.response import is_loopback
from providers.sql import migrations as engine
from providers.sql import reading

PID_PREFIX = "postgres-sql"
CA_BUNDLE_ENV = "GAPFILL_RDS_CA_BUNDLE"
PLAINTEXT_ENV = "GAPFILL_POSTGRES_ALLOW_PLAINTEXT_LOOPBACK"
#: Where the build puts the RDS bundle: the zip's root is the package's parent.
SHIPPED_BUNDLE = Path(__file__).resolve().parents[2] / "certs" / "rds-ca-bundle.pem"
_SNAPSHOT_CHARS = re.compile(r"[^a-z0-9-]+")


# -- pure logic -----------------------------------------------------------------------------------
def connection_settings(properties: Mapping[str, Any], secret: Mapping[str, Any]) -> dict[str, Any]:
    """host, port, database, user and password from the properties, then the secret."""
    user = secret.get("username")
    password = secret.get("password")
    if not user or not password:
        raise ProviderError("SecretArn: the secret must hold JSON with 'username' and 'password'")
    host = properties.get("Host") or secret.get("host")
    if not host:
        raise ProviderError("Host: required when the secret has no 'host' (RDS's managed secrets have none)")
    database = properties.get("Database") or secret.get("dbname") or "postgres"
    port = int(properties.get("Port") or secret.get("port") or 5432)
    return {
        "host": str(host),
        "port": port,
        "database": str(database),
        "user": str(user),
        "password": str(password),
    }


def tls_context(mode: str, host: str, environ: Mapping[str, str]) -> ssl.SSLContext | bool:
    """The TLS context to connect with; ``False`` (plaintext) only for a local server.

    Never ``None``: pg8000 reads None as "TLS if offered, certificate not verified"."""
    if mode == "disable":
        if environ.get(PLAINTEXT_ENV) != "1" or not is_loopback(host):
            raise ProviderError(
                f"SslMode: 'disable' is for a local test server only: it needs {PLAINTEXT_ENV}=1 "
                f"in the function's environment and a loopback Host (Host is '{host}')"
            )
        return False
    bundle = environ.get(CA_BUNDLE_ENV) or str(SHIPPED_BUNDLE)
    if not os.path.isfile(bundle):
        raise ProviderError(
            f"TLS to '{host}' needs the RDS certificate bundle: '{bundle}' is not a file (the providers' "
            f"zip carries it at certs/rds-ca-bundle.pem; {CA_BUNDLE_ENV} may name another PEM file)"
        )
    return ssl.create_default_context(cafile=bundle)


def snapshot_identifier(stack_name: str, migration_id: str, owner: str) -> str:
    """A DB snapshot id: letters, digits and single hyphens, starting with a letter, <= 255."""
    raw = f"{stack_name}-{migration_id}".lower()
    cleaned = _SNAPSHOT_CHARS.sub("-", raw).strip("-")
    cleaned = re.sub("-{2,}", "-", cleaned)[:200].strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "gapfill-" + cleaned
    return f"{cleaned}-{owner}"


def failure_from(exc: BaseException) -> engine.DatabaseFailure:
    """pg8000 carries PostgreSQL's error fields as a dict: M message, C SQLSTATE, P position."""
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    if not fields:
        return engine.DatabaseFailure(str(exc) or type(exc).__name__)
    position = fields.get("P")
    detail = f" ({fields['D']})" if fields.get("D") else ""
    return engine.DatabaseFailure(
        str(fields.get("M", "")) + detail, str(fields.get("C", "")), int(position) if position else None
    )


# -- the driver -----------------------------------------------------------------------------------
class PostgresTarget:
    """One connection; history in ``table``; each migration and its row in one transaction."""

    def __init__(self, settings: Mapping[str, Any], context: ssl.SSLContext | bool, table: str) -> None:
        import pg8000.native

        try:
            self.conn = pg8000.native.Connection(
                settings["user"],
                host=settings["host"],
                port=settings["port"],
                database=settings["database"],
                password=settings["password"],
                ssl_context=context,
                timeout=30,
                application_name="gapfill",
            )
        except Exception as exc:
            where = f"{settings['database']} at {settings['host']}:{settings['port']}"
            raise ProviderError(
                f"could not connect to PostgreSQL database {where}: {failure_from(exc).message}"
            ) from exc
        self.table = table
        self.settings = settings

    def close(self) -> None:
        self.conn.close()

    def prepare(self) -> list[engine.Applied]:
        """Create the history table if needed, lock against concurrent deploys, read it."""
        self.conn.run(f"SELECT pg_advisory_lock(hashtext('gapfill:{self.table}'))")
        self.conn.run(
            f"CREATE TABLE IF NOT EXISTS {self.table} (id varchar(255) PRIMARY KEY, "
            "checksum char(64) NOT NULL, position integer NOT NULL, statements integer NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        # The table name is spliced in only after history_table() checked it is an identifier.
        rows = self.conn.run(f"SELECT id, checksum, position FROM {self.table} ORDER BY position")  # noqa: S608
        return [engine.Applied(str(r[0]), str(r[1]).strip(), int(r[2])) for r in rows]

    def apply(self, migration: engine.Migration, position: int) -> None:
        self.conn.run("BEGIN")
        for index, statement in enumerate(migration.statements):
            try:
                self.conn.run(statement)
            except Exception as exc:
                self.conn.run("ROLLBACK")
                raise engine.StatementError(index, failure_from(exc)) from exc
        self.conn.run(
            f"INSERT INTO {self.table} (id, checksum, position, statements) VALUES (:i, :c, :p, :n)",  # noqa: S608
            i=migration.id,
            c=migration.checksum,
            p=position,
            n=len(migration.statements),
        )
        self.conn.run("COMMIT")

    def history(self) -> list[engine.Applied]:
        """The history rows, without creating the table or taking the deploy lock (a read)."""
        if self.conn.run("SELECT to_regclass(:t)", t=self.table)[0][0] is None:
            return []
        rows = self.conn.run(f"SELECT id, checksum, position FROM {self.table} ORDER BY position")  # noqa: S608
        return [engine.Applied(str(r[0]), str(r[1]).strip(), int(r[2])) for r in rows]

    def run_plain(self, statements: tuple[str, ...]) -> None:
        self.conn.run("BEGIN")
        for index, statement in enumerate(statements):
            try:
                self.conn.run(statement)
            except Exception as exc:
                self.conn.run("ROLLBACK")
                migration = engine.Migration("DeleteStatements", statements)
                raise engine.MigrationFailed(migration, index, failure_from(exc)) from exc
        self.conn.run(f"DROP TABLE IF EXISTS {self.table}")
        self.conn.run("COMMIT")


# -- the provider ---------------------------------------------------------------------------------
class PostgresSql(Provider):
    resource_type = "Custom::PostgresSql"
    #: A snapshot of a large instance can take long; CloudFormation allows an hour in all.
    max_wait_seconds = 3300.0

    def create(self) -> Outcome:
        return self._deploy()

    def update(self) -> Outcome:
        return self._deploy()

    def check(self, pending: Pending) -> Outcome:
        snapshot = str(pending.state["snapshot"])
        status = self._snapshot_status(snapshot)
        if status in ("creating", "pending", None):
            return pending
        if status != "available":
            raise ProviderError(
                f"DB snapshot '{snapshot}' went to status '{status}' before the migrations; none was applied",
                physical_id=pending.physical_id if self.operation != "Create" else None,
            )
        return self._deploy(snapshot_done=snapshot)

    def delete(self) -> None:
        statements = engine.split_statements("\n;\n".join(self.properties.get("DeleteStatements") or []))
        if not statements or not str(self.physical_id or "").startswith(PID_PREFIX + ":"):
            self.log.info("delete: the database and its data are left as they are", extra={"phase": "delete"})
            return
        target = self._connect()
        try:
            target.run_plain(statements)
        finally:
            target.close()

    # -- read -------------------------------------------------------------------------------------
    READ_VIEWS = ("AppliedMigrations",)
    NOT_READ = reading.NOT_READ

    def read(self) -> ReadResult | None:
        """The history table of the database the physical id names. The credentials are not in
        the physical id: ``SecretArn`` (and ``SslMode``) come from the desired properties."""
        parsed = reading.parse_postgres_id(str(self.physical_id or ""), PID_PREFIX)
        if parsed is None:
            return None
        if not self.properties.get("SecretArn"):
            raise ProviderError("read: SecretArn of the desired properties is needed to connect")
        database, host, port, table = parsed
        settings = {**self._settings(), "database": database, "host": host, "port": port}
        context = tls_context(str(self.properties.get("SslMode") or "verify-full"), host, os.environ)
        target = PostgresTarget(settings, context, table)
        try:
            props, data = reading.read_result(table, target.history())
        finally:
            target.close()
        return ReadResult(props, data)

    def desired_read(self) -> dict[str, Any]:
        return reading.desired_view(self.properties)

    # -- steps ------------------------------------------------------------------------------------
    def _pid(self, settings: Mapping[str, Any], table: str) -> str:
        if self.operation == "Update" and not self.replacing and self.physical_id:
            return str(self.physical_id)
        owner = short_hash(self.request.stack_id, self.request.logical_id)
        return f"{PID_PREFIX}:{settings['database']}@{settings['host']}:{settings['port']}:{table}:{owner}"

    def _connect(self) -> PostgresTarget:
        settings = self._settings()
        context = tls_context(
            str(self.properties.get("SslMode") or "verify-full"), settings["host"], os.environ
        )
        return PostgresTarget(settings, context, engine.history_table(self.properties.get("HistoryTable")))

    def _settings(self) -> dict[str, Any]:
        arn = str(self.properties["SecretArn"])
        try:
            text = self.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            secret = json.loads(text)
        except ValueError as exc:
            raise ProviderError("SecretArn: the secret is not JSON") from exc
        if not isinstance(secret, dict):
            raise ProviderError("SecretArn: the secret is not a JSON object")
        return connection_settings(self.properties, secret)

    def _deploy(self, snapshot_done: str | None = None) -> Outcome:
        wanted = engine.migrations_from(self.properties.get("Migrations") or [])
        table = engine.history_table(self.properties.get("HistoryTable"))
        target = self._connect()
        try:
            history = target.prepare()
            todo = engine.plan(wanted, history)
            pid = self._pid(target.settings, table)
            snapshot = snapshot_done
            if todo.pending and snapshot is None and self.properties.get("SnapshotBeforeMigrations"):
                snapshot = self._start_snapshot(todo.pending[0].id)
                return Pending(pid, f"DB snapshot {snapshot}", {"snapshot": snapshot})
            applied = engine.run(
                todo.pending,
                engine.next_position(history),
                target.apply,
                physical_id=pid if self.operation != "Create" else None,
            )
        finally:
            target.close()
        return Result(pid, self._data(wanted, applied, todo, snapshot))

    def _data(
        self, wanted: list[engine.Migration], applied: list[str], todo: engine.Plan, snapshot: str | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "MigrationsApplied": len(applied),
            "StatementsRun": todo.statements,
            "AppliedMigrationIds": ",".join(applied),
            "LastMigrationId": wanted[-1].id if wanted else "",
            "HistoryTable": engine.history_table(self.properties.get("HistoryTable")),
        }
        if snapshot:
            data["SnapshotIdentifier"] = snapshot
            data["SnapshotArn"] = self._snapshot_arn(snapshot)
        return data

    # -- RDS snapshots ----------------------------------------------------------------------------
    def _instance(self) -> str:
        instance = self.properties.get("DBInstanceIdentifier")
        if not instance:
            raise ProviderError("DBInstanceIdentifier: required with SnapshotBeforeMigrations")
        return str(instance)

    def _start_snapshot(self, first_migration: str) -> str:
        owner = short_hash(self.request.stack_id, self.request.logical_id, first_migration)
        name = snapshot_identifier(self.request.stack_name, first_migration, owner)
        try:
            self.client("rds").create_db_snapshot(
                DBSnapshotIdentifier=name,
                DBInstanceIdentifier=self._instance(),
                Tags=[{"Key": tag_keys.BEFORE_MIGRATION, "Value": first_migration[:256]}],
            )
        except Exception as exc:
            if error_code(exc) != "DBSnapshotAlreadyExists":  # a repeated request: the same snapshot
                raise ProviderError(f"DBInstanceIdentifier: CreateDBSnapshot '{name}' failed: {exc}") from exc
        return name

    def _snapshot_status(self, name: str) -> str | None:
        try:
            reply = self.client("rds").describe_db_snapshots(DBSnapshotIdentifier=name)
        except Exception as exc:
            if error_code(exc) == "DBSnapshotNotFound":
                return None
            raise
        snapshots = reply.get("DBSnapshots") or [{}]
        return str(snapshots[0].get("Status") or "").lower() or None

    def _snapshot_arn(self, name: str) -> str:
        reply = self.client("rds").describe_db_snapshots(DBSnapshotIdentifier=name)
        return str((reply.get("DBSnapshots") or [{}])[0].get("DBSnapshotArn", ""))
