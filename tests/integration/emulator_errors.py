"""Which error codes gapfill's extension can answer for an operation, read from its source.

An AST walk over the extension's modules: every function (handlers, backend methods,
helpers) with the exceptions it raises and the names it calls, closed transitively from the
operation's handler. Names are matched loosely (any function of that name in the
extension), so the set can only be too large, never too small: a code it finds that the
operation does not document is worth a look either way.
"""

from __future__ import annotations

import ast
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


def _raised_name(node: ast.Raise) -> str | None:
    exc = node.exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    if isinstance(exc, ast.Attribute):
        return exc.attr
    if isinstance(exc, ast.Name):
        return exc.id
    return None


def _called_names(function: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
            elif isinstance(node.func, ast.Name):
                names.add(node.func.id)
    return names


@cache
def _functions(service: str) -> dict[str, tuple[set[str], set[str]]]:
    """name -> (exception class names raised, names called), over the service's modules."""
    table: dict[str, tuple[set[str], set[str]]] = {}
    for path in MODULES[service]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                raised = {n for r in ast.walk(node) if isinstance(r, ast.Raise) and (n := _raised_name(r))}
                entry = table.setdefault(node.name, (set(), set()))
                entry[0].update(n for n in raised if n.endswith(("Exception", "Error")))
                entry[1].update(_called_names(node))
    return table


def _code(class_name: str) -> str:
    """moto's S3 error classes are named ...Error; the code S3 answers for this one."""
    return {"InvalidArgumentError": "InvalidArgument"}.get(class_name, class_name)


def extension_errors(service: str, operation: str) -> set[str]:
    """Error codes the extension's code for ``operation`` can raise."""
    table = _functions(service)
    start = ENTRY_POINTS.get(operation, xform_name(operation))
    seen, todo, codes = set(), [start], set(WRAPPER_CODES.get(service, set()))
    while todo:
        name = todo.pop()
        if name in seen or name not in table:
            continue
        seen.add(name)
        raised, called = table[name]
        codes.update(_code(n) for n in raised)
        todo.extend(called)
    return codes
