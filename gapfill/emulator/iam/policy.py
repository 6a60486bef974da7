"""IAM policy evaluation for identity policies, as AWS documents it.

An explicit Deny wins; otherwise an Allow is needed; otherwise the request is implicitly
denied. A statement applies when its ``Action`` (or ``NotAction``) and ``Resource`` (or
``NotResource``) match, ``*`` and ``?`` being wildcards (actions case-insensitively), and
every condition operator in its ``Condition`` block holds for the request context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from gapfill.emulator import documented

EVALUATION = documented.rule(
    id="iam-policy-evaluation",
    service="iam",
    operations=(),
    source="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
    fact="Within an account an explicit Deny overrides any Allow; without an applicable Allow the "
    "request is implicitly denied.",
)
CONDITIONS = documented.rule(
    id="iam-condition-operators",
    service="iam",
    operations=(),
    source="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html",
    fact="A condition with a key absent from the request context is false, except for ...IfExists "
    "operators and Null; the values of one key are ORed, keys and operators are ANDed.",
)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _wildcard(pattern: str, text: str, *, fold: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL if fold else re.DOTALL) is not None


def _matches_any(patterns: Iterable[str], text: str, *, fold: bool = False) -> bool:
    return any(_wildcard(p, text, fold=fold) for p in patterns)


_STRING_OPS = {
    "StringEquals": lambda v, p: v == p,
    "StringNotEquals": lambda v, p: v != p,
    "StringEqualsIgnoreCase": lambda v, p: v.lower() == p.lower(),
    "StringLike": lambda v, p: _wildcard(p, v),
    "StringNotLike": lambda v, p: not _wildcard(p, v),
    "ArnEquals": lambda v, p: v == p,
    "ArnLike": lambda v, p: _wildcard(p, v),
    "ArnNotEquals": lambda v, p: v != p,
    "ArnNotLike": lambda v, p: not _wildcard(p, v),
    "Bool": lambda v, p: v.lower() == p.lower(),
}
_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


def _condition_holds(operator: str, key: str, wanted: list[str], context: Mapping[str, list[str]]) -> bool:
    qualifier, _, op = operator.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    values = context.get(key.lower())
    if op == "Null":
        return (values is None) == (wanted[0].lower() == "true")
    if values is None:  # absent key: only ...IfExists, negated operators and ForAllValues hold
        return if_exists or op in _NEGATED or qualifier == "ForAllValues"
    test = _STRING_OPS.get(op)
    if test is None:
        return False  # an operator we do not model never grants
    if op in _NEGATED:
        hits = [all(test(v, p) for p in wanted) for v in values]
    else:
        hits = [any(test(v, p) for p in wanted) for v in values]
    return all(hits) if qualifier == "ForAllValues" else any(hits)


def conditions_hold(block: Mapping[str, Any] | None, context: Mapping[str, list[str]]) -> bool:
    """Whether every operator/key of a ``Condition`` block holds for ``context`` (keys lower-case)."""
    for operator, keys in (block or {}).items():
        for key, wanted in dict(keys).items():
            if not _condition_holds(str(operator), str(key), _listed(wanted), context):
                return False
    return True


def _applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, list[str]]
) -> bool:
    if "NotAction" in statement:
        if _matches_any(_listed(statement["NotAction"]), action, fold=True):
            return False
    elif not _matches_any(_listed(statement.get("Action")), action, fold=True):
        return False
    if "NotResource" in statement:
        if _matches_any(_listed(statement["NotResource"]), resource):
            return False
    elif not _matches_any(_listed(statement.get("Resource")), resource):
        return False
    return conditions_hold(statement.get("Condition"), context)


def statements(policies: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for policy in policies:
        body = policy.get("Statement", [])
        found.extend([body] if isinstance(body, dict) else body)
    return found


def decide(
    policies: Iterable[Mapping[str, Any]], action: str, resource: str, context: Mapping[str, list[str]]
) -> str:
    """``"allow"``, ``"deny"`` (explicit) or ``"implicit-deny"``."""
    allowed = False
    for statement in statements(policies):
        if not _applies(statement, action, resource, context):
            continue
        if statement.get("Effect") == "Deny":
            return "deny"
        allowed = True
    return "allow" if allowed else "implicit-deny"
