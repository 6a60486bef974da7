"""``gapfill flows check``'s logic: flow files checked against the documented Flow language,
and optionally every reference they hold against a Connect instance.

The language rules are the emulator's (:mod:`gapfill.emulator.connect.flow_language`, written
from AWS's Flow language pages), so a file this check accepts is one the emulator accepts and
the documentation allows. A file may hold flow content as exported (``Version``,
``StartAction``, ``Actions``), or a DescribeContactFlow answer or ``{Name, Type, Content}``
envelope, whose ``Content`` is checked and whose ``Type`` is the flow type.

Instance checks list each kind of resource once (queues, flows, prompts, hours, Lambda
functions, flow modules, agents, Lex V2 bots) and look every static ID or ARN up by id or
ARN; a kind that cannot be listed is reported as not checked rather than as a problem.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapfill.emulator.connect import flow_language

#: SOURCES.tsv notes that mark a corpus file as not Flow-language content, and why.
EXCLUDED_NOTES = (
    (
        "template",
        "an unrendered template of another tool: its placeholders ({{...}}, ${X}) stand where ARNs go",
    ),
    (
        "cfn-fn-sub",
        "an unrendered CloudFormation Fn::Sub template: ${AWS::Region} and friends stand in its ARNs",
    ),
    (
        "legacy-console-export",
        "the legacy console export format (modules, start, metadata), not Flow language",
    ),
)


@dataclass(frozen=True)
class FlowFile:
    """What a file holds: content to check and, when the file says it, the flow type."""

    path: str
    content: str
    flow_type: str | None


@dataclass
class Finding:
    """One line of output: a problem (``problem=True``) or a note about what was not checked."""

    where: str
    message: str
    problem: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Result:
    path: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]


def load(path: Path, flow_type: str | None = None) -> FlowFile:
    """Read a flow file; unwrap a DescribeContactFlow answer or a Name/Type/Content envelope."""
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except ValueError:
        return FlowFile(str(path), text, flow_type)
    if isinstance(document, dict) and isinstance(document.get("ContactFlow"), dict):
        document = document["ContactFlow"]
    if isinstance(document, dict) and isinstance(document.get("Content"), str) and "Actions" not in document:
        declared = document.get("Type")
        return FlowFile(
            str(path), document["Content"], flow_type or (declared if isinstance(declared, str) else None)
        )
    return FlowFile(str(path), text, flow_type)


def check_language(flow: FlowFile) -> Result:
    """Every documented problem of the file, each named by its action identifier."""
    result = Result(flow.path)
    for problem in flow_language.validate(flow.content, flow.flow_type):
        where = f"{flow.path}: action {problem.identifier}" if problem.identifier is not None else flow.path
        result.findings.append(Finding(where, problem.message))
    if flow.flow_type is None:
        result.findings.append(
            Finding(flow.path, "no flow type given (--type): actions were not checked against one", False)
        )
    return result


#: Reference kind -> (Connect list operation, summary list key, extra arguments), or a lister.
_LISTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "queue": ("list_queues", "QueueSummaryList", {}),
    "contact-flow": ("list_contact_flows", "ContactFlowSummaryList", {}),
    "prompt": ("list_prompts", "PromptSummaryList", {}),
    "operating-hours": ("list_hours_of_operations", "HoursOfOperationSummaryList", {}),
    "flow-module": ("list_contact_flow_modules", "ContactFlowModulesSummaryList", {}),
    "agent": ("list_users", "UserSummaryList", {}),
}
_LABELS = {
    "queue": "queue",
    "contact-flow": "flow",
    "prompt": "prompt",
    "operating-hours": "hours of operation",
    "flow-module": "flow module",
    "agent": "agent",
    "lambda": "Lambda function associated with",
    "lex-bot-alias": "Lex V2 bot alias associated with",
    "view": "view",
}


@dataclass(frozen=True)
class Listing:
    """One kind of resource in the instance: every id and ARN, and name -> ARN."""

    ids: frozenset[str]
    names: Mapping[str, str]


Catalog = Callable[[str], Listing | None]
#: gapfill placeholder kind (providers.connect.placeholders) -> reference kind.
PLACEHOLDER_KINDS = {
    "Queue": "queue",
    "Flow": "contact-flow",
    "Prompt": "prompt",
    "Hours": "operating-hours",
    "Lambda": "lambda",
    "Module": "flow-module",
    "Agent": "agent",
}


def connect_catalog(connect: Any, instance_id: str) -> Catalog:
    """``kind -> what of that kind is in the instance`` (None: it cannot be listed)."""
    cache: dict[str, Listing | None] = {}

    def listing(kind: str) -> Listing | None:
        if kind not in cache:
            try:
                cache[kind] = _list(connect, instance_id, kind)
            except Exception as exc:
                if not hasattr(exc, "response"):
                    raise
                cache[kind] = None
        return cache[kind]

    return listing


def _list(connect: Any, instance_id: str, kind: str) -> Listing | None:
    found: set[str] = set()
    names: dict[str, str] = {}
    if kind == "lambda":
        for page in connect.get_paginator("list_lambda_functions").paginate(InstanceId=instance_id):
            found.update(page.get("LambdaFunctions", []))
        names = {arn.split(":function:", 1)[-1]: arn for arn in found}
    elif kind == "lex-bot-alias":
        for page in connect.get_paginator("list_bots").paginate(InstanceId=instance_id, LexVersion="V2"):
            found.update(str(b.get("LexV2Bot", {}).get("AliasArn")) for b in page.get("LexBots", []))
    elif kind in _LISTS:
        operation, key, extra = _LISTS[kind]
        for page in connect.get_paginator(operation).paginate(InstanceId=instance_id, **extra):
            for item in page.get(key, []):
                found.update({str(item.get("Id")), str(item.get("Arn"))})
                names.setdefault(str(item.get("Name", item.get("Username"))), str(item.get("Arn")))
    else:
        return None
    return Listing(frozenset(found), names)


def check_references(flow: FlowFile, instance_id: str, catalog: Catalog) -> Result:
    """Every static reference of the flow looked up in the instance; a gapfill placeholder
    (``${Queue:Support}``) is looked up by name, as the provider will resolve it."""
    result = Result(flow.path)
    document, _ = flow_language.parse(flow.content)
    unchecked: set[str] = set()
    for ref in flow_language.references(document or {}):
        placeholder = _placeholder(ref.value)
        kind = PLACEHOLDER_KINDS.get(placeholder.kind, ref.kind) if placeholder else ref.kind
        known = catalog(kind)
        if known is None:
            unchecked.add(kind)
            continue
        if placeholder is not None and placeholder.kind in ("", "LexBot"):
            continue  # a Substitutions value, or a bot named in Lex itself: known at deploy time
        message = (
            _placeholder_problem(ref, placeholder, kind, instance_id, known)
            if placeholder is not None
            else reference_problem(ref, instance_id, known.ids)
        )
        if message:
            result.findings.append(Finding(f"{flow.path}: action {ref.identifier}", message))
    for kind in sorted(unchecked):
        result.findings.append(
            Finding(flow.path, f"{_LABELS[kind]} references not checked: cannot list them", False)
        )
    return result


def _placeholder(value: str) -> Any:
    from providers.connect import placeholders

    match = re.fullmatch(r"\$\{([^{}]*)\}", value)
    if match is None:
        return None
    try:
        return placeholders.parse(match.group(1))
    except placeholders.PlaceholderError:
        return None


def _placeholder_problem(
    ref: flow_language.Reference, placeholder: Any, kind: str, instance_id: str, known: Listing
) -> str | None:
    if placeholder.name in known.names or (kind == "lambda" and placeholder.name in known.ids):
        return None
    label = _LABELS[kind]
    suffix = " the instance" if label.endswith("with") else f" in instance {instance_id}"
    return f"{ref.parameter}: {placeholder.text}: no {label}{suffix} is named {placeholder.name!r}"


def reference_problem(ref: flow_language.Reference, instance_id: str, known: Iterable[str]) -> str | None:
    """Why ``ref`` names nothing in the instance, or None when it does."""
    parts = flow_language.connect_arn(ref.value)
    if parts is not None and parts[0] != instance_id:
        return f"{ref.parameter}: {ref.value} belongs to another instance ({parts[0]}), not {instance_id}"
    if ref.value in set(known):
        return None
    label = _LABELS[ref.kind]
    suffix = " the instance" if label.endswith("with") else f" in instance {instance_id}"
    return f"{ref.parameter}: no {label}{suffix} is {ref.value}"


@dataclass(frozen=True)
class CorpusEntry:
    id: str
    path: Path
    flow_type: str | None
    note: str

    @property
    def excluded(self) -> str | None:
        """Why this file is not Flow-language content, from its SOURCES.tsv note; or None."""
        return exclusion(self.note)


def exclusion(note: str) -> str | None:
    first = note.split(";", 1)[0]
    for prefix, reason in EXCLUDED_NOTES:
        if first == prefix or first.startswith(prefix + ":"):
            return reason
    return None


def corpus(folder: Path) -> list[CorpusEntry]:
    """The corpus's flows as SOURCES.tsv lists them (id, flow_type, note columns)."""
    with (folder / "SOURCES.tsv").open(encoding="utf-8", newline="") as handle:
        rows: list[Mapping[str, str]] = list(csv.DictReader(handle, delimiter="\t"))
    return [
        CorpusEntry(
            row["id"], folder / f"{row['id']}.json", row.get("flow_type") or None, row.get("note", "")
        )
        for row in rows
    ]
