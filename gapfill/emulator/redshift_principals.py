"""Redshift's users, groups and roles, and the GRANT/REVOKE statements that name them.

DuckDB has no counterpart, so these statements are not executed: the emulator keeps the names
each database has made and refuses what Redshift refuses by name (a role created twice, a grant
to a role or group that does not exist, a schema that does not exist). Privileges themselves are
not enforced: every statement still runs with the rights of an administrator (written down in
docs/redshift-local.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gapfill.emulator import documented

_DG = "https://docs.aws.amazon.com/redshift/latest/dg/"

PRINCIPALS_RULE = documented.rule(
    id="redshift-data.principals",
    service="redshift-data",
    operations=("ExecuteStatement", "BatchExecuteStatement"),
    source=_DG + "r_CREATE_ROLE.html",
    fact=(
        "CREATE ROLE, CREATE USER and CREATE GROUP add a named principal to the database (a name "
        "that already exists is refused); DROP removes it; GRANT and REVOKE name a ROLE or GROUP "
        "that must exist (r_GRANT.html, r_REVOKE.html); users, groups and roles are database "
        "objects, not tables."
    ),
)
SCHEMA_RULE = documented.rule(
    id="redshift-data.grant-schema",
    service="redshift-data",
    operations=("ExecuteStatement", "BatchExecuteStatement"),
    source=_DG + "r_GRANT.html",
    fact=(
        "GRANT ... ON SCHEMA schema_name and ON ALL TABLES IN SCHEMA schema_name name an existing "
        "schema; ALTER DEFAULT PRIVILEGES IN SCHEMA schema_name as well "
        "(r_ALTER_DEFAULT_PRIVILEGES.html)."
    ),
)

_KINDS = ("ROLE", "USER", "GROUP")
_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_DEFINE = re.compile(rf"^(CREATE|DROP|ALTER)\s+(ROLE|USER|GROUP)\s+(IF\s+EXISTS\s+)?{_NAME}", re.I)
_ACCESS = re.compile(r"^(GRANT|REVOKE|ALTER\s+DEFAULT\s+PRIVILEGES)\b", re.I)
_GRANTEE = re.compile(rf"\b(?:TO|FROM)\s+(ROLE|GROUP)\s+{_NAME}", re.I)
_GRANTED_ROLE = re.compile(rf"^(?:GRANT|REVOKE)\s+ROLE\s+{_NAME}", re.I)
_SCHEMA = re.compile(rf"\b(?:ON|IN)\s+SCHEMA\s+{_NAME}", re.I)


@dataclass(frozen=True)
class Principal:
    kind: str  # ROLE, USER or GROUP
    name: str


def _name(raw: str) -> str:
    """Redshift folds unquoted identifiers to lower case; a quoted one is kept as written."""
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def handles(sql: str) -> bool:
    """Whether ``sql`` is a statement about principals or privileges (not run in DuckDB)."""
    text = sql.strip()
    return bool(_DEFINE.match(text) or _ACCESS.match(text))


def apply(sql: str, known: set[Principal], schema_exists: Callable[[str], bool]) -> str | None:
    """Apply one statement to ``known``; the error Redshift would give, or None."""
    text = " ".join(sql.split())
    defined = _DEFINE.match(text)
    if defined:
        verb, kind, if_exists, raw = defined.groups()
        return _define(verb.upper(), Principal(kind.upper(), _name(raw)), known, bool(if_exists))
    for kind, raw in _GRANTEE.findall(text) + [("ROLE", r) for r in _GRANTED_ROLE.findall(text)]:
        wanted = Principal(kind.upper(), _name(raw))
        if wanted not in known:
            return f'{wanted.kind.lower()} "{wanted.name}" does not exist'
    for raw in _SCHEMA.findall(text):
        if not schema_exists(_name(raw)):
            return f'schema "{_name(raw)}" does not exist'
    return None


def _define(verb: str, principal: Principal, known: set[Principal], if_exists: bool) -> str | None:
    shown = f'{principal.kind.lower()} "{principal.name}"'
    if verb == "CREATE":
        if principal in known:
            return f"{shown} already exists"
        known.add(principal)
        return None
    if principal not in known:
        return None if verb == "DROP" and if_exists else f"{shown} does not exist"
    if verb == "DROP":
        known.discard(principal)
    return None


__all__ = ["PRINCIPALS_RULE", "SCHEMA_RULE", "Principal", "apply", "handles"]
