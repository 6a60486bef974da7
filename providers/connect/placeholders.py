"""Placeholders in contact flow content, parsed and resolved without AWS.

Flow content must name queues, flows, prompts and Lambda functions by ARN, and those ARNs
differ per instance, so hand-written content cannot be deployed twice. Content may instead
say ``${Queue:Support}``, ``${Flow:Disconnect}``, ``${Prompt:Beep.wav}``,
``${Hours:Basic Hours}``, ``${Lambda:my-function}`` (name or ARN), ``${Module:Lookup}`` (a flow
module), ``${Agent:jdoe}`` (a username) or ``${LexBot:MenuBot}`` / ``${LexBot:MenuBot/live}`` (a
Lex V2 bot, or one alias of it), resolved by name against the target instance at deploy time,
and ``${Anything}`` from the free ``Substitutions`` map.
``$${...}`` stays a literal ``${...}``.

Substitution works on the string values of the parsed document, never on raw JSON text,
so a substituted value can never break the JSON around it. Top-level keys named in ``skip``
are left exactly as given: flow ``Metadata`` is free-form, and exports of flows managed by
other tools carry their own ``${...}`` text there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Placeholder kind -> the readable name used in messages.
KINDS = {
    "Queue": "queue",
    "Flow": "contact flow",
    "Prompt": "prompt",
    "Hours": "hours of operation",
    "Lambda": "Lambda function",
    "Module": "flow module",
    "Agent": "agent",
    "LexBot": "Lex V2 bot alias",
}
_ALIASES = {"ContactFlow": "Flow", "HoursOfOperation": "Hours", "FlowModule": "Module"}
_TOKEN = re.compile(r"\$(\$?)\{([^{}]*)\}")
_SHOW_AVAILABLE = 8


@dataclass(frozen=True, order=True)
class Placeholder:
    """``${Queue:Support}`` is ``Placeholder("Queue", "Support")``; a substitution has kind ''."""

    kind: str
    name: str

    @property
    def text(self) -> str:
        return "${" + (f"{self.kind}:" if self.kind else "") + self.name + "}"


class PlaceholderError(ValueError):
    """One or more placeholders name nothing; the message names each of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse(token_body: str) -> Placeholder:
    """The inside of ``${...}``: ``Kind:Name`` or a substitution name."""
    kind, sep, name = token_body.partition(":")
    if sep and (kind in KINDS or kind in _ALIASES):
        return Placeholder(_ALIASES.get(kind, kind), name.strip())
    if sep and re.fullmatch(r"[A-Z][A-Za-z]*", kind):
        raise PlaceholderError(
            [f"${{{token_body}}}: unknown placeholder kind '{kind}' (use {', '.join(KINDS)})"]
        )
    return Placeholder("", token_body.strip())


def strings(document: Any) -> Iterable[str]:
    """Every string value in a JSON document."""
    if isinstance(document, str):
        yield document
    elif isinstance(document, Mapping):
        for value in document.values():
            yield from strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from strings(value)


def _searched(document: Any, skip: Iterable[str]) -> Any:
    if isinstance(document, Mapping):
        return {key: value for key, value in document.items() if key not in set(skip)}
    return document


def find(document: Any, skip: Iterable[str] = ()) -> list[Placeholder]:
    """Every distinct placeholder in the document (outside the top-level keys in ``skip``),
    sorted; bad kinds all reported at once."""
    found: set[Placeholder] = set()
    problems: list[str] = []
    for text in strings(_searched(document, skip)):
        for match in _TOKEN.finditer(text):
            if match.group(1):
                continue
            try:
                found.add(parse(match.group(2)))
            except PlaceholderError as exc:
                problems.extend(exc.problems)
    if problems:
        raise PlaceholderError(sorted(set(problems)))
    return sorted(found)


def substitute(document: Any, values: Mapping[Placeholder, str], skip: Iterable[str] = ()) -> Any:
    """A copy of ``document`` with every placeholder replaced by its value; the top-level keys
    in ``skip`` are kept as they are."""
    if skip and isinstance(document, Mapping):
        kept = set(skip)
        return {key: value if key in kept else substitute(value, values) for key, value in document.items()}

    def replace_in(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            if match.group(1):
                return "${" + match.group(2) + "}"
            return values[parse(match.group(2))]

        return _TOKEN.sub(one, text)

    if isinstance(document, str):
        return replace_in(document)
    if isinstance(document, Mapping):
        return {key: substitute(value, values) for key, value in document.items()}
    if isinstance(document, list):
        return [substitute(value, values) for value in document]
    return document


def lambda_function_name(arn: str) -> str:
    """``arn:aws:lambda:R:A:function:NAME[:QUALIFIER]`` -> ``NAME[:QUALIFIER]``."""
    return arn.split(":function:", 1)[-1]


def resolve(
    placeholders: Iterable[Placeholder],
    catalog: Callable[[str], Mapping[str, str]],
    substitutions: Mapping[str, str],
) -> dict[Placeholder, str]:
    """Values for every placeholder, or a PlaceholderError naming every one that fails.

    ``catalog(kind)`` returns name -> ARN for that kind in the instance (for ``Lambda``:
    function ARN -> ARN of the associated functions); it is called once per kind needed.
    """
    resolved: dict[Placeholder, str] = {}
    problems: list[str] = []
    catalogs: dict[str, Mapping[str, str]] = {}
    for item in placeholders:
        if not item.kind:
            if item.name in substitutions:
                resolved[item] = str(substitutions[item.name])
            else:
                problems.append(f"{item.text}: not in Substitutions")
            continue
        if item.kind not in catalogs:
            catalogs[item.kind] = catalog(item.kind)
        known = catalogs[item.kind]
        value = _lookup(item, known)
        if value is None:
            problems.append(_unknown(item, known))
        else:
            resolved[item] = value
    if problems:
        raise PlaceholderError(problems)
    return resolved


def _lookup(item: Placeholder, known: Mapping[str, str]) -> str | None:
    if item.kind != "Lambda":
        return known.get(item.name)
    if item.name.startswith("arn:"):
        return item.name if item.name in known.values() else None
    matches = [arn for arn in known.values() if lambda_function_name(arn) == item.name]
    return matches[0] if len(matches) == 1 else None


def _unknown(item: Placeholder, known: Mapping[str, str]) -> str:
    what = KINDS[item.kind]
    if item.kind == "Lambda":
        names = sorted(lambda_function_name(arn) for arn in known.values())
        where = "associated with the instance"
    else:
        names = sorted(known)
        where = "in the instance"
    available = ", ".join(names[:_SHOW_AVAILABLE]) + (", ..." if len(names) > _SHOW_AVAILABLE else "")
    hint = f" (available: {available})" if names else f" (the instance has no {what}s)"
    return f"{item.text}: no {what} named '{item.name}' {where}{hint}"
