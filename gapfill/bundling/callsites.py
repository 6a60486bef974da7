"""Where the runtime code makes each AWS call: the one scan of ``providers/`` and ``functions/``.

The code is read, not run (an AST scan): a name is an operation of a service when it is a
boto3 method name of that service (botocore's ``xform_name`` of the model's operations), read
as an attribute (``s3.head_object(``, ``get_paginator("list_queues")``'s string, ``getattr(c,
"delete_user")``) in a file that makes a client of the service. A name read from a client whose
service the code states (``connect = client("connect")``, ``client("s3").get_object``) or names
(``connect``, ``self.secrets``) counts for that service only; any other name counts for every
service of the file that has such an operation. A file that makes no client is handed its
importers' clients (a helper module takes its clients as arguments).

:func:`sites` serves both readers: the role table's "needed by" (:func:`call_sites`, each
operation with its IAM actions and their documented dependent actions through the Service
Authorization Reference) and the emulator page's operation list (``gapfill.docs.emulator_table``).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("providers", "functions")
_CLIENT = re.compile(r"""client\(\s*["']([a-z0-9-]+)["']""")
#: S3 answers these 404 for a missing key only to a caller with s3:ListBucket (else 403).
_MISSING_KEY = {("s3", "HeadObject"), ("s3", "GetObject")}


@dataclass(frozen=True, order=True)
class Site:
    """One AWS call in the code: ``path`` (relative to the scanned root) and line."""

    path: str
    line: int
    service: str
    operation: str


@functools.cache
def operation_names(service: str) -> Mapping[str, str]:
    """boto3 method name -> OperationName, for one service's botocore model."""
    import botocore.loaders
    from botocore import xform_name

    model = botocore.loaders.Loader().load_service_model(service, "service-2")
    return {xform_name(name): name for name in model.get("operations", {})}


def _clients_in(node: ast.AST) -> set[str]:
    """Services of the ``client("...")`` calls inside ``node``."""
    return set(_CLIENT.findall(ast.unparse(node)))


def _bound_clients(tree: ast.AST) -> dict[str, str]:
    """Variable or attribute name -> the one service whose client is assigned to it."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(services := _clients_in(node.value)) == 1:
            for target in node.targets:
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                if name:
                    bound[name] = next(iter(services))
    return bound


def _receiver_service(receiver: ast.expr, bound: dict[str, str]) -> str | None:
    """The service of the client an attribute is read from when the code says which, else
    the receiver's own name (a client handed in as ``connect`` or ``self.secrets``)."""
    if isinstance(receiver, ast.Call) and len(services := _clients_in(receiver)) == 1:
        return next(iter(services))
    name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", None)
    return bound.get(name, name) if name else None


def _services_for(receiver: str | None, services: set[str]) -> set[str]:
    """Which of the file's services a name read from ``receiver`` may be an operation of: the
    one the receiver is or is named for (``secrets`` for secretsmanager), else all of them."""
    if receiver in services:
        return {receiver}
    named = {s for s in services if receiver and len(receiver) >= 3 and s.startswith(receiver)}
    return named or services


def _names_in(tree: ast.AST) -> list[tuple[str, str | None, int]]:
    """(name, its receiver's service or name, if any, line) for every attribute and string."""
    bound = _bound_clients(tree)
    names: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            line = node.end_lineno or node.lineno
            names.append((node.attr, _receiver_service(node.value, bound), line))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.append((node.value, None, node.lineno))
    return names


def _module_name(root: Path, path: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _imported(tree: ast.AST) -> set[str]:
    """Dotted names of the modules ``tree`` imports (``from a import b`` counts ``a.b`` too)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _services_by_file(root: Path, trees: Mapping[Path, ast.AST]) -> dict[Path, set[str]]:
    """The clients each file makes; a file that makes none is handed its importers' clients."""
    services = {path: _clients_in(tree) for path, tree in trees.items()}
    names = {_module_name(root, path): path for path in trees}
    imports = {path: {names[m] for m in _imported(tree) if m in names} for path, tree in trees.items()}
    helpers = {path for path, found in services.items() if not found}
    changed = True
    while changed:
        changed = False
        for helper in helpers:
            inherited = set().union(*(services[p] for p, used in imports.items() if helper in used))
            if not inherited <= services[helper]:
                services[helper] |= inherited
                changed = True
    return services


def sites(root: Path = REPO, roots: Iterable[str] = ROOTS) -> list[Site]:
    """Every AWS call the code under ``root``'s ``roots`` makes, in file and line order."""
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for package in roots
        for path in sorted((root / package).rglob("*.py"))
    }
    found: set[Site] = set()
    for path, services in _services_by_file(root, trees).items():
        shown = path.relative_to(root).as_posix()
        for name, receiver, line in _names_in(trees[path]) if services else ():
            for service in _services_for(receiver, services):
                operation = operation_names(service).get(name)
                if operation:
                    found.add(Site(shown, line, service, operation))
    return sorted(found)


@functools.cache
def _prefix(service: str) -> str:
    """The IAM prefix of a botocore service: the name it signs with (``lexv2-models`` signs as ``lex``)."""
    import botocore.loaders

    metadata = botocore.loaders.Loader().load_service_model(service, "service-2").get("metadata", {})
    return str(metadata.get("signingName") or metadata.get("endpointPrefix") or service)


def _versioned(root: Path, path: str) -> bool:
    """Whether a version id is built anywhere in the module's package (rules.py beside handlers.py)."""
    return any("VersionId" in p.read_text(encoding="utf-8") for p in (root / path).parent.glob("*.py"))


def call_sites(roots: Iterable[str] = ROOTS) -> dict[str, list[str]]:
    """IAM action -> the places that need it (``path:line Operation``, or ``via <action>``)."""
    from gapfill.emulator.iam.authorization import STATED_DEPENDENTS, actions_for, dependent_actions

    found: dict[str, list[str]] = {}
    for site in sites(REPO, roots):
        service, operation = site.service, site.operation
        where = f"{site.path}:{site.line} {operation}"
        versioned = _versioned(REPO, site.path)
        actions = list(actions_for(_prefix(service), operation))
        if versioned and (service, operation) in _MISSING_KEY:
            actions.append("s3:GetObjectVersion")  # a location may name a version
        if versioned and (service, operation) == ("s3", "DeleteObjects"):
            actions.append("s3:DeleteObjectVersion")
        for action in STATED_DEPENDENTS.get((_prefix(service), operation), ((), None))[0]:
            found.setdefault(action, []).append(f"stated dependent of {service}:{operation} ({where})")
        for action in actions:
            found.setdefault(action, []).append(where)
            for dependent in dependent_actions(action):
                found.setdefault(dependent, []).append(f"dependent of {action} ({where})")
        if (service, operation) in _MISSING_KEY:
            found.setdefault("s3:ListBucket", []).append(f"404 for a missing key ({where})")
    return found
