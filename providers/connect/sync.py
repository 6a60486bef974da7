"""The agent-directory sync engine, shared by ``Custom::ConnectUserDirectory`` and the
``functions/agent_directory`` Lambda that runs on CSV uploads.

One sync: read the CSV from S3, validate it (any bad row stops everything before a write),
resolve profile and group names once, list the users this directory manages (one tag
filtered SearchUsers page per 500 users), diff, then walk the changes in username order.
Every Connect call is paced (:mod:`providers.connect.pacing`). When the caller's time runs short the
walk stops and returns a cursor (the last username handled) with the counts so far; the
next invocation re-reads, re-diffs and continues after the cursor. Re-diffing is what
makes resuming safe: work already done shows up as unchanged, and a row that failed is
simply tried again by the next sync.

Passwords of new CONNECT_MANAGED users: one Secrets Manager secret per user, named
``gapfill/connect/<instance id>/<username>`` and tagged with the directory's owner tag.
A per-user secret stays far below Secrets Manager's 64 KB limit for any directory size and
is deleted with its user.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from providers.connect import directory, pacing, passwords, resolve, users
from providers.connect.directory import ActualUser, Change, RowError
from providers.connect.guard import DeletionGuard, Plan
from providers.core import tag_keys
from providers.core.aws import error_code, error_message

MAX_FAILURES_KEPT = 20
MAX_CSV_BYTES = 10 * 1024 * 1024
SEARCH_PAGE = 500
#: Seconds kept free for wrapping up (state, response) when the time left is checked.
DEFAULT_MARGIN = 2.0


def from_search(item: dict[str, Any]) -> ActualUser:
    """A SearchUsers summary as the diff compares it: SearchUsers returns
    AfterContactWorkTimeLimit in milliseconds (its API reference says so), while rows,
    CreateUser and the update calls use seconds."""
    phone = dict(item.get("PhoneConfig") or {})
    if phone.get("AfterContactWorkTimeLimit") is not None:
        phone["AfterContactWorkTimeLimit"] = int(phone["AfterContactWorkTimeLimit"]) // 1000
    return ActualUser.from_search({**item, "PhoneConfig": phone})


class InvalidDirectoryError(Exception):
    """The CSV has problems; nothing was written. ``errors`` carry line numbers."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(summarise_errors(errors))


