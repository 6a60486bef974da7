"""The agent directory: CSV parsing and validation with line numbers, and the diff of the
desired agents against the users an instance already has.

Everything here is pure (no AWS), so that the rules a 1,000-row CSV is held to and the
decision "which rows cost a write" are unit-tested directly. :mod:`providers.connect.sync`
wraps it with the AWS calls.

Why a digest tag: Connect's SearchUsers returns, per user, the names, phone config, routing
profile, security profiles and hierarchy group, but not Email, SecondaryEmail or Mobile. Reading
those would take one DescribeUser per agent (minutes at Connect's ~2 requests per second), so
their digest is kept in a tag on each managed user and compared instead.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from providers.connect import user_rules
from providers.core import tag_keys
from providers.core.email_address import is_email
from providers.core.ids import short_hash

MAX_ROWS = 20000
MAX_SECURITY_PROFILES = 10
PARTS = ("identity", "phone", "routing", "security", "hierarchy")

#: Column -> what it holds; the documented CSV header (see docs/agent-directory-csv.md).
COLUMNS: dict[str, str] = {
    "Username": "login name; required; the key rows are matched on",
    "FirstName": "first name (up to 255 characters; required for CONNECT_MANAGED and SAML)",
    "LastName": "last name (up to 300 characters; required for CONNECT_MANAGED and SAML)",
    "Email": "email address",
    "SecondaryEmail": "secondary email address",
    "Mobile": "mobile number in E.164 format (+14155550100)",
    "PhoneType": "SOFT_PHONE (default) or DESK_PHONE",
    "AutoAccept": "true/false (default false)",
    "AfterContactWorkTimeLimit": "seconds of after-contact work, 0 or more (default 0)",
    "DeskPhoneNumber": "E.164 number; required when PhoneType is DESK_PHONE",
    "RoutingProfile": "routing profile name or ARN (default: DefaultRoutingProfile)",
    "SecurityProfiles": "security profile names or ARNs separated by ';' (default: DefaultSecurityProfiles)",
    "HierarchyGroup": "hierarchy group name or ARN (optional; empty removes the user from a group)",
    "DirectoryUserId": "directory user id (EXISTING_DIRECTORY instances only)",
}
_BY_FOLDED = {re.sub(r"[\s_\-]", "", name).casefold(): name for name in COLUMNS}
_SECONDS = re.compile(r"[0-9]{1,9}")  # ASCII digits only: '²'.isdigit() is True, int('²') raises
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")  # fullmatch: ASCII digits, no trailing newline
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": False}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class AgentRow:
    """One validated CSV row; profile and group references are still names or ARNs."""

    line: int
    username: str
    identity: Mapping[str, str]
    phone: Mapping[str, Any]
    routing_profile: str
    security_profiles: tuple[str, ...]
    hierarchy_group: str | None = None
    directory_user_id: str | None = None

    @property
    def key(self) -> str:
        return self.username.casefold()


@dataclass(frozen=True)
class DesiredUser:
    """A row with its references resolved to ids: what the user must look like."""

    line: int
    username: str
    identity: Mapping[str, str]
    phone: Mapping[str, Any]
    routing_profile_id: str
    security_profile_ids: frozenset[str]
    hierarchy_group_id: str | None
    directory_user_id: str | None = None

    @property
    def key(self) -> str:
        return self.username.casefold()

    @property
    def digest(self) -> str:
        return identity_digest(self.identity)


@dataclass(frozen=True)
class ActualUser:
    """A user as SearchUsers (a directory's users) or DescribeUser (a ConnectUser) returns it.

    ``digest`` is the identity digest to compare: the tag's for a search summary (which lacks
    Email, SecondaryEmail and Mobile), computed from the full IdentityInfo for a description.
    """

    id: str
    arn: str
    username: str
    first_name: str
    last_name: str
    phone: Mapping[str, Any]
    routing_profile_id: str
    security_profile_ids: frozenset[str]
    hierarchy_group_id: str | None
    tags: Mapping[str, str] = field(default_factory=dict)
    digest: str | None = None

    @property
    def key(self) -> str:
        return self.username.casefold()

    @classmethod
    def from_search(cls, item: Mapping[str, Any]) -> ActualUser:
        tags = dict(item.get("Tags") or {})
        return cls._from(item, tags.get(tag_keys.IDENTITY_DIGEST))

    @classmethod
    def from_describe(cls, item: Mapping[str, Any]) -> ActualUser:
        return cls._from(item, identity_digest(item.get("IdentityInfo") or {}))

    @classmethod
    def _from(cls, item: Mapping[str, Any], digest: str | None) -> ActualUser:
        identity = item.get("IdentityInfo") or {}
        return cls(
            id=str(item["Id"]),
            arn=str(item["Arn"]),
            username=str(item["Username"]),
            first_name=str(identity.get("FirstName") or ""),
            last_name=str(identity.get("LastName") or ""),
            phone=normal_phone(item.get("PhoneConfig") or {}),
            routing_profile_id=str(item.get("RoutingProfileId") or ""),
            security_profile_ids=frozenset(item.get("SecurityProfileIds") or ()),
            hierarchy_group_id=item.get("HierarchyGroupId") or None,
            tags=dict(item.get("Tags") or {}),
            digest=digest,
        )


@dataclass(frozen=True)
class Change:
    """What the sync does for one username: create, update (which parts), delete, or nothing."""

    key: str
    action: str
    desired: DesiredUser | None = None
    actual: ActualUser | None = None
    parts: tuple[str, ...] = ()

    @property
    def username(self) -> str:
        if self.desired is not None:
            return self.desired.username
        assert self.actual is not None
        return self.actual.username


@dataclass
class ParseResult:
    rows: list[AgentRow]
    errors: list[RowError]


def owner_value(stack_id: str, stack_name: str, logical_id: str) -> str:
    """The owner tag value of a directory: readable, and unique per stack and logical id.

    The stack id (which carries a UUID) is hashed in, so a stack deleted and recreated under
    the same name never adopts the users of its predecessor. Connect tag values allow
    letters, digits, spaces and ``_.:/=+-@``, and at most 256 characters.
    """
    clean = re.sub(r"[^\w.:/=+\-@]", "-", f"{stack_name[:80]}.{logical_id[:80]}")
    return f"{clean}.{short_hash(stack_id, logical_id, length=12)}"


def identity_digest(identity: Mapping[str, str]) -> str:
    """Digest of the identity fields SearchUsers does not return (see module docstring)."""
    material = "\x1f".join(str(identity.get(k) or "") for k in ("Email", "SecondaryEmail", "Mobile"))
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def normal_phone(phone: Mapping[str, Any]) -> dict[str, Any]:
    """A phone config with Connect's defaults filled in, so equal configs compare equal."""
    out: dict[str, Any] = {
        "PhoneType": str(phone.get("PhoneType") or "SOFT_PHONE"),
        "AutoAccept": bool(phone.get("AutoAccept", False)),
        "AfterContactWorkTimeLimit": int(phone.get("AfterContactWorkTimeLimit") or 0),
    }
    if phone.get("DeskPhoneNumber"):
        out["DeskPhoneNumber"] = str(phone["DeskPhoneNumber"])
    return out


