"""Pure logic of bucket notifications: translation, normalisation, ownership and merging.

A bucket has ONE notification document, shared by everybody who configures the bucket
(other stacks, consoles, scripts). S3 only offers whole-document GET and PUT, so this
resource reads the document, swaps exactly the entries it owns and writes the rest back
as found. Everything here is free of AWS calls so that unit and property-based tests can
drive it directly.

Ownership is by exact configuration ``Id``, never by prefix. An entry's Id is either given
in the template or derived as ``gapfill-<sha256(owner, normalised content)>``. Derived ids
are self-verifying: an entry in the bucket is ours when recomputing the id from its own
content and our owner (stack id + logical id) gives back exactly its Id. That lets Delete
find what it owns from the physical id and the bucket alone, even when CloudFormation's
Delete properties are stale.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: Keys of the S3 API document this resource understands and writes back.
EVENTBRIDGE_KEY = "EventBridgeConfiguration"
ID_PREFIX = "gapfill-"
_ID_HEX = 32
_PID_EVENTBRIDGE = "eventbridge"

EventBridgeAction = Literal["keep", "enable", "disable"]


@dataclass(frozen=True)
class Kind:
    """One destination type, with its names in templates and in the S3 API."""

    template_key: str
    template_arn: str
    api_key: str
    api_arn: str


LAMBDA = Kind("LambdaConfigurations", "Function", "LambdaFunctionConfigurations", "LambdaFunctionArn")
QUEUE = Kind("QueueConfigurations", "Queue", "QueueConfigurations", "QueueArn")
TOPIC = Kind("TopicConfigurations", "Topic", "TopicConfigurations", "TopicArn")
KINDS: tuple[Kind, ...] = (LAMBDA, QUEUE, TOPIC)
API_KEYS: tuple[str, ...] = tuple(k.api_key for k in KINDS)


class ConfigError(ValueError):
    """A template problem S3 would reject later; the message starts with the property path."""


class OwnershipConflictError(ValueError):
    """An Id we want to write is already used by an entry we do not own."""


class AmbiguousConfigurationError(ValueError):
    """Two entries would both match one event: S3 refuses the whole document."""


class UnsafeWriteError(RuntimeError):
    """A computed document would lose or alter someone else's configuration (a bug guard)."""


@dataclass(frozen=True)
class Owner:
    """Who owns derived ids: one logical resource of one stack (stack ids carry a UUID)."""

    stack_id: str
    logical_id: str

    def derived_id(self, kind: Kind, entry: Mapping[str, Any]) -> str:
        material = "\x1f".join((self.stack_id, self.logical_id, content_key(kind, entry)))
        return ID_PREFIX + hashlib.sha256(material.encode()).hexdigest()[:_ID_HEX]

    def owns(self, kind: Kind, entry: Mapping[str, Any]) -> bool:
        """True when ``entry``'s Id is exactly the id we would derive from its content."""
        return entry.get("Id") == self.derived_id(kind, entry)


@dataclass(frozen=True)
class Entry:
    """One configuration in API shape (``Id``, ``QueueArn``, ``Events``, ``Filter``)."""

    kind: Kind
    body: dict[str, Any]
    #: Where a template entry came from (``NotificationConfiguration.QueueConfigurations[0]``).
    where: str = ""

    @property
    def id(self) -> str:
        return str(self.body["Id"])

    def describe(self) -> str:
        """The entry as a Reason names it: where (or its Id), destination, events, filter."""
        rules = {r["Name"]: r["Value"] for r in _rules_of(self.body)}
        parts = [f"{self.where} (Id {self.id})" if self.where else f"'{self.id}'"]
        parts.append(f"{self.kind.api_arn} {self.body.get(self.kind.api_arn, '')}")
        parts.append(" ".join(str(e) for e in self.body.get("Events") or []))
        parts.extend(f"{name} {value!r}" for name, value in sorted(rules.items()))
        return ", ".join(parts)


# -- normalisation ------------------------------------------------------------------------------


