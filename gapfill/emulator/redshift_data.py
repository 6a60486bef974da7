"""The Redshift Data API with statements that really run, grafted onto moto's redshift-data.

moto records each statement and answers with canned results. Here every statement is parsed
as Redshift SQL (sqlglot's Redshift dialect: a statement Redshift's grammar refuses fails as
it would on Redshift) and executed in an in-memory DuckDB database, one per cluster or
workgroup and database, after transpiling to DuckDB's dialect, so a migration that refers to
a missing table or column fails locally too. BatchExecuteStatement runs its statements as one
transaction and reports each in SubStatements. A statement is STARTED on the first
DescribeStatement and done on the next, so callers must poll as they would on AWS.

What this model cannot check is listed in docs/redshift-local.md (Redshift-only types and
functions DuckDB lacks, DISTKEY/SORTKEY/ENCODE semantics, permissions, concurrency, ...).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gapfill.emulator import documented, redshift_principals

BATCH_RULE = documented.rule(
    id="redshift-data.batch-execute.one-transaction",
    service="redshift-data",
    operations=("BatchExecuteStatement", "DescribeStatement"),
    source="https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_BatchExecuteStatement.html",
    fact=(
        "BatchExecuteStatement runs one or more SQL statements, which can be data manipulation "
        "language (DML) or data definition language (DDL); the statements run as a single "
        "transaction. Each sub-statement's id is the batch id followed by a colon and its number "
        "(DescribeStatement SubStatements)."
    ),
)
TARGET_RULE = documented.rule(
    id="redshift-data.execute.target-and-credentials",
    service="redshift-data",
    operations=("BatchExecuteStatement", "ExecuteStatement"),
    source="https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html",
    fact=(
        "A statement runs on a provisioned cluster (ClusterIdentifier, authenticated with SecretArn "
        "or with temporary credentials for DbUser) or on a Serverless workgroup (WorkgroupName, "
        "with SecretArn or temporary credentials from the caller's IAM identity); Database is "
        "required with temporary credentials."
    ),
)
STATUS_RULE = documented.rule(
    id="redshift-data.describe.status",
    service="redshift-data",
    operations=("DescribeStatement",),
    source="https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_DescribeStatement.html",
    fact=(
        "Status is SUBMITTED, PICKED, STARTED, FINISHED, ABORTED or FAILED; a FAILED statement "
        "carries the error message returned by the database in Error."
    ),
)

_lock = threading.Lock()
_installed = False


@dataclass
class Sub:
    sql: str
    status: str = "SUBMITTED"
    error: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    has_result: bool = False


@dataclass
class Run:
    id: str
    target: dict[str, str]
    subs: list[Sub]
    batch: bool
    created: float
    describes: int = 0
    status: str = "FINISHED"
    error: str = ""

    def visible_status(self) -> str:
        return "STARTED" if self.describes <= 1 else self.status


class Databases:
    """One DuckDB database per (account, region, cluster or workgroup, database)."""

    def __init__(self) -> None:
        self.connections: dict[tuple[str, ...], Any] = {}
        self.runs: dict[str, Run] = {}
        #: users, groups and roles each database has made (keyed by its connection's id)
        self.principals: dict[int, set[redshift_principals.Principal]] = {}
        self.lock = threading.Lock()

    def connection(self, key: tuple[str, ...]) -> Any:
        import duckdb

        if key not in self.connections:
            self.connections[key] = duckdb.connect(":memory:")
        return self.connections[key]


STATE = Databases()


#: What one Redshift statement becomes: DuckDB SQL to run (and whether it returns rows), or,
#: for a statement about users, groups, roles or privileges, its Redshift text (``principal``).
Localised = tuple[str, bool, bool]


def localised(sql: str) -> list[Localised]:
    """Parse as Redshift (raising sqlglot's ParseError as Redshift would refuse the text) and
    transpile each statement to DuckDB, modelling what DuckDB lacks (see :func:`_localise`);
    principal statements are kept as written for :mod:`redshift_principals`."""
    import sqlglot

    out: list[Localised] = []
    for expression in sqlglot.parse(sql, read="redshift"):
        if expression is None:
            continue
        text = expression.sql(dialect="redshift")
        if redshift_principals.handles(text):
            out.append((text, False, True))
        else:
            out.extend((statement, query, False) for statement, query in _localise(expression))
    return out


def redshift_to_duckdb(sql: str) -> list[tuple[str, bool]]:
    """The DuckDB statements of ``sql`` (principal statements have none)."""
    return [(statement, query) for statement, query, principal in localised(sql) if not principal]


def _localise(expression: Any) -> list[tuple[str, bool]]:
    """IDENTITY(seed, step) becomes a sequence default; ENCODE, DISTKEY, SORTKEY and DISTSTYLE
    (storage layout, no meaning to results) are dropped, and so are primary key, unique and
    foreign key constraints, which Redshift does not enforce; SUPER is stored as JSON."""
    from sqlglot import exp

    before: list[str] = []
    if isinstance(expression, exp.Create) and expression.kind == "TABLE":
        before = _localise_table(expression)
    for data_type in expression.find_all(exp.DataType):
        if data_type.this == exp.DataType.Type.SUPER:
            data_type.set("this", exp.DataType.Type.JSON)
    query = isinstance(expression, exp.Query)
    return [*((b, False) for b in before), (expression.sql(dialect="duckdb"), query)]


def _localise_table(create: Any) -> list[str]:
    """Rewrite a CREATE TABLE in place; the statements that must run before it (sequences)."""
    from sqlglot import exp

    schema = create.this if isinstance(create.this, exp.Schema) else None
    table = schema.this if schema is not None else create.this
    table_name = table.name if isinstance(table, exp.Table) else "t"
    elements: list[Any] = list(schema.expressions) if schema is not None else []
    for element in elements:
        if isinstance(element, _table_constraints()):
            element.pop()
    before: list[str] = []
    for column in create.find_all(exp.ColumnDef):
        for constraint in list(column.constraints):
            kind = constraint.kind
            if isinstance(kind, (exp.EncodeColumnConstraint, *_column_constraints())):
                constraint.pop()
            elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
                before.append(_identity_sequence(f"{table_name}_{column.name}_identity", kind))
                sequence = exp.Literal.string(f"{table_name}_{column.name}_identity")
                constraint.set("kind", exp.DefaultColumnConstraint(this=exp.func("nextval", sequence)))
    properties = create.args.get("properties")
    if properties is not None:
        layout = (exp.DistStyleProperty, exp.DistKeyProperty, exp.SortKeyProperty)
        for prop in list(properties.expressions):
            if isinstance(prop, layout):
                prop.pop()
    return before


def _identity_sequence(sequence: str, identity: Any) -> str:
    start, step = identity.args.get("start"), identity.args.get("increment")
    return (
        f"CREATE SEQUENCE IF NOT EXISTS {sequence} START {start.name if start else 1} "
        f"INCREMENT {step.name if step else 1}"
    )


INFORMATIONAL_RULE = documented.rule(
    id="redshift-data.informational-constraints",
    service="redshift-data",
    operations=("ExecuteStatement", "BatchExecuteStatement"),
    source="https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html",
    fact=(
        "Uniqueness, primary key, and foreign key constraints are informational only; they are "
        "not enforced by Amazon Redshift. NOT NULL constraints are enforced."
    ),
)


def _column_constraints() -> tuple[type[Any], ...]:
    from sqlglot import exp

    return (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint, exp.Reference)


def _table_constraints() -> tuple[type[Any], ...]:
    from sqlglot import exp

    return (exp.PrimaryKey, exp.ForeignKey, exp.UniqueColumnConstraint, exp.Constraint)


def _schema_exists(connection: Any) -> Callable[[str], bool]:
    def exists(name: str) -> bool:
        found = connection.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?", [name]
        ).fetchone()
        return bool(found and found[0])

    return exists


def execute(run: Run, connection: Any) -> None:
    """Run a batch in one transaction; the first failure rolls everything back."""
    import sqlglot.errors

    known = STATE.principals.setdefault(id(connection), set())
    saved = set(known)  # principals made by a failed batch are rolled back with it
    connection.execute("BEGIN TRANSACTION")
    for index, sub in enumerate(run.subs):
        try:
            for statement, query, principal in localised(sub.sql):
                if principal:
                    refused = redshift_principals.apply(statement, known, _schema_exists(connection))
                    if refused:
                        raise RuntimeError(refused)
                    continue
                cursor = connection.execute(statement)
                if query and cursor.description:
                    sub.columns = [d[0] for d in cursor.description]
                    sub.rows = cursor.fetchall()
                    sub.has_result = True
            sub.status = "FINISHED"
        except sqlglot.errors.ParseError as exc:
            _fail(run, index, f"ERROR: syntax error: {str(exc).splitlines()[0]}")
            break
        except Exception as exc:
            _fail(run, index, f"ERROR: {str(exc).splitlines()[0]}")
            break
    if run.status == "FAILED":
        connection.execute("ROLLBACK")
        known.clear()
        known.update(saved)
    else:
        connection.execute("COMMIT")


def _fail(run: Run, index: int, message: str) -> None:
    run.status = "FAILED"
    run.error = message
    run.subs[index].status = "FAILED"
    run.subs[index].error = message
    for later in run.subs[index + 1 :]:
        later.status = "ABORTED"


def _target(params: dict[str, Any]) -> dict[str, str]:
    from moto.redshiftdata.exceptions import ValidationException

    cluster, workgroup = params.get("ClusterIdentifier"), params.get("WorkgroupName")
    if bool(cluster) == bool(workgroup):
        raise ValidationException(
            f"Either ClusterIdentifier or WorkgroupName must be given, not both ({TARGET_RULE.cite()})"
        )
    if cluster and not (params.get("SecretArn") or params.get("DbUser")):
        raise ValidationException(f"ClusterIdentifier needs SecretArn or DbUser ({TARGET_RULE.cite()})")
    if not params.get("SecretArn") and not params.get("Database"):
        raise ValidationException(f"Database is required with temporary credentials ({TARGET_RULE.cite()})")
    return {
        k: str(params[k])
        for k in ("ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn")
        if params.get(k)
    }


def _field(value: Any) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": str(value)}


class _Responses:
    """Handlers grafted onto moto's RedshiftDataAPIServiceResponse."""

    _get_param: Any
    current_account: str
    region: str

    def _submit(self, sqls: list[str], batch: bool) -> Any:
        params = {
            k: self._get_param(k)
            for k in ("ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn")
        }
        target = _target(params)
        now = datetime.now(UTC).timestamp()  # the JSON protocol's timestamps are epoch seconds
        run = Run(str(uuid.uuid4()), target, [Sub(s) for s in sqls], batch, now)
        key = (
            self.current_account,
            self.region,
            target.get("ClusterIdentifier") or target["WorkgroupName"],
            target.get("Database", "dev"),
        )
        with STATE.lock:
            execute(run, STATE.connection(key))
            STATE.runs[run.id] = run
        body = {"Id": run.id, "CreatedAt": now, "Database": target.get("Database"), **target}
        return 200, {}, json.dumps(body)

    def batch_execute_statement(self) -> Any:
        return self._submit([str(s) for s in self._get_param("Sqls") or []], batch=True)

    def execute_statement(self) -> Any:
        return self._submit([str(self._get_param("Sql") or "")], batch=False)

    def describe_statement(self) -> Any:
        from moto.redshiftdata.exceptions import ResourceNotFoundException

        statement_id = str(self._get_param("Id"))
        run = STATE.runs.get(statement_id.split(":", maxsplit=1)[0])
        if run is None:
            raise ResourceNotFoundException()
        with STATE.lock:
            run.describes += 1
        status = run.visible_status()
        body: dict[str, Any] = {
            "Id": run.id,
            "Status": status,
            "CreatedAt": run.created,
            "UpdatedAt": run.created,
            "HasResultSet": any(s.has_result for s in run.subs),
            "QueryString": "; ".join(s.sql for s in run.subs),
            **run.target,
        }
        if status == "FAILED":
            body["Error"] = run.error
        if run.batch:
            body["SubStatements"] = [
                {
                    "Id": f"{run.id}:{n}",
                    "Status": "STARTED" if status == "STARTED" else s.status,
                    "QueryString": s.sql,
                    "HasResultSet": s.has_result,
                    **({"Error": s.error} if s.error and status != "STARTED" else {}),
                }
                for n, s in enumerate(run.subs, start=1)
            ]
        return 200, {}, json.dumps(body)

    def get_statement_result(self) -> Any:
        from moto.redshiftdata.exceptions import ResourceNotFoundException, ValidationException

        statement_id = str(self._get_param("Id"))
        run_id, _, number = statement_id.partition(":")
        run = STATE.runs.get(run_id)
        if run is None:
            raise ResourceNotFoundException()
        if run.batch and not number:
            raise ValidationException("A batch's results are read per sub-statement (<id>:<n>)")
        position = int(number) if number.isdigit() else (0 if number else 1)
        if not 1 <= position <= len(run.subs):
            raise ResourceNotFoundException()
        sub = run.subs[position - 1]
        if not sub.has_result:
            raise ValidationException(
                "Query does not have result. Please check query status with DescribeStatement."
            )
        body = {
            "ColumnMetadata": [{"name": c, "label": c} for c in sub.columns],
            "Records": [[_field(v) for v in row] for row in sub.rows],
            "TotalNumRows": len(sub.rows),
        }
        return 200, {}, json.dumps(body)


def install() -> None:
    """Graft the executing handlers onto moto's redshift-data responses; idempotent."""
    global _installed  # noqa: PLW0603 - process-wide, like moto's own registries
    with _lock:
        if _installed:
            return
        from moto.redshiftdata.responses import RedshiftDataAPIServiceResponse

        for name, value in vars(_Responses).items():
            if not name.startswith("__") and callable(value):
                setattr(RedshiftDataAPIServiceResponse, name, value)
        _installed = True
