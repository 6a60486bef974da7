"""The providers' IAM role policies from packaging/template.yaml, as concrete JSON documents.

Resolved by the emulator's own reader of shipped roles (gapfill.emulator.iam.roles), with the
providers stack's parameter defaults: the documents the emulator evaluates calls against are
the documents the auditors see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gapfill.emulator.iam.roles import PROVIDERS_STACK, PROVIDERS_TEMPLATE, load_role, template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "packaging" / "template.yaml"


def role_policies() -> dict[str, dict[str, Any]]:
    """Role logical id -> its (single, inline) policy document, resolved."""
    resources = template(PROVIDERS_TEMPLATE).get("Resources", {})
    out: dict[str, dict[str, Any]] = {}
    for name, resource in resources.items():
        if resource.get("Type") == "AWS::IAM::Role":
            (document,) = load_role(
                PROVIDERS_TEMPLATE, name, stack_name=PROVIDERS_STACK, parameters={}
            ).policies
            out[name] = dict(document)
    return out
