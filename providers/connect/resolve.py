"""Routing profiles, security profiles and hierarchy groups named by name or by ARN.

Templates and CSV files read better with ``"Basic Routing Profile"`` than with an ARN, but
Connect's user APIs take ids. The pure part (:class:`Catalog`, :func:`resolve`) turns
either form into an id and explains failures; the thin AWS part (:func:`load_catalog`, and
:class:`Resolver`, the one resolver the user types share) lists an instance's profiles or
groups once per operation, so a thousand CSV rows naming the same profile cost one list
call, not a thousand. ARNs are read by :mod:`providers.connect.arns`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from providers.connect.arns import parse_arn

#: kind (as it appears in ARNs) -> (list operation, summary list key, readable name)
KINDS: dict[str, tuple[str, str, str]] = {
    "routing-profile": ("list_routing_profiles", "RoutingProfileSummaryList", "routing profile"),
    "security-profile": ("list_security_profiles", "SecurityProfileSummaryList", "security profile"),
    "agent-group": ("list_user_hierarchy_groups", "UserHierarchyGroupSummaryList", "hierarchy group"),
    "queue": ("list_queues", "QueueSummaryList", "queue"),
    "operating-hours": ("list_hours_of_operations", "HoursOfOperationSummaryList", "hours of operation"),
    "contact-flow": ("list_contact_flows", "ContactFlowSummaryList", "contact flow"),
    "flow-module": ("list_contact_flow_modules", "ContactFlowModulesSummaryList", "flow module"),
    "prompt": ("list_prompts", "PromptSummaryList", "prompt"),
    "agent-state": ("list_agent_statuses", "AgentStatusSummaryList", "agent status"),
    "transfer-destination": ("list_quick_connects", "QuickConnectSummaryList", "quick connect"),
}
#: Extra list parameters per kind: only standard queues have names worth looking up (each
#: agent's own queue is of type AGENT).
LIST_FILTERS: dict[str, dict[str, Any]] = {"queue": {"QueueTypes": ["STANDARD"]}}
_SHOW_AVAILABLE = 10


class ResolveError(ValueError):
    """A reference that names nothing (or more than one thing) in the instance."""


@dataclass
class Catalog:
    """An instance's routing profiles, security profiles or hierarchy groups, by name and id."""

    kind: str
    instance_id: str
    names: dict[str, list[str]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    arns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_summaries(cls, kind: str, instance_id: str, summaries: Iterable[Mapping[str, Any]]) -> Catalog:
        catalog = cls(kind, instance_id)
        for item in summaries:
            item_id = str(item["Id"])
            catalog.ids.add(item_id)
            if item.get("Arn"):
                catalog.arns[item_id] = str(item["Arn"])
            catalog.names.setdefault(str(item.get("Name", "")), []).append(item_id)
        return catalog

    def available(self) -> str:
        names = sorted(self.names)
        shown = ", ".join(f"'{n}'" for n in names[:_SHOW_AVAILABLE])
        more = f" and {len(names) - _SHOW_AVAILABLE} more" if len(names) > _SHOW_AVAILABLE else ""
        return shown + more if names else "none"


def resolve(value: str, kind: str, instance_id: str, catalog: Catalog | None) -> str:
    """The id that ``value`` (a name, an ARN or an id) refers to.

    An ARN must be of the right kind and inside the same instance; with a catalog it must
    also exist. A name must match exactly one entry: exact case first, then ignoring case.
    """
    readable = KINDS[kind][2]
    value = value.strip()
    if not value:
        raise ResolveError(f"an empty {readable} name")
    if value.startswith("arn:"):
        parsed = parse_arn(value)
        if parsed is None or parsed.kind != kind:
            raise ResolveError(f"'{value}' is not a {readable} ARN")
        if parsed.instance_id != instance_id:
            raise ResolveError(f"{readable} '{value}' belongs to another instance ({parsed.instance_id})")
        if catalog is not None and parsed.resource_id not in catalog.ids:
            raise ResolveError(f"{readable} '{value}' does not exist in instance {instance_id}")
        return parsed.resource_id
    if catalog is None:
        raise ResolveError(f"{readable} '{value}' is a name, and no list of {readable}s was loaded")
    exact = catalog.names.get(value, [])
    if not exact:
        folded = value.casefold()
        exact = [i for name, ids in catalog.names.items() if name.casefold() == folded for i in ids]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise ResolveError(f"{readable} name '{value}' is ambiguous ({len(exact)} match); use its ARN")
    if value in catalog.ids:
        return value
    raise ResolveError(
        f"{readable} '{value}' not found in instance {instance_id}; available: {catalog.available()}"
    )


def needs_catalog(values: Iterable[str | None]) -> bool:
    """Whether any reference is a name (ARNs resolve without listing)."""
    return any(v is not None and not v.strip().startswith("arn:") for v in values)


Caller = Callable[..., dict[str, Any]]


def load_catalog(call: Caller, instance_id: str, kind: str) -> Catalog:
    """List every entry of ``kind`` in the instance (paged) through ``call(operation, **kw)``."""
    operation, key, _ = KINDS[kind]
    summaries: list[Mapping[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"InstanceId": instance_id, "MaxResults": 1000, **LIST_FILTERS.get(kind, {})}
        if token:
            kwargs["NextToken"] = token
        page = call(operation, **kwargs)
        summaries.extend(page.get(key, []))
        token = page.get("NextToken")
        if not token:
            return Catalog.from_summaries(kind, instance_id, summaries)


class Resolver:
    """Names, ARNs or ids of one instance's entries -> ids, listing each kind at most once
    (an ARN resolves without listing). ``resolver(kind, value)`` raises ResolveError."""

    def __init__(self, call: Caller, instance_id: str) -> None:
        self.call = call
        self.instance_id = instance_id
        self.catalogs: dict[str, Catalog] = {}

    def __call__(self, kind: str, value: str) -> str:
        if not value.startswith("arn:") and kind not in self.catalogs:
            self.catalogs[kind] = load_catalog(self.call, self.instance_id, kind)
        return resolve(value, kind, self.instance_id, self.catalogs.get(kind))
