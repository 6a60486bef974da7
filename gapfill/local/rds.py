"""An ``AWS::RDS::DBInstance`` of engine PostgreSQL, stood in for by the embedded server.

``gapfill deploy --local`` plays only ``Custom::`` resources; a ``Custom::PostgresSql`` that
names an instance (``!GetAtt Db.Endpoint.Address``, ``Db.MasterUserSecret.SecretArn``, ``!Ref Db``)
gets what RDS would give it: a database of the template's ``DBName`` owned by its
``MasterUsername`` in the embedded PostgreSQL server (:mod:`gapfill.local.postgres`, started on
first use, so only when a template has such a resource), a managed-style secret named
``rds!db-...`` holding ``{"username", "password"}`` in the emulator's Secrets Manager, and the
instance itself in the emulator's RDS (so ``SnapshotBeforeMigrations`` finds it). The server's
own CA takes the place of the RDS certificate bundle (``GAPFILL_RDS_CA_BUNDLE``) for this
process. A new instance is empty, so a database left by an earlier play in the same process is
dropped first: the server and everything in it are throwaway.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from typing import Any

import boto3

from gapfill.local import postgres
from providers.sql.postgres import CA_BUNDLE_ENV

_IDENTIFIER = re.compile(r"[^a-z0-9-]+")


def is_postgres(props: dict[str, Any]) -> bool:
    return str(props.get("Engine", "")).lower() in ("postgres", "aurora-postgresql")


def identifier(stack: str, logical_id: str, props: dict[str, Any]) -> str:
    """The template's DBInstanceIdentifier, or one made as CloudFormation does (lower case)."""
    given = props.get("DBInstanceIdentifier")
    if given:
        return str(given).lower()
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:8]
    return _IDENTIFIER.sub("-", f"{stack}-{logical_id}".lower())[:50].strip("-") + f"-{digest}"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def prepare_database(server: postgres.Server, user: str, password: str, database: str) -> None:
    """The master user (as RDS makes it: may create roles and databases) and an empty database."""
    conn: Any = server.connect()
    try:
        exists = conn.run("SELECT 1 FROM pg_roles WHERE rolname = :n", n=user)
        verb = "ALTER" if exists else "CREATE"
        conn.run(f"{verb} ROLE {_quoted(user)} LOGIN CREATEROLE CREATEDB PASSWORD {_literal(password)}")
        if database != "postgres":
            conn.run(f"DROP DATABASE IF EXISTS {_quoted(database)} WITH (FORCE)")
            conn.run(f"CREATE DATABASE {_quoted(database)} OWNER {_quoted(user)}")
    finally:
        conn.close()


def db_instance(stack: str, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(Ref, attributes) of the stand-in instance; raises PostgresUnavailable without a server."""
    server = postgres.server()
    os.environ[CA_BUNDLE_ENV] = str(server.ca_file)
    name = identifier(stack, logical_id, props)
    user = str(props.get("MasterUsername") or "postgres")
    database = str(props.get("DBName") or "postgres")
    password = secrets.token_urlsafe(24)
    prepare_database(server, user, password, database)
    secret = boto3.client("secretsmanager").create_secret(
        Name=f"rds!db-{name}-{secrets.token_hex(4)}",
        SecretString=json.dumps({"username": user, "password": password}),
    )["ARN"]
    rds = boto3.client("rds")
    try:
        made = rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            DBInstanceClass=str(props.get("DBInstanceClass") or "db.t4g.micro"),
            MasterUsername=user,
            MasterUserPassword=password,
            AllocatedStorage=int(props.get("AllocatedStorage") or 20),
        )["DBInstance"]
    except rds.exceptions.DBInstanceAlreadyExistsFault:
        made = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    attributes = {
        "Endpoint.Address": server.host,
        "Endpoint.Port": str(server.port),
        "MasterUserSecret.SecretArn": secret,
        "DBInstanceArn": made.get("DBInstanceArn", ""),
        "DbiResourceId": made.get("DbiResourceId", ""),
    }
    return name, attributes
