"""``gapfill flows template``'s logic: an exported flow turned into portable content.

An export names queues, flows, prompts, hours, flow modules, agents, Lambda functions and Lex
bot aliases by the exporting instance's ARNs or ids, so it deploys nowhere else. This module
replaces every such value in the actions' ``Parameters`` by the placeholder that
``Custom::ConnectContactFlow`` resolves by name in the target instance (``${Queue:Support}``),
and lists every value it could not name, with the reason.

Names come from the export itself: the flow designer keeps, in ``Metadata.ActionMetadata``,
the display name of what each action refers to, in three shapes seen in real exports:

* ``parameters`` mirroring the action's ``Parameters``, with ``{"displayName": NAME}`` at the
  parameter's path (newest console);
* ``{"id": ARN, "text": NAME}`` objects (``queue``, ``contactFlow``, ``Hours``, ``audio[]``);
* one name per action under a kind's key (``promptName``, ``contactFlowModuleName``,
  ``lexV2BotName``).

A live instance (``names`` from :func:`live_names`' caller) may add or override names. A
Lambda function is named by its ARN's function name and needs neither. Everything here is
pure: reading files and calling AWS is the CLI's job.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gapfill.emulator.connect import flow_language

#: A Connect ARN inside an instance: instance id, ARN kind, resource id.
CONNECT_ARN = re.compile(
    r"^arn:aws[-a-z]*:connect:[-a-z0-9]+:\d{12}:instance/([-A-Za-z0-9]+)/([-a-z]+)/([-A-Za-z0-9]+)$"
)
LAMBDA_ARN = re.compile(
    r"^arn:aws[-a-z]*:lambda:[-a-z0-9]+:\d{12}:function:([A-Za-z0-9_-]{1,64}(:[\w$-]+)?)$"
)
LEX_ALIAS_ARN = re.compile(
    r"^arn:aws[-a-z]*:lex:[-a-z0-9]+:\d{12}:bot-alias/([-A-Za-z0-9]+)/([-A-Za-z0-9]+)$"
)
#: Anything that looks like an ARN, rendered or not (other tools' templates put ``${X}`` in them).
ARN_LIKE = re.compile(r"^arn:[^:\s]*:(connect|lambda|lex):")
#: Connect ARN kind (also flow_language's reference kind) -> gapfill placeholder kind.
PLACEHOLDER_KIND = {
    "queue": "Queue",
    "contact-flow": "Flow",
    "prompt": "Prompt",
    "operating-hours": "Hours",
    "flow-module": "Module",
    "agent": "Agent",
    "lambda": "Lambda",
    "lex-bot-alias": "LexBot",
}
#: Per-action metadata keys that hold the one name of a reference kind, as a string
#: (``promptName``) or as ``{"id": ..., "text": NAME}`` (``queue``; the id may be stale or
#: another tool's interpolation, the text is what the flow designer shows).
ACTION_NAME_KEYS = {
    "promptName": "prompt",
    "contactFlowModuleName": "flow-module",
    "lexV2BotName": "lex-bot-alias",
    "queue": "queue",
    "contactFlow": "contact-flow",
    "ContactFlow": "contact-flow",
    "Hours": "operating-hours",
    "hours": "operating-hours",
    "lambdaFunction": "lambda",
}
#: A bare Connect resource id (a UUID in practice).
RESOURCE_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LEGACY_HINT = (
    "the legacy console export format (modules/start/metadata), not the Flow language: it cannot "
    "be converted; import it into the Connect console's flow designer, save it, and export it "
    "again (or DescribeContactFlow it) to get Flow-language content"
)


class ExportError(ValueError):
    """A file that holds no convertible flow; the message says why and what to do."""


@dataclass
class Export:
    """A flow as exported: its content and whatever the envelope said about it."""

    content: dict[str, Any]
    name: str | None = None
    flow_type: str | None = None
    description: str | None = None
    shape: str = "content"


@dataclass(frozen=True)
class Rewrite:
    action: str
    parameter: str
    value: str
    placeholder: str


@dataclass(frozen=True)
class Unnamed:
    action: str
    parameter: str
    value: str
    reason: str


@dataclass
class Templated:
    content: dict[str, Any]
    rewritten: list[Rewrite] = field(default_factory=list)
    unnamed: list[Unnamed] = field(default_factory=list)


def is_legacy(document: Any) -> bool:
    """The pre-2019 console format: lower-case ``modules``, ``start`` and ``metadata``."""
    return isinstance(document, Mapping) and "modules" in document and "Actions" not in document


def parse_export(text: str, where: str = "file") -> Export:
    """Flow content in any of the shapes exports come in, or an ExportError saying why not."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ExportError(f"{where}: is not JSON: {exc}") from None
    shape = "content"
    if isinstance(document, Mapping) and isinstance(document.get("ContactFlow"), Mapping):
        document, shape = document["ContactFlow"], "DescribeContactFlow"
    envelope: Mapping[str, Any] = {}
    if isinstance(document, Mapping) and "Content" in document and "Actions" not in document:
        envelope, shape = document, shape if shape != "content" else "Name/Type/Content"
        inner = document["Content"]
        try:
            document = json.loads(inner) if isinstance(inner, str) else inner
        except ValueError as exc:
            raise ExportError(f"{where}: Content is not JSON: {exc}") from None
    if is_legacy(document):
        raise ExportError(f"{where}: {LEGACY_HINT}")
    if not isinstance(document, Mapping) or "Actions" not in document:
        raise ExportError(
            f"{where}: holds no flow (expected Flow-language content with Version, StartAction and "
            "Actions, a DescribeContactFlow answer, or a {Name, Type, Content} file)"
        )

    def text_of(key: str) -> str | None:
        value = envelope.get(key)
        return value if isinstance(value, str) and value else None

    return Export(dict(document), text_of("Name"), text_of("Type"), text_of("Description"), shape)