def _records(text: str) -> Iterable[tuple[int, list[str]]]:
    """CSV records with the line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def parse_csv(
    text: str,
    *,
    default_routing_profile: str | None = None,
    default_security_profiles: Iterable[str] = (),
    identity_type: str = "CONNECT_MANAGED",
) -> ParseResult:
    """Validate an agent directory CSV; every problem is reported with its line number.

    Rows with problems are left out of ``rows``; callers refuse to write anything while
    ``errors`` is non-empty, so a typo never deletes an agent.
    """
    text = text.removeprefix("\ufeff")
    try:
        records = list(_records(text))
    except csv.Error as exc:
        return ParseResult([], [RowError(1, f"not a readable CSV file: {exc}")])
    records = [(line, rec) for line, rec in records if any(cell.strip() for cell in rec)]
    if not records:
        return ParseResult([], [RowError(1, "the file is empty; expected a header line with Username")])
    header_line, header = records[0]
    columns, errors = _columns(header_line, header)
    if errors:
        return ParseResult([], errors)
    if len(records) - 1 > MAX_ROWS:
        return ParseResult([], [RowError(header_line, f"more than {MAX_ROWS} agent rows")])
    ctx = RowContext(identity_type, default_routing_profile, tuple(s for s in default_security_profiles if s))
    return _rows(records[1:], columns, ctx)


def _columns(line: int, header: list[str]) -> tuple[list[str], list[RowError]]:
    """The header's cells as column names (forgiving case, spaces, ``_`` and ``-``)."""
    errors: list[RowError] = []
    columns: list[str] = []
    for cell in header:
        name = _BY_FOLDED.get(re.sub(r"[\s_\-]", "", cell).casefold())
        if name is None:
            errors.append(RowError(line, f"unknown column '{cell.strip()}'; known: {', '.join(COLUMNS)}"))
        elif name in columns:
            errors.append(RowError(line, f"column '{name}' appears twice"))
        columns.append(name or "")
    if "Username" not in columns:
        errors.append(RowError(line, "the header has no Username column"))
    return columns, errors


