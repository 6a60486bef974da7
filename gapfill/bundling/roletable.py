"""The table of docs/deploy.md: for each provider's role, every action with its resource, its
condition, why that resource, and the code that needs it (so a role is reviewed in one page)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from gapfill.bundling import iam, zipbuild
from gapfill.bundling.callsites import call_sites


@functools.cache
def modules_of(suffix: str) -> tuple[str, ...]:
    """The files a provider type runs: its registry module and everything it imports, as the
    zip build reads them (a helper such as lex_bots.py counts without a list to keep)."""
    from providers.registry import PROVIDERS

    target = PROVIDERS.get(f"Custom::{suffix}", "")
    if not target:
        return ()
    from gapfill.bundling.samtemplate import HANDLER

    start = [target.partition(":")[0], HANDLER.rpartition(".")[0]]
    files, _third_party = zipbuild.code_closure(zipbuild.REPO, start)
    return tuple(sorted(files))


_BASE = {
    "logs:CreateLogStream": "the Lambda runtime (function logs)",
    "logs:PutLogEvents": "the Lambda runtime (function logs)",
}


def _readable(value: Any) -> str:
    """A statement's Resource or Condition value as a reviewer reads it."""
    if isinstance(value, str):
        return re.sub(
            r"\$\{AWS::(Partition|Region|AccountId|StackName)\}", lambda m: f"<{m.group(1).lower()}>", value
        )
    if isinstance(value, dict) and "Fn::Sub" in value:
        return _readable(value["Fn::Sub"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "its own log group"
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::Split" in value:
        joined = json.dumps(value)
        parameter = re.search(r'"Ref": "([A-Za-z]+)"', joined)
        suffix = "/*" if '"/*"' in joined else ""
        return f"{iam.S3_ARN_PREFIX}<each of {parameter.group(1) if parameter else '?'}>{suffix}"
    return json.dumps(value)


def _condition(statement: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for operator, keys in (statement.get("Condition") or {}).items():
        parts.extend(f"{key} {operator} {_readable(value)}" for key, value in keys.items())
    return "; ".join(parts) or "-"


def _why(suffix: str, action: str, statement: Mapping[str, Any]) -> str:
    sid = str(statement.get("Sid", ""))
    if sid == "OwnLogGroup":
        return "the log group the template creates for it"
    if sid == "ReinvokeSelf":
        return "re-invocation when a wait outlasts one invocation; itself only"
    for access in iam.BUCKET_ACCESS.get(suffix, ()):
        if sid.endswith(f"In{access.parameter}"):
            listed = f"the buckets the providers stack's `{access.parameter}` lists"
            return f"{access.reason}: {listed}, this account's only"
    return iam.scope_for(action, suffix).reason


def _needed_by(suffix: str, action: str, sites: Mapping[str, list[str]]) -> str:
    if action in _BASE:
        return _BASE[action]
    modules = modules_of(suffix)
    mine = [s for s in sites.get(action, []) if any(f"{m}:" in s for m in modules)]
    if not mine:
        return "**no call found**"
    shown = sorted(set(mine))
    more = f" (+{len(shown) - 3} more)" if len(shown) > 3 else ""
    return "<br>".join(f"`{s}`" for s in shown[:3]) + more


def rows(suffix: str, policy: Mapping[str, Any], sites: Mapping[str, list[str]]) -> list[tuple[str, ...]]:
    """(action, resource, condition, why, needed by) for every grant of one role."""
    out: list[tuple[str, ...]] = []
    for statement in policy["Statement"]:
        actions = statement["Action"]
        resources = statement["Resource"]
        shown = "<br>".join(
            f"`{_readable(r)}`" for r in (resources if isinstance(resources, list) else [resources])
        )
        for action in [actions] if isinstance(actions, str) else actions:
            why = _why(suffix, action, statement)
            out.append((f"`{action}`", shown, _condition(statement), why, _needed_by(suffix, action, sites)))
    return out


def markdown(specs: Iterable[Any]) -> str:
    """The whole table, ``specs`` being :class:`gapfill.bundling.samtemplate.ProviderSpec`."""
    sites = call_sites()
    lines = [
        "| role | action | resource | condition | why this resource | needed by |",
        "|---|---|---|---|---|---|",
    ]
    for spec in specs:
        first = True
        for row in rows(spec.suffix, spec.policy(), sites):
            role = f"`{spec.resource_type}` (`{spec.role_id}`)" if first else ""
            lines.append(f"| {role} | " + " | ".join(row) + " |")
            first = False
    return "\n".join(lines) + "\n"


def unused(specs: Iterable[Any]) -> dict[str, list[str]]:
    """Role -> granted actions no code needs (for the test that keeps roles honest)."""
    sites = call_sites()
    found: dict[str, list[str]] = {}
    for spec in specs:
        for action, *_rest, needed in rows(spec.suffix, spec.policy(), sites):
            if needed == "**no call found**":
                found.setdefault(spec.role_id, []).append(action.strip("`"))
    return found