# -- names from Metadata ----------------------------------------------------------------------
def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _id_text_names(metadata: Any) -> dict[str, set[str]]:
    """``{"id": X, "text": NAME}`` objects anywhere in Metadata: X -> every NAME given it."""
    names: dict[str, set[str]] = {}
    for node in _walk(metadata):
        value, name = node.get("id"), node.get("text", node.get("name"))
        if isinstance(value, str) and isinstance(name, str) and value and name.strip():
            names.setdefault(value, set()).add(name.strip())
    return names


def _display_name(meta_parameters: Any, parameter: str) -> str | None:
    """The ``displayName`` at ``parameter``'s path (``Parameters.Messages[1].PromptId``)."""
    node = meta_parameters
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", parameter.removeprefix("Parameters").lstrip(".")):
        if step.startswith("["):
            index = int(step[1:-1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
        else:
            node = node.get(step) if isinstance(node, Mapping) else None
    name = node.get("displayName") if isinstance(node, Mapping) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


@dataclass(frozen=True)
class Candidate:
    """One value in an action's Parameters that is (or may be) instance-specific."""

    action: str
    parameter: str
    value: str
    kind: str | None  # flow_language reference kind, when known


def candidates(document: Mapping[str, Any]) -> list[Candidate]:
    """Reference parameters (ids or ARNs) and any other Parameters string that is an ARN."""
    found: dict[tuple[str, str], Candidate] = {}
    for ref in flow_language.references(document):
        found[(ref.identifier, ref.parameter)] = Candidate(ref.identifier, ref.parameter, ref.value, ref.kind)
    actions = document.get("Actions")
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, Mapping):
            continue
        identifier = str(action.get("Identifier"))
        for where, value in _strings(action.get("Parameters"), "Parameters"):
            if (identifier, where) not in found and ARN_LIKE.match(value):
                found[(identifier, where)] = Candidate(identifier, where, value, arn_kind(value))
    return list(found.values())


def _strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from _strings(value, f"{where}[{position}]")


def arn_kind(value: str) -> str | None:
    """The reference kind an ARN names (``queue``, ``lambda``, ``lex-bot-alias``), or None."""
    match = CONNECT_ARN.match(value)
    if match:
        return match.group(2)
    if LAMBDA_ARN.match(value):
        return "lambda"
    if LEX_ALIAS_ARN.match(value):
        return "lex-bot-alias"
    return None


def _action_metadata(document: Mapping[str, Any], action: str) -> Mapping[str, Any]:
    metadata = document.get("Metadata")
    actions = metadata.get("ActionMetadata") if isinstance(metadata, Mapping) else None
    found = actions.get(action) if isinstance(actions, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def action_name(document: Mapping[str, Any], candidate: Candidate, kind: str, alone: bool) -> str | None:
    """The name the action's own Metadata gives ``candidate``: at its parameter path, or (when
    it is the action's only reference of its kind, ``alone``) under the kind's key."""
    meta = _action_metadata(document, candidate.action)
    name = _display_name(meta.get("parameters"), candidate.parameter)
    if name or not alone:
        return name
    for key, key_kind in ACTION_NAME_KEYS.items():
        value = meta.get(key)
        if isinstance(value, Mapping):
            value = value.get("text")
        if key_kind == kind and isinstance(value, str) and value.strip():
            return value.strip()
    return None


# -- the rewrite ------------------------------------------------------------------------------
def _unrendered(value: str) -> bool:
    return "${" in value or "{{" in value


def _kind_of(candidate: Candidate) -> tuple[str | None, str]:
    """``(kind, "")`` for a value gapfill can name, else ``(None, reason)``."""
    value = candidate.value
    if _unrendered(value):
        return None, "unrendered template text of another tool (not an ARN of a real instance)"
    if value.startswith("arn:") and ":aws:view/" in value:
        return None, "an AWS-managed view: the same in every instance, nothing to rewrite"
    kind = arn_kind(value) or candidate.kind
    if kind is None or kind not in PLACEHOLDER_KIND:
        return None, f"{kind or 'this kind of'} reference has no placeholder kind"
    if not (arn_kind(value) or RESOURCE_ID.match(value)):
        return None, "not an ARN or id (text left in the export for someone to fill in)"
    return kind, ""


def _resource_id(value: str) -> str:
    match = CONNECT_ARN.match(value)
    return match.group(3) if match else value


NO_NAME = "no name for it in the export's Metadata (nor in the instance, if one was given)"


def template(document: Mapping[str, Any], names: Mapping[str, str] | None = None) -> Templated:
    """A copy of the flow with every nameable instance-specific value replaced by a placeholder.

    ``names`` maps ids and ARNs to names (from a live instance) and wins over Metadata, which
    may be stale. A value named in one action and repeated unnamed in another (a queue ARN
    copied into a contact attribute) takes the same name, unless Metadata names it in more
    than one way. Metadata itself is kept as exported: the provider sends it untouched.
    """
    names = names or {}
    content = copy.deepcopy(dict(document))
    result = Templated(content)
    found = [c for c in candidates(document) if not flow_language.is_dynamic(c.value)]
    kinds = {c: _kind_of(c) for c in found}
    per_action: dict[tuple[str, str | None], int] = {}
    for candidate, (kind, _) in kinds.items():
        per_action[(candidate.action, kind)] = per_action.get((candidate.action, kind), 0) + 1
    chosen: dict[Candidate, str] = {}
    seen: dict[str, set[str]] = {k: set(v) for k, v in _id_text_names(document.get("Metadata")).items()}
    for candidate, (kind, _) in kinds.items():
        if kind is None:
            continue
        name = _live_or_own_name(candidate, kind, names) or action_name(
            document, candidate, kind, per_action[(candidate.action, kind)] == 1
        )
        if name and "{" not in name and "}" not in name:
            chosen[candidate] = name
            seen.setdefault(candidate.value, set()).add(name)
    by_action = {str(a.get("Identifier")): a for a in content.get("Actions", []) if isinstance(a, dict)}
    for candidate, (kind, why) in kinds.items():
        name, reason = (chosen.get(candidate), why) if kind else (None, why)
        if kind is not None and name is None:
            name, reason = _shared_name(seen.get(candidate.value, set()))
        if kind is None or name is None:
            result.unnamed.append(Unnamed(candidate.action, candidate.parameter, candidate.value, reason))
            continue
        placeholder = "${" + PLACEHOLDER_KIND[kind] + ":" + name + "}"
        _set(by_action[candidate.action], candidate.parameter, placeholder)
        result.rewritten.append(Rewrite(candidate.action, candidate.parameter, candidate.value, placeholder))
    return result


def _shared_name(options: set[str]) -> tuple[str | None, str]:
    """The one name the rest of the flow gives a value, or why there is none."""
    if len(options) == 1:
        return next(iter(options)), ""
    if not options:
        return None, NO_NAME
    return None, f"Metadata names it in {len(options)} ways: " + ", ".join(repr(o) for o in sorted(options))


def _live_or_own_name(candidate: Candidate, kind: str, names: Mapping[str, str]) -> str | None:
    """A name from the live instance, or the one a Lambda ARN carries in itself."""
    live = names.get(candidate.value) or names.get(_resource_id(candidate.value))
    if live:
        return live
    match = LAMBDA_ARN.match(candidate.value) if kind == "lambda" else None
    return match.group(1) if match else None


def _set(action: dict[str, Any], parameter: str, value: str) -> None:
    steps = re.findall(r"[^.\[\]]+|\[\d+\]", parameter)
    node: Any = action
    for step in steps[:-1]:
        node = node[int(step[1:-1])] if step.startswith("[") else node[step]
    last = steps[-1]
    if last.startswith("["):
        node[int(last[1:-1])] = value
    else:
        node[last] = value


# -- corpus accounting ------------------------------------------------------------------------
def named_in_metadata(document: Mapping[str, Any], value: str) -> bool:
    """Whether Metadata holds ``value`` next to a name (an ``{id, text}`` object): the test of
    the corpus check, independent of how :func:`template` looks names up."""
    return bool(_id_text_names(document.get("Metadata")).get(value))


def left_arns(result: Templated) -> list[Unnamed]:
    """The Connect ARNs of a real instance that the rewrite left in Parameters."""
    return [u for u in result.unnamed if CONNECT_ARN.match(u.value)]


def named_left(document: Mapping[str, Any], result: Templated) -> list[Unnamed]:
    """Connect ARNs left in Parameters although Metadata names them unambiguously, next to the
    ARN (``{"id": ARN, "text": NAME}``) or in the action's own metadata: the corpus check's
    failures, found without :func:`template`'s own lookup so that the check can fail."""
    failures = []
    for left in left_arns(result):
        beside = _id_text_names(document.get("Metadata")).get(left.value, set())
        meta = _action_metadata(document, left.action)
        own = _display_name(meta.get("parameters"), left.parameter)
        if len(beside) == 1 or own:
            failures.append(left)
    return failures