def normalise_rules(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Filter rules as S3 accepts them back: lower-case names, in a stable order.

    S3 returns ``Prefix``/``Suffix`` while templates (and moto) use ``prefix``/``suffix``;
    names are compared and written in lower case, rules sorted so order never matters.
    """
    out = [{"Name": str(r.get("Name", "")).lower(), "Value": str(r.get("Value", ""))} for r in rules]
    return sorted(out, key=lambda r: (r["Name"], r["Value"]))


def _rules_of(entry: Mapping[str, Any]) -> list[dict[str, str]]:
    filt = entry.get("Filter")
    if not isinstance(filt, Mapping):
        return []
    key = filt.get("Key")
    rules = key.get("FilterRules") if isinstance(key, Mapping) else None
    return normalise_rules(r for r in rules or [] if isinstance(r, Mapping))


def normalise_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An API entry with normalised filter rules and no empty Filter; other keys kept as found."""
    out = {k: copy.deepcopy(v) for k, v in entry.items() if k != "Filter"}
    rules = _rules_of(entry)
    if rules:
        out["Filter"] = {"Key": {"FilterRules": rules}}
    return out


def content_key(kind: Kind, entry: Mapping[str, Any]) -> str:
    """Canonical text of what an entry does (destination, events, filter), without its Id."""
    events = entry.get("Events") or []
    canonical = {
        "kind": kind.api_key,
        "arn": str(entry.get(kind.api_arn, "")),
        "events": sorted({str(e) for e in events}),
        "rules": _rules_of(entry),
    }
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"))


def normalise_document(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """The writable part of a GET answer: the three lists (normalised) and EventBridge.

    Response metadata and unknown keys are dropped; empty lists are omitted, as S3 omits them.
    """
    out: dict[str, Any] = {}
    document = document or {}
    for kind in KINDS:
        entries = document.get(kind.api_key) or []
        normalised = [normalise_entry(e) for e in entries if isinstance(e, Mapping)]
        if normalised:
            out[kind.api_key] = normalised
    if document.get(EVENTBRIDGE_KEY) is not None:
        out[EVENTBRIDGE_KEY] = {}
    return out


def eventbridge_on(document: Mapping[str, Any]) -> bool:
    return document.get(EVENTBRIDGE_KEY) is not None


def entries_of(document: Mapping[str, Any]) -> list[Entry]:
    return [
        Entry(kind, dict(e))
        for kind in KINDS
        for e in document.get(kind.api_key) or []
        if isinstance(e, Mapping)
    ]


# -- ambiguity ----------------------------------------------------------------------------------
# S3 refuses a document in which two entries (whatever their destinations) could both match
# one event: overlapping event types (equal, or s3:ObjectCreated:* and s3:ObjectCreated:Put),
# overlapping prefixes (one starts the other; none overlaps all) and overlapping suffixes (one
# ends the other; none overlaps all). S3 user guide, "Configuring event notifications using
# object key name filtering". Refusing before the PUT lets the Reason name both entries.


def _event_covers(general: str, specific: str) -> bool:
    return general == specific or (general.endswith(":*") and specific.startswith(general[:-1]))


def events_overlap(first: Iterable[str], second: Iterable[str]) -> bool:
    ours, theirs = [str(e) for e in first], [str(e) for e in second]
    return any(_event_covers(a, b) or _event_covers(b, a) for a in ours for b in theirs)


def _rule_value(entry: Mapping[str, Any], name: str) -> str:
    return next((r["Value"] for r in _rules_of(entry) if r["Name"] == name), "")


def ambiguous(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """True when one object event could match both entries (S3 would refuse them together)."""
    p1, p2 = _rule_value(first, "prefix"), _rule_value(second, "prefix")
    s1, s2 = _rule_value(first, "suffix"), _rule_value(second, "suffix")
    return (
        events_overlap(first.get("Events") or [], second.get("Events") or [])
        and (p1.startswith(p2) or p2.startswith(p1))
        and (s1.endswith(s2) or s2.endswith(s1))
    )


def ambiguity_reason(ours: Entry, other: Entry, *, theirs: bool) -> str:
    whose = "someone else's notification" if theirs else ""
    return (
        f"{ours.describe()} overlaps {whose} {other.describe()}: S3 refuses two notifications that "
        "can match the same event (overlapping event types with overlapping prefixes and suffixes: "
        "'Configuration is ambiguously defined'); give one of them a prefix or suffix that does "
        "not overlap the other's, or different events"
    ).replace("overlaps  ", "overlaps ")


def check_unambiguous(ours: Iterable[Entry], others: Iterable[Entry]) -> None:
    """Raise :class:`AmbiguousConfigurationError` naming ours and theirs for the first overlap."""
    others = list(others)
    for mine in ours:
        for other in others:
            if ambiguous(mine.body, other.body):
                raise AmbiguousConfigurationError(ambiguity_reason(mine, other, theirs=True))


# -- templates --------------------------------------------------------------------------------


def _path(kind: Kind, index: int, *rest: str) -> str:
    return ".".join(("NotificationConfiguration", f"{kind.template_key}[{index}]", *rest))


def _template_entry(kind: Kind, index: int, item: Mapping[str, Any], owner: Owner) -> Entry:
    arn = item.get(kind.template_arn)
    event = item.get("Event")
    if not isinstance(arn, str) or not arn:
        raise ConfigError(f"{_path(kind, index, kind.template_arn)}: required property is missing")
    if not isinstance(event, str) or not event:
        raise ConfigError(f"{_path(kind, index, 'Event')}: required property is missing")
    body: dict[str, Any] = {"Id": "", kind.api_arn: arn, "Events": [event]}
    filt = item.get("Filter")
    raw_rules = []
    if isinstance(filt, Mapping) and isinstance(filt.get("S3Key"), Mapping):
        raw_rules = [r for r in filt["S3Key"].get("Rules") or [] if isinstance(r, Mapping)]
    rules = normalise_rules(raw_rules)
    names = [r["Name"] for r in rules]
    for name in ("prefix", "suffix"):
        if names.count(name) > 1:
            where = _path(kind, index, "Filter", "S3Key", "Rules")
            raise ConfigError(f"{where}: more than one '{name}' rule; S3 allows one of each")
    if rules:
        body["Filter"] = {"Key": {"FilterRules": rules}}
    given = item.get("Id")
    body["Id"] = given if isinstance(given, str) and given else owner.derived_id(kind, body)
    return Entry(kind, body)


def desired_entries(configuration: Mapping[str, Any] | None, owner: Owner) -> list[Entry]:
    """Our entries, in API shape with their ids, from the template's NotificationConfiguration.

    Raises :class:`ConfigError` naming the property for what S3 would reject (duplicate ids,
    identical or overlapping configurations, two prefix rules), before anything is written.
    """
    out: list[Entry] = []
    seen_ids: dict[str, str] = {}
    seen_content: dict[str, str] = {}
    for kind in KINDS:
        for index, item in enumerate((configuration or {}).get(kind.template_key) or []):
            if not isinstance(item, Mapping):
                raise ConfigError(f"{_path(kind, index)}: must be an object")
            where = _path(kind, index)
            entry = Entry(kind, _template_entry(kind, index, item, owner).body, where)
            key = content_key(kind, entry.body)
            if key in seen_content:
                raise ConfigError(f"{where}: repeats {seen_content[key]}")
            if entry.id in seen_ids:
                raise ConfigError(f"{where}.Id: '{entry.id}' is also the Id of {seen_ids[entry.id]}")
            for earlier in out:
                if ambiguous(entry.body, earlier.body):
                    raise ConfigError(ambiguity_reason(entry, earlier, theirs=False))
            seen_content[key] = where
            seen_ids[entry.id] = where
            out.append(entry)
    return out


def lenient_ids(configuration: Any, owner: Owner) -> set[str]:
    """The ids a possibly stale or invalid configuration would own; broken entries skipped.

    Used for OldResourceProperties and Delete, which must never fail on their content.
    """
    ids: set[str] = set()
    if not isinstance(configuration, Mapping):
        return ids
    for kind in KINDS:
        items = configuration.get(kind.template_key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, Mapping):
                continue
            try:
                ids.add(_template_entry(kind, index, item, owner).id)
            except ConfigError:
                continue
    return ids


def wants_eventbridge(configuration: Any) -> bool:
    """True only when the template explicitly enables EventBridge."""
    if not isinstance(configuration, Mapping):
        return False
    eb = configuration.get("EventBridgeConfiguration")
    return isinstance(eb, Mapping) and eb.get("EventBridgeEnabled", True) is True


# -- merging ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """The document to PUT, and whether it differs from what S3 holds."""

    document: dict[str, Any]
    changed: bool
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


def merge(
    current: Mapping[str, Any] | None,
    *,
    owner: Owner,
    remove_ids: Iterable[str] = (),
    add: Iterable[Entry] = (),
    eventbridge: EventBridgeAction = "keep",
) -> Plan:
    """Swap our entries in ``current`` for ``add``; everything else is written back as found.

    Removed: entries whose Id is exactly in ``remove_ids`` or whose derived id proves they
    are ours. Added entries already present with identical content are kept (a repeated
    request is a no-op); an Id already used by someone else's entry raises
    :class:`OwnershipConflictError` rather than overwrite it, and an added entry that
    overlaps someone else's raises :class:`AmbiguousConfigurationError` naming both (S3 would
    refuse the document).
    """
    base = normalise_document(current)
    remove = set(remove_ids)
    kept: dict[str, list[dict[str, Any]]] = {k.api_key: [] for k in KINDS}
    removed: list[str] = []
    for entry in entries_of(base):
        if entry.body.get("Id") in remove or owner.owns(entry.kind, entry.body):
            removed.append(str(entry.body.get("Id")))
        else:
            kept[entry.kind.api_key].append(entry.body)
    remaining = {str(e.get("Id")): (k, e) for k, es in kept.items() for e in es}
    theirs = [Entry(kind, e) for kind in KINDS for e in kept[kind.api_key]]
    added: list[str] = []
    for entry in add:
        body = normalise_entry(entry.body)
        found = remaining.get(entry.id)
        if found is not None:
            kind_key, existing = found
            same = kind_key == entry.kind.api_key and content_key(entry.kind, existing) == content_key(
                entry.kind, body
            )
            if not same:
                raise OwnershipConflictError(
                    f"configuration Id '{entry.id}' is already used on this bucket by a notification "
                    "this resource does not own; choose another Id"
                )
            continue
        check_unambiguous([entry], theirs)
        kept[entry.kind.api_key].append(body)
        remaining[entry.id] = (entry.kind.api_key, body)
        added.append(entry.id)
    document: dict[str, Any] = {key: entries for key, entries in kept.items() if entries}
    on = eventbridge_on(base)
    if eventbridge == "enable" or (eventbridge == "keep" and on):
        document[EVENTBRIDGE_KEY] = {}
    _check_preserved(base, document, set(removed), eventbridge)
    return Plan(document=document, changed=meaning(document) != meaning(base), removed=removed, added=added)


def meaning(document: Mapping[str, Any]) -> tuple[frozenset[tuple[str, str]], bool]:
    """What a document does, whatever the order of its entries: S3 keeps no meaningful order,
    and a re-merge that only moves ours to the end must not count as a change (two of our
    resources on one bucket would otherwise rewrite each other forever)."""
    entries = frozenset((e.kind.api_key, json.dumps(e.body, sort_keys=True)) for e in entries_of(document))
    return entries, eventbridge_on(document)


def _check_preserved(
    before: Mapping[str, Any], after: Mapping[str, Any], removed: set[str], eventbridge: EventBridgeAction
) -> None:
    """Last guard before a PUT: nothing of anyone else's may be lost or altered."""
    survivors = {(e.kind.api_key, json.dumps(e.body, sort_keys=True)) for e in entries_of(after)}
    for entry in entries_of(before):
        if str(entry.body.get("Id")) in removed:
            continue
        if (entry.kind.api_key, json.dumps(entry.body, sort_keys=True)) not in survivors:
            raise UnsafeWriteError(f"refusing to write: notification '{entry.body.get('Id')}' would be lost")
    if eventbridge == "keep" and eventbridge_on(before) != eventbridge_on(after):
        raise UnsafeWriteError("refusing to write: EventBridge setting would change")


def owned_ids(document: Mapping[str, Any], owner: Owner, extra: Iterable[str] = ()) -> list[str]:
    """Ids in ``document`` that are ours (derived and verified, or listed in ``extra``)."""
    wanted = set(extra)
    return [
        e.id
        for e in entries_of(normalise_document(document))
        if e.body.get("Id") in wanted or owner.owns(e.kind, e.body)
    ]


# -- physical ids -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PhysicalId:
    """``<bucket>/<owner hash>``. Ids issued by earlier versions end in ``/eventbridge`` (this
    resource had turned EventBridge on, and Delete then turned it off); they still parse and
    round-trip unchanged through Updates, but nothing acts on the suffix any more: EventBridge
    is never switched off, because anyone may rely on it once it is on."""

    bucket: str
    owner_hash: str
    owns_eventbridge: bool = False

    def __str__(self) -> str:
        base = f"{self.bucket}/{self.owner_hash}"
        return f"{base}/{_PID_EVENTBRIDGE}" if self.owns_eventbridge else base

    @classmethod
    def parse(cls, text: str | None) -> PhysicalId | None:
        """None for anything this resource did not issue (nothing to clean up)."""
        parts = (text or "").split("/")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            return None
        if len(parts) == 3 and parts[2] != _PID_EVENTBRIDGE:
            return None
        return cls(parts[0], parts[1], len(parts) == 3)


#: Budget for the ``ConfigurationIds`` attribute, so that Data stays far below 4096 bytes.
MAX_IDS_ATTRIBUTE = 3000


def attributes(physical_id: str, entries: Iterable[Entry]) -> dict[str, str]:
    """``Fn::GetAtt`` values; too many ids for one response is a template error, found early."""
    joined = ",".join(e.id for e in entries)
    if len(joined) > MAX_IDS_ATTRIBUTE:
        raise ConfigError(
            f"NotificationConfiguration: the configuration ids take {len(joined)} characters, more than "
            f"the {MAX_IDS_ATTRIBUTE} that fit in a CloudFormation response; split the configurations "
            "across several resources"
        )
    return {"Id": physical_id, "ConfigurationIds": joined}


def owner_hash(owner: Owner) -> str:
    return hashlib.sha256(f"{owner.stack_id}\x1f{owner.logical_id}".encode()).hexdigest()[:16]
