"""Which error codes gapfill's extension can answer for an operation, read from its source.

An AST walk over the extension's modules: every function (handlers, backend methods,
helpers) with the exceptions it raises and the names it calls, closed transitively from the
operation's handler. Names are matched loosely (a call on ``self`` or a bare name reaches
every function of that name in the extension; a method called on another object, every
function of that name in the caller's module), so the set errs on the large side: a code it
finds that the operation does not document is worth a look either way.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from botocore import xform_name

EMULATOR = Path(__file__).resolve().parents[2] / "gapfill" / "emulator"
#: service -> extension modules (files) whose functions may serve it.
MODULES = {
    "connect": sorted((EMULATOR / "connect").glob("*.py")),
    "firehose": [EMULATOR / "firehose.py"],
    "s3": [EMULATOR / "s3_notifications.py"],
}
#: Codes that every Connect operation can answer through the call_action wrapper (throttling knob).
WRAPPER_CODES = {"connect": {"ThrottlingException"}}
#: S3 handlers whose names are not the operation's: the extension's override of each.
ENTRY_POINTS = {
    "PutBucketNotificationConfiguration": "_notification_config_from_body",
    "GetBucketNotificationConfiguration": "_get_bucket_notification",
}


#: Python's own exceptions are programming errors (a knob set wrong), not answers of the service.
_BUILTINS = frozenset(dir(builtins))


def _raised_name(node: ast.Raise) -> str | None:
    exc = node.exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    if isinstance(exc, ast.Attribute):
        return exc.attr
    if isinstance(exc, ast.Name):
        return exc.id
    return None


def _called_names(function: ast.AST) -> tuple[set[str], set[str]]:
    """(names called anywhere: bare or on ``self``/``self.x``, names called on other objects)."""
    anywhere: set[str] = set()
    local: set[str] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):
            anywhere.add(node.func.id)
        elif isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            on_self = isinstance(receiver, ast.Name) and receiver.id == "self"
            on_self = on_self or (
                isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
            )
            (anywhere if on_self else local).add(node.func.attr)
    return anywhere, local


@dataclass
class _Function:
    raised: set[str] = field(default_factory=set)
    anywhere: set[str] = field(default_factory=set)
    local: set[str] = field(default_factory=set)


@cache
def _functions(service: str) -> dict[str, dict[str, _Function]]:
    """name -> module -> what the function of that name in that module raises and calls.

    A method called on some object (``instance.describe()``) is looked up in the caller's
    own module, where the object's class lives; calls on ``self`` and bare names anywhere."""
    table: dict[str, dict[str, _Function]] = {}
    for path in MODULES[service]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                entry = table.setdefault(node.name, {}).setdefault(path.stem, _Function())
                raised = {n for r in ast.walk(node) if isinstance(r, ast.Raise) and (n := _raised_name(r))}
                entry.raised.update(
                    n for n in raised if n.endswith(("Exception", "Error")) and n not in _BUILTINS
                )
                anywhere, local = _called_names(node)
                entry.anywhere.update(anywhere)
                entry.local.update(local)
    return table


def _code(class_name: str) -> str:
    """moto's S3 error classes are named ...Error; the code S3 answers for this one."""
    return {"InvalidArgumentError": "InvalidArgument"}.get(class_name, class_name)


def extension_errors(service: str, operation: str) -> set[str]:
    """Error codes the extension's code for ``operation`` can raise."""
    table = _functions(service)
    start = ENTRY_POINTS.get(operation, xform_name(operation))
    todo = [(start, module) for module in table.get(start, {})]
    seen: set[tuple[str, str]] = set()
    codes = set(WRAPPER_CODES.get(service, set()))
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        function = table[key[0]][key[1]]
        codes.update(_code(n) for n in function.raised)
        todo.extend((name, module) for name in function.anywhere for module in table.get(name, {}))
        todo.extend((name, key[1]) for name in function.local if key[1] in table.get(name, {}))
    return codes