def summarise_errors(errors: list[RowError], limit: int = 25) -> str:
    shown = "; ".join(str(e) for e in errors[:limit])
    more = f"; and {len(errors) - limit} more" if len(errors) > limit else ""
    return f"the agent directory has {len(errors)} problem(s): {shown}{more}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0

    def as_data(self) -> dict[str, int]:
        return {
            "Created": self.created,
            "Updated": self.updated,
            "Deleted": self.deleted,
            "Unchanged": self.unchanged,
            "Failed": self.failed,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> Counts:
        data = data or {}
        return cls(
            created=int(data.get("Created", 0)),
            updated=int(data.get("Updated", 0)),
            deleted=int(data.get("Deleted", 0)),
            unchanged=int(data.get("Unchanged", 0)),
            failed=int(data.get("Failed", 0)),
        )

    def __str__(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.as_data().items())


@dataclass
class Progress:
    """Where a sync or removal stands; ``state`` is small JSON for a re-invocation."""

    done: bool
    counts: Counts
    failures: list[str] = field(default_factory=list)
    cursor: str | None = None
    remaining: int = 0
    mapping: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The plan's counts (``Plan.as_data``), kept across re-invocations for Data.
    plan: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> dict[str, Any]:
        return {
            "cursor": self.cursor,
            "counts": self.counts.as_data(),
            "failures": self.failures,
            "plan": self.plan,
        }


@dataclass
class SyncConfig:
    instance_id: str
    owner: str
    requests_per_second: float = pacing.DEFAULT_RATE
    default_routing_profile: str | None = None
    default_security_profiles: tuple[str, ...] = ()
    #: KMS key and readers of the password secrets (passwords.SecretProtection).
    protection: passwords.SecretProtection = field(default_factory=passwords.SecretProtection)
    margin_seconds: float = DEFAULT_MARGIN
    guard: DeletionGuard = field(default_factory=DeletionGuard)
    #: Seconds the whole sync may take (a stack operation's); None: as long as it needs (the
    #: upload function continues in as many invocations as it takes).
    time_budget: float | None = None


class DeletionRefusedError(Exception):
    """The deletion guard refused the plan; nothing was written. The message names the
    guard and the plan's counts."""

    def __init__(self, reason: str, plan: Plan) -> None:
        super().__init__(reason)
        self.plan = plan


def count_plan(changes: list[Change]) -> Plan:
    """The counts of a diff, for the guard and for the answer."""
    actions = [c.action for c in changes]
    return Plan(
        managed=sum(1 for c in changes if c.actual is not None),
        rows=sum(1 for c in changes if c.desired is not None),
        creates=actions.count("create"),
        updates=actions.count("update"),
        deletes=actions.count("delete"),
        unchanged=actions.count("unchanged"),
    )


class DirectoryTooLargeError(Exception):
    """The plan cannot finish within the sync's time budget at the allowed rate; nothing was
    written (a stack operation would time out after its hour and roll back what it made)."""


def minimum_seconds(changes: list[Change], rate: float) -> tuple[float, str, int]:
    """The least time a plan's Connect calls take at ``rate`` per API, with its busiest call
    and that call's count: each API has its own bucket (burst 5), so the busiest one bounds
    the walk from below. An update's parts are calls to different APIs."""
    calls: dict[str, int] = {}
    for change in changes:
        if change.action == "update":
            names = tuple(f"update {part}" for part in change.parts)
        else:
            names = {"create": ("CreateUser",), "delete": ("DeleteUser",)}.get(change.action, ())
        for name in names:
            calls[name] = calls.get(name, 0) + 1
    if not calls:
        return 0.0, "", 0
    busiest = max(sorted(calls), key=lambda name: calls[name])
    return max(calls[busiest] - pacing.DOCUMENTED_BURST, 0.0) / rate, busiest, calls[busiest]


def largest_new_directory(budget: float, rate: float) -> int:
    """How many new agents fit in ``budget`` seconds at ``rate`` CreateUser calls per second."""
    return int(budget * rate + pacing.DOCUMENTED_BURST)


class MappingNotOursError(Exception):
    """The mapping's key holds an object this directory did not write; it stays as it is."""


class _RowFailure(Exception):
    """A failure of one user that the sync reports and moves past."""


class AgentDirectory:
    """Sync one instance's managed users with a CSV (see the module docstring)."""

    def __init__(
        self,
        config: SyncConfig,
        client: Callable[[str], Any],
        time_left: Callable[[], float],
        keep_secret: Callable[[list[str]], None],
    ) -> None:
        self.config = config
        self.call = pacing.paced(client("connect"), config.requests_per_second)
        self.secrets = client("secretsmanager")
        self.guard = passwords.SecretGuard(self.secrets, client("sts"), config.protection)
        self.s3 = client("s3")
        self.time_left = time_left
        self.keep_secret = keep_secret
        self._identity_type: str | None = None

    # -- AWS plumbing --------------------------------------------------------------------
    @property
    def identity_type(self) -> str:
        if self._identity_type is None:
            found = self.call("describe_instance", InstanceId=self.config.instance_id)
            self._identity_type = str(found["Instance"].get("IdentityManagementType", "CONNECT_MANAGED"))
        return self._identity_type

    def managed_users(self) -> list[ActualUser]:
        """Every user carrying this directory's owner tag (never anyone else's)."""
        users: list[ActualUser] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "InstanceId": self.config.instance_id,
                "MaxResults": SEARCH_PAGE,
                "SearchFilter": {
                    "TagFilter": {
                        "TagCondition": {"TagKey": tag_keys.DIRECTORY, "TagValue": self.config.owner}
                    }
                },
            }
            if token:
                kwargs["NextToken"] = token
            page = self.call("search_users", **kwargs)
            for item in page.get("Users", []):
                if (item.get("Tags") or {}).get(tag_keys.DIRECTORY) == self.config.owner:
                    users.append(from_search(item))
            token = page.get("NextToken")
            if not token:
                return users

    def read_csv(self, bucket: str, key: str, version_id: str | None = None) -> str:
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        obj = self.s3.get_object(**kwargs)
        if int(obj.get("ContentLength") or 0) > MAX_CSV_BYTES:
            raise InvalidDirectoryError([RowError(1, f"the file is larger than {MAX_CSV_BYTES} bytes")])
        raw = obj["Body"].read()
        try:
            return str(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InvalidDirectoryError([RowError(1, f"the file is not UTF-8 text ({exc.reason})")]) from None

    # -- planning ------------------------------------------------------------------------
    def plan(self, text: str) -> list[Change]:
        """Validate and diff; raises InvalidDirectoryError (with line numbers) before any write."""
        parsed = directory.parse_csv(
            text,
            default_routing_profile=self.config.default_routing_profile,
            default_security_profiles=self.config.default_security_profiles,
            identity_type=self.identity_type,
        )
        resolver = resolve.Resolver(self.call, self.config.instance_id)
        desired, errors = directory.resolve_rows(parsed.rows, resolver)
        if parsed.errors or errors:
            # Names are resolved for the rows that parsed, so one round reports everything.
            raise InvalidDirectoryError(sorted(parsed.errors + errors, key=lambda e: e.line))
        return directory.diff(desired, self.managed_users())

    # -- the walk ------------------------------------------------------------------------
    def sync(
        self, bucket: str, key: str, version_id: str | None = None, state: dict[str, Any] | None = None
    ) -> Progress:
        """Run (or continue, from ``state``) a sync of the CSV at ``bucket``/``key``.

        A new sync is held to the deletion guard before any write (raises
        :class:`DeletionRefusedError`); a continuation carries on with the plan it accepted.
        """
        changes = self.plan(self.read_csv(bucket, key, version_id))
        if not state:
            plan = count_plan(changes)
            refusal = self.config.guard.refusal(plan)
            if refusal is not None:
                raise DeletionRefusedError(refusal, plan)
            self._check_time_budget(changes)
            state = {"plan": plan.as_data()}
        return self.apply(changes, state)

    def _check_time_budget(self, changes: list[Change]) -> None:
        budget, rate = self.config.time_budget, self.config.requests_per_second
        needed, call, count = minimum_seconds(changes, rate)
        if budget is None or needed <= budget:
            return
        raise DirectoryTooLargeError(
            f"the directory needs at least {needed:.0f} s of Connect calls ({count} {call} at {rate:g} "
            f"requests/s per API), more than the {budget:.0f} s this stack operation has left; nothing "
            f"was changed. Sync it with the agent directory function (functions/agent_directory: an "
            f"upload to the bucket, continued for as long as it takes), or create it in parts of at "
            f"most {largest_new_directory(budget, rate):,} new agents, or raise RequestsPerSecond once "
            "Connect has raised the account's API quota"
        )

    def apply(self, changes: list[Change], state: dict[str, Any]) -> Progress:
        cursor = state.get("cursor")
        progress = Progress(
            done=False,
            counts=Counts.from_data(state.get("counts")),
            failures=list(state.get("failures") or []),
            cursor=cursor,
            plan=dict(state.get("plan") or {}),
        )
        mapping: dict[str, tuple[str, str]] = {}
        todo = [c for c in changes if cursor is None or c.key > cursor]
        for change in changes:
            if cursor is not None and change.key <= cursor and change.actual and change.action != "delete":
                mapping[change.actual.username] = (change.actual.id, change.actual.arn)
        for index, change in enumerate(todo):
            if change.action != "unchanged" and self.time_left() < self.config.margin_seconds:
                progress.remaining = len(todo) - index
                progress.mapping = mapping
                return progress
            self._apply_one(change, progress, mapping)
            progress.cursor = change.key
        progress.done = True
        progress.mapping = mapping
        return progress

    def _apply_one(self, change: Change, progress: Progress, mapping: dict[str, tuple[str, str]]) -> None:
        counts = progress.counts
        try:
            if change.action == "unchanged":
                assert change.actual is not None
                counts.unchanged += 1
                mapping[change.actual.username] = (change.actual.id, change.actual.arn)
            elif change.action == "create":
                assert change.desired is not None
                made = self._create(change.desired)
                if made is None:
                    counts.unchanged += 1
                else:
                    counts.created += 1
                    mapping[change.desired.username] = made
            elif change.action == "update":
                assert change.desired is not None
                assert change.actual is not None
                self._update(change.desired, change.actual, change.parts)
                counts.updated += 1
                mapping[change.actual.username] = (change.actual.id, change.actual.arn)
            else:
                assert change.actual is not None
                self._delete(change.actual)
                counts.deleted += 1
        except _RowFailure as exc:
            self._failed(change, progress, str(exc))
        except Exception as exc:
            code = error_code(exc)
            if not code:
                raise
            operation = getattr(exc, "operation_name", "") or "AWS call"
            self._failed(change, progress, f"{operation} failed: {code}: {error_message(exc)}")
            if change.actual is not None and change.action != "delete":
                mapping[change.actual.username] = (change.actual.id, change.actual.arn)

    @staticmethod
    def _failed(change: Change, progress: Progress, message: str) -> None:
        progress.counts.failed += 1
        where = f"line {change.desired.line} " if change.desired is not None else ""
        if len(progress.failures) < MAX_FAILURES_KEPT:
            progress.failures.append(f"{where}{change.username}: {message}")

    # -- one user (the writes are providers.connect.users, shared with ConnectUser) -------
    def _ours(self, tags: Mapping[str, str]) -> bool:
        return tags.get(tag_keys.DIRECTORY) == self.config.owner

    def _create(self, want: directory.DesiredUser) -> tuple[str, str] | None:
        """Create a user (and its password secret); None when it turned out to exist already
        (a resumed sync whose earlier create the search index did not show yet): then it is
        brought up to date instead."""
        tags = {tag_keys.DIRECTORY: self.config.owner, tag_keys.IDENTITY_DIGEST: want.digest}
        password: str | None = None
        made_secret = False
        if self.identity_type == "CONNECT_MANAGED":
            password, made_secret = self._store_password(want.username)
        try:
            created = users.create(
                self.call,
                self.config.instance_id,
                want,
                tags,
                self._ours,
                password=password,
                abandon=(lambda: self._drop_secret(want.username)) if made_secret else None,
            )
        except users.NotOursError:
            raise _RowFailure(
                f"a user named '{want.username}' already exists in the instance and is not managed by "
                "this directory; it was left untouched"
            ) from None
        if created.adopted is None:
            return created.id, created.arn
        actual = from_search(created.adopted)
        parts = directory.changed_parts(want, actual)
        if parts:
            self._update(want, actual, parts)
        return None

    def _update(self, want: directory.DesiredUser, have: ActualUser, parts: tuple[str, ...]) -> None:
        def retag_digest() -> None:
            if have.tags.get(tag_keys.IDENTITY_DIGEST) != want.digest:
                self.call("tag_resource", resourceArn=have.arn, tags={tag_keys.IDENTITY_DIGEST: want.digest})

        users.update(self.call, self.config.instance_id, have.id, want, parts, {"identity": retag_digest})

    def _delete(self, have: ActualUser) -> None:
        self._drop_secret(have.username)
        users.delete(self.call, self.config.instance_id, have.id)

    # -- password secrets ----------------------------------------------------------------
    def _store_password(self, username: str) -> tuple[str, bool]:
        """A new password stored in the user's secret; True when the secret is new."""
        password = passwords.generate_password()
        self.keep_secret([password])
        name = passwords.secret_name(self.config.instance_id, username)
        value = passwords.secret_string(self.config.instance_id, username, password)
        opened = users.open_secret(
            self.secrets,
            name,
            value,
            f"Amazon Connect password of {username} (gapfill agent directory)",
            {
                tag_keys.DIRECTORY: self.config.owner,
                tag_keys.CONNECT_USER: f"{self.config.instance_id}/{username}",
            },
            self.config.protection,
        )
        if not opened.made:
            if not self._ours(opened.tags):
                raise _RowFailure(f"secret '{name}' exists and is not managed by this directory")
            self.secrets.put_secret_value(SecretId=name, SecretString=value)
        self.guard.protect(name)
        return password, opened.made

    def _drop_secret(self, username: str) -> None:
        """Delete the user's password secret if this directory made it."""
        name = passwords.secret_name(self.config.instance_id, username)
        users.delete_secret_if(self.secrets, name, self._ours)

    # -- removal and the mapping ---------------------------------------------------------
    def remove_all(self, state: dict[str, Any] | None = None) -> Progress:
        """Delete every user (and secret) this directory manages, and nothing else."""
        state = state or {}
        progress = Progress(done=False, counts=Counts.from_data(state.get("counts")))
        users = self.managed_users()
        for index, user in enumerate(users):
            if self.time_left() < self.config.margin_seconds:
                progress.remaining = len(users) - index
                return progress
            try:
                self._delete(user)
                progress.counts.deleted += 1
            except Exception as exc:
                if not error_code(exc):
                    raise
                progress.counts.failed += 1
                if len(progress.failures) < MAX_FAILURES_KEPT:
                    progress.failures.append(f"{user.username}: {error_code(exc)}: {error_message(exc)}")
        progress.done = True
        return progress

    def _mapping_head(self, bucket: str, key: str) -> dict[str, Any] | None:
        try:
            return dict(self.s3.head_object(Bucket=bucket, Key=key))
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                return None
            raise

    def check_mapping_writable(self, bucket: str, key: str) -> None:
        """Raise :class:`MappingNotOursError` when ``key`` holds an object this directory did
        not write: the mapping is never written over someone else's object (rule 6)."""
        head = self._mapping_head(bucket, key)
        if head is not None and head.get("Metadata", {}).get("gapfill-owner") != self.config.owner:
            raise MappingNotOursError(
                f"s3://{bucket}/{key} already holds an object this directory did not write"
            )

    def write_mapping(self, bucket: str, key: str, mapping: dict[str, tuple[str, str]]) -> None:
        self.check_mapping_writable(bucket, key)
        document = directory.mapping_document(self.config.instance_id, self.config.owner, mapping)
        self.s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=json.dumps(document, indent=1).encode(),
            ContentType="application/json",
            Metadata={"gapfill-owner": self.config.owner},
        )

    def remove_mapping(self, bucket: str, key: str) -> bool:
        """Delete the mapping object only if this directory wrote it."""
        head = self._mapping_head(bucket, key)
        if head is None or head.get("Metadata", {}).get("gapfill-owner") != self.config.owner:
            return False
        self.s3.delete_object(Bucket=bucket, Key=key)
        return True
