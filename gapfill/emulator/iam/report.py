"""What every role was asked to do: calls made, actions needed, denials.

Kept per process (the emulator runs in the process of the tests or of the local job) and
summarised per role, for the pytest plugin's ``test-output/iam-report.json`` and the table
printed at the end of ``gapfill deploy --local``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gapfill.emulator.iam.authorization import Need
    from gapfill.emulator.iam.requests import Call
    from gapfill.emulator.iam.roles import Role

_calls: list[dict[str, Any]] = []
_lock = threading.Lock()


def record(role: Role, call: Call | None, decisions: Iterable[tuple[Need, str]], note: str = "") -> None:
    entry = {
        "role": role.name,
        "template": role.template,
        "service": call.service if call else "",
        "operation": call.operation if call else "",
        "params": _brief(call.params) if call else {},
        "needs": [{**need.as_dict(), "decision": decision} for need, decision in decisions],
        **({"note": note} if note else {}),
    }
    with _lock:
        _calls.append(entry)


def _brief(params: Any) -> dict[str, Any]:
    """Scalar parameters only, shortened: enough to see which resource, never a body."""
    out: dict[str, Any] = {}
    for key, value in dict(params).items():
        if isinstance(value, str) and key.lower() not in {"password", "secretstring", "content", "body"}:
            out[key] = value[:120]
    return out


def calls() -> list[dict[str, Any]]:
    with _lock:
        return list(_calls)


def clear() -> None:
    with _lock:
        _calls.clear()


def summary(entries: list[dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Per role: calls made (service:operation with counts), actions needed, denied needs."""
    roles: dict[str, dict[str, Any]] = {}
    for entry in entries if entries is not None else calls():
        row = roles.setdefault(
            entry["role"], {"template": entry["template"], "calls": {}, "actions": set(), "denied": {}}
        )
        name = f"{entry['service']}:{entry['operation']}"
        row["calls"][name] = row["calls"].get(name, 0) + 1
        for need in entry["needs"]:
            row["actions"].add(need["action"])
            if need["decision"] != "allow":
                key = f"{need['action']} on {need['resource']}"
                row["denied"][key] = {"call": name, "decision": need["decision"], **need}
    for row in roles.values():
        row["actions"] = sorted(row["actions"])
    return roles


def write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"roles": summary(), "calls": calls()}, indent=1, sort_keys=True) + "\n")
    return path


def table() -> str:
    """A short text table for the end of the local job."""
    lines = ["IAM: calls each role made, checked against the shipped policies"]
    for name, row in sorted(summary().items()):
        count = sum(row["calls"].values())
        lines.append(
            f"  {name:<34} {count:>5} calls  {len(row['actions']):>3} actions  {len(row['denied'])} denied"
        )
        lines.extend(f"      DENIED {key} ({info['call']})" for key, info in sorted(row["denied"].items()))
    return "\n".join(lines)