def _rows(records: list[tuple[int, list[str]]], columns: list[str], ctx: RowContext) -> ParseResult:
    """Every data record through :func:`_row`, and each username once."""
    errors: list[RowError] = []
    rows: list[AgentRow] = []
    seen: dict[str, int] = {}
    for line, record in records:
        if len(record) > len(columns):
            errors.append(RowError(line, f"{len(record)} fields, but the header has {len(columns)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(columns, record, strict=False)}
        row, problems = _row(line, values, ctx)
        if row is not None and row.key in seen:
            problems.append(f"Username '{row.username}' already appears on line {seen[row.key]}")
        if problems:
            errors.extend(RowError(line, p) for p in problems)
            continue
        assert row is not None
        seen[row.key] = line
        rows.append(row)
    return ParseResult(rows, errors)


@dataclass(frozen=True)
class RowContext:
    """What a row's rules depend on besides the row: the instance and the directory's defaults."""

    identity_type: str
    default_routing: str | None = None
    default_security: tuple[str, ...] = ()


#: One rule per column: the column's text (stripped, "" when absent) -> a problem or None.
ColumnRule = Callable[[str, RowContext], "str | None"]


def _at_most(name: str, limit: int) -> ColumnRule:
    return lambda v, _c: f"{name} is longer than {limit} characters" if len(v) > limit else None


def _email(name: str) -> ColumnRule:
    return lambda v, _c: f"{name} '{v}' is not an email address" if v and not is_email(v) else None


def _e164(name: str) -> ColumnRule:
    return lambda v, _c: (
        f"{name} '{v}' is not an E.164 number like +14155550100" if v and not _E164.fullmatch(v) else None
    )


def _phone_type(value: str) -> str:
    return (value or "SOFT_PHONE").upper().replace("-", "_").replace(" ", "_")


def _security(value: str, ctx: RowContext) -> tuple[str, ...]:
    named = tuple(dict.fromkeys(s.strip() for s in re.split(r"[;|]", value) if s.strip()))
    return named or ctx.default_security


def _check_phone_type(value: str, _ctx: RowContext) -> str | None:
    if _phone_type(value) in ("SOFT_PHONE", "DESK_PHONE"):
        return None
    return f"PhoneType '{value}' must be SOFT_PHONE or DESK_PHONE"


def _check_seconds(value: str, _ctx: RowContext) -> str | None:
    if _SECONDS.fullmatch(value or "0"):
        return None
    return f"AfterContactWorkTimeLimit '{value}' must be a whole number of seconds, 0 or more"


def _check_security(value: str, ctx: RowContext) -> str | None:
    security = _security(value, ctx)
    if not security:
        return "SecurityProfiles is empty and the directory has no DefaultSecurityProfiles"
    if len(security) > MAX_SECURITY_PROFILES:
        return f"SecurityProfiles names {len(security)} profiles; at most {MAX_SECURITY_PROFILES}"
    return None


COLUMN_RULES: dict[str, ColumnRule] = {
    "Username": lambda v, c: user_rules.username_problem(v, c.identity_type),
    "FirstName": _at_most("FirstName", 255),
    "LastName": _at_most("LastName", 300),
    "Email": _email("Email"),
    "SecondaryEmail": _email("SecondaryEmail"),
    "Mobile": _e164("Mobile"),
    "PhoneType": _check_phone_type,
    "AutoAccept": lambda v, _c: (
        None if v.casefold() in _BOOLEANS else f"AutoAccept '{v}' must be true or false"
    ),
    "AfterContactWorkTimeLimit": _check_seconds,
    "DeskPhoneNumber": _e164("DeskPhoneNumber"),
    "RoutingProfile": lambda v, c: (
        None
        if v or c.default_routing
        else "RoutingProfile is empty and the directory has no DefaultRoutingProfile"
    ),
    "SecurityProfiles": _check_security,
    "HierarchyGroup": lambda _v, _c: None,  # a name or ARN, resolved against the instance later
    "DirectoryUserId": lambda v, c: (
        "DirectoryUserId is only used by EXISTING_DIRECTORY instances"
        if v and c.identity_type != "EXISTING_DIRECTORY"
        else None
    ),
}


def _identity(values: Mapping[str, str]) -> dict[str, str]:
    names = ("FirstName", "LastName", "Email", "SecondaryEmail", "Mobile")
    return {name: values[name] for name in names if values.get(name)}


def _cross_column_problems(values: Mapping[str, str], ctx: RowContext) -> list[str]:
    """Rules that span columns: what CreateUser requires of IdentityInfo, and desk phones."""
    problems = user_rules.identity_problems(_identity(values), ctx.identity_type)
    if _phone_type(values.get("PhoneType", "")) == "DESK_PHONE" and not values.get("DeskPhoneNumber"):
        problems.append("DeskPhoneNumber is required when PhoneType is DESK_PHONE")
    return problems


def _row(line: int, values: Mapping[str, str], ctx: RowContext) -> tuple[AgentRow | None, list[str]]:
    """Every column's rule (COLUMN_RULES), then the cross-column ones; a row with problems is
    not built, so nothing downstream ever sees half-valid input."""
    problems = [p for column, rule in COLUMN_RULES.items() if (p := rule(values.get(column, ""), ctx))]
    problems.extend(_cross_column_problems(values, ctx))
    if problems:
        return None, problems
    phone = normal_phone(
        {
            "PhoneType": _phone_type(values.get("PhoneType", "")),
            "AutoAccept": _BOOLEANS[values.get("AutoAccept", "").casefold()],
            "AfterContactWorkTimeLimit": int(values.get("AfterContactWorkTimeLimit") or "0"),
            "DeskPhoneNumber": values.get("DeskPhoneNumber", ""),
        }
    )
    row = AgentRow(
        line=line,
        username=values.get("Username", ""),
        identity=_identity(values),
        phone=phone,
        routing_profile=values.get("RoutingProfile") or (ctx.default_routing or ""),
        security_profiles=_security(values.get("SecurityProfiles", ""), ctx),
        hierarchy_group=values.get("HierarchyGroup") or None,
        directory_user_id=values.get("DirectoryUserId") or None,
    )
    return row, []


Resolver = Callable[[str, str], str]


def resolve_rows(rows: Iterable[AgentRow], resolve: Resolver) -> tuple[list[DesiredUser], list[RowError]]:
    """Turn names and ARNs into ids with ``resolve(kind, value)`` (which raises ValueError)."""
    desired: list[DesiredUser] = []
    errors: list[RowError] = []
    for row in rows:
        problems: list[str] = []

        def one(kind: str, value: str, column: str, problems: list[str] = problems) -> str:
            try:
                return resolve(kind, value)
            except ValueError as exc:
                problems.append(f"{column}: {exc}")
                return ""

        routing = one("routing-profile", row.routing_profile, "RoutingProfile")
        security = frozenset(one("security-profile", s, "SecurityProfiles") for s in row.security_profiles)
        group = one("agent-group", row.hierarchy_group, "HierarchyGroup") if row.hierarchy_group else None
        if problems:
            errors.extend(RowError(row.line, p) for p in problems)
            continue
        desired.append(
            DesiredUser(
                line=row.line,
                username=row.username,
                identity=row.identity,
                phone=row.phone,
                routing_profile_id=routing,
                security_profile_ids=security,
                hierarchy_group_id=group,
                directory_user_id=row.directory_user_id,
            )
        )
    return desired, errors


def changed_parts(desired: DesiredUser, actual: ActualUser) -> tuple[str, ...]:
    """Which update calls ``actual`` needs to become ``desired`` (empty: unchanged)."""
    parts: list[str] = []
    if (
        desired.identity.get("FirstName", "") != actual.first_name
        or desired.identity.get("LastName", "") != actual.last_name
        or actual.digest != desired.digest
    ):
        parts.append("identity")
    if normal_phone(desired.phone) != normal_phone(actual.phone):
        parts.append("phone")
    if desired.routing_profile_id != actual.routing_profile_id:
        parts.append("routing")
    if desired.security_profile_ids != actual.security_profile_ids:
        parts.append("security")
    if (desired.hierarchy_group_id or None) != (actual.hierarchy_group_id or None):
        parts.append("hierarchy")
    return tuple(parts)


def diff(desired: Iterable[DesiredUser], actual: Iterable[ActualUser]) -> list[Change]:
    """Every username's change, in a stable order (a resumed sync continues from a cursor in it).

    ``actual`` must hold only the users this directory manages: anything absent from the
    desired set is deleted, so the caller filters by the owner tag.
    """
    wanted = {d.key: d for d in desired}
    present = {a.key: a for a in actual}
    changes: list[Change] = []
    for key in sorted(wanted.keys() | present.keys()):
        want, have = wanted.get(key), present.get(key)
        if want is not None and have is None:
            changes.append(Change(key, "create", desired=want))
        elif want is None and have is not None:
            changes.append(Change(key, "delete", actual=have))
        elif want is not None and have is not None:
            parts = changed_parts(want, have)
            changes.append(Change(key, "update" if parts else "unchanged", want, have, parts))
    return changes


def mapping_document(instance_id: str, owner: str, users: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """The username -> id mapping written to S3 (Data only points at it)."""
    return {
        "InstanceId": instance_id,
        "Owner": owner,
        "Users": {name: {"UserId": uid, "UserArn": arn} for name, (uid, arn) in sorted(users.items())},
    }


def default_mapping_key(key: str) -> str:
    """``agents/directory.csv`` -> ``agents/directory.mapping.json`` (not a .csv, so an
    upload trigger filtered on the .csv suffix never fires on it)."""
    stem = key[:-4] if key.lower().endswith(".csv") else key
    return f"{stem}.mapping.json"
