"""Audit of the providers' IAM roles with parliament (run from its own venv, .tools/parliament,
built by scripts/tool-venvs.sh). Every finding is either fixed or justified in
parliament_justifications.json; a justification that matches nothing any more must go.

That each role grants exactly its schema's ``handlers`` permissions is proven by
tests/templates/test_packaging_iam.py; this file does not repeat it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.security.policies import REPO, role_policies

PARLIAMENT = REPO / ".tools" / "parliament" / "bin" / "parliament"
JUSTIFICATIONS = Path(__file__).with_name("parliament_justifications.json")


def _actions(detail: Any) -> set[str]:
    found: set[str] = set()
    for item in detail if isinstance(detail, list) else [detail]:
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict) and "action" in item:
            found.add(str(item["action"]))
    return found


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    assert PARLIAMENT.exists(), "parliament is missing: run `bash scripts/tool-venvs.sh` (or `make setup`)"
    folder = tmp_path_factory.mktemp("policies")
    policies = role_policies()
    assert policies, "no IAM roles found in packaging/template.yaml"
    for role, document in policies.items():
        (folder / f"{role}.json").write_text(json.dumps(document))
    done = subprocess.run(
        [str(PARLIAMENT), "--directory", str(folder), "--include_policy_extension", ".json", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    out = []
    for line in done.stdout.splitlines():
        if line.strip():
            record = json.loads(line)
            record["role"] = Path(record["location"]["filepath"]).stem
            out.append(record)
    return out


def _justifications() -> list[dict[str, Any]]:
    return list(json.loads(JUSTIFICATIONS.read_text())["justified"])


def _matches(entry: dict[str, Any], finding: dict[str, Any]) -> bool:
    return (
        entry["role"] == finding["role"]
        and entry["issue"] == finding["issue"]
        and _actions(finding.get("detail")) <= set(entry["actions"])
    )


def test_every_parliament_finding_is_fixed_or_justified(findings: list[dict[str, Any]]) -> None:
    justified = _justifications()
    open_findings = [
        {k: f[k] for k in ("role", "issue", "severity", "detail")}
        for f in findings
        if not any(_matches(entry, f) for entry in justified)
    ]
    assert open_findings == [], json.dumps(open_findings, indent=1)


def test_every_justification_has_a_reason_and_still_matches_a_finding(findings: list[dict[str, Any]]) -> None:
    for entry in _justifications():
        assert len(entry["reason"].strip()) >= 40, f"justification without a real reason: {entry}"
        assert any(_matches(entry, f) for f in findings), f"stale justification (fixed? remove it): {entry}"


def test_no_high_or_critical_findings(findings: list[dict[str, Any]]) -> None:
    assert [f for f in findings if f["severity"] in ("HIGH", "CRITICAL")] == []


def test_the_audit_can_fail_on_a_wildcard_policy(tmp_path: Path) -> None:
    """The auditor really flags what it should (guards against a silently broken tool run)."""
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    (tmp_path / "Bad.json").write_text(json.dumps(bad))
    done = subprocess.run(
        [str(PARLIAMENT), "--directory", str(tmp_path), "--include_policy_extension", ".json", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    issues = {json.loads(line)["issue"] for line in done.stdout.splitlines() if line.strip()}
    assert issues, "parliament reported nothing for Action s3:* on Resource *"
