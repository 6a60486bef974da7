"""Where the runtime code makes each AWS call, by IAM action: the "needed by" of the roles table.

The code is read, not run: every ``client("<service>")`` a module creates names the services
whose boto3 method names (botocore's ``xform_name`` of the model's operations) are looked for
in that module, as attribute calls (``s3.head_object(``) or as the names handed to a call
helper (``self.call("search_users", ...)``). Each operation becomes its IAM actions and their
documented dependent actions through the Service Authorization Reference.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("providers", "functions")
_CLIENT = re.compile(r"""client\(\s*["']([a-z0-9-]+)["']""")
#: S3 answers these 404 for a missing key only to a caller with s3:ListBucket (else 403).
_MISSING_KEY = {("s3", "HeadObject"), ("s3", "GetObject")}
_WORD = re.compile(r"""(?:\.|["'])([a-z][a-z0-9_]+)(?:\(|["'])""")


@functools.cache
def _operations(service: str) -> Mapping[str, str]:
    """boto3 method name -> operation name, for one service."""
    import botocore.loaders
    from botocore import xform_name

    model = botocore.loaders.Loader().load_service_model(service, "service-2")
    return {xform_name(name): name for name in model.get("operations", {})}


@functools.cache
def _prefix(service: str) -> str:
    """The IAM prefix of a botocore service: the name it signs with (``lexv2-models`` signs as ``lex``)."""
    import botocore.loaders

    metadata = botocore.loaders.Loader().load_service_model(service, "service-2").get("metadata", {})
    return str(metadata.get("signingName") or metadata.get("endpointPrefix") or service)


def _calls_in(path: Path, everywhere: list[str]) -> list[tuple[str, str, int]]:
    """(service, operation, line) of every call a module makes (a module handed its client by
    another uses the services any module creates clients of)."""
    text = path.read_text(encoding="utf-8")
    services = sorted(set(_CLIENT.findall(text))) or everywhere
    found: list[tuple[str, str, int]] = []
    for number, line in enumerate(text.splitlines(), 1):
        for word in _WORD.findall(line):
            for service in services:
                operation = _operations(service).get(word)
                if operation:
                    found.append((service, operation, number))
    return found


def call_sites(roots: Iterable[str] = ROOTS) -> dict[str, list[str]]:
    """IAM action -> the places that need it (``path:line Operation``, or ``via <action>``)."""
    from gapfill.emulator.iam.authorization import STATED_DEPENDENTS, actions_for, dependent_actions

    paths = [p for root in roots for p in sorted((REPO / root).rglob("*.py"))]
    everywhere = sorted({s for p in paths for s in _CLIENT.findall(p.read_text(encoding="utf-8"))})
    sites: dict[str, list[str]] = {}
    for path in paths:
        shown = path.relative_to(REPO).as_posix()
        # a version id built anywhere in the module's package (rules.py beside handlers.py)
        versioned = any("VersionId" in p.read_text(encoding="utf-8") for p in path.parent.glob("*.py"))
        for service, operation, line in _calls_in(path, everywhere):
            where = f"{shown}:{line} {operation}"
            actions = list(actions_for(_prefix(service), operation))
            if versioned and (service, operation) in _MISSING_KEY:
                actions.append("s3:GetObjectVersion")  # a location may name a version
            if versioned and (service, operation) == ("s3", "DeleteObjects"):
                actions.append("s3:DeleteObjectVersion")
            for action in STATED_DEPENDENTS.get((_prefix(service), operation), ((), None))[0]:
                sites.setdefault(action, []).append(f"stated dependent of {service}:{operation} ({where})")
            for action in actions:
                sites.setdefault(action, []).append(where)
                for dependent in dependent_actions(action):
                    sites.setdefault(dependent, []).append(f"dependent of {action} ({where})")
            if (service, operation) in _MISSING_KEY:
                sites.setdefault("s3:ListBucket", []).append(f"404 for a missing key ({where})")
    return sites
