"""checkov over every stack template: no failed check, and every suppression carries a reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
CONCERT_PLATFORM = ("platform", "networking", "storage", "compute", "chatbot", "monitoring", "logging")
STACKS = (
    "main",
    "connect",
    "frontend",
    "backend",
    "chat",
    "qr-upload",
    *(f"concert-platform/{name}" for name in CONCERT_PLATFORM),
)


@pytest.mark.tools
def test_checkov_passes_every_template() -> None:
    assert CHECKOV.exists(), "run scripts/tool-venvs.sh to build .tools/checkov"
    files = [str(ROOT / "templates" / f"{name}.yaml") for name in STACKS]
    args = [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--quiet", "-o", "json"]
    for path in files:
        args += ["-f", path]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{c['file_path']}: {c['check_id']} {c['resource']}"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert failed == []
    summaries = [r["summary"] for r in reports]
    assert sum(s["parsing_errors"] for s in summaries) == 0
    assert sum(s["failed"] for s in summaries) == 0
    assert sum(s["passed"] for s in summaries) > 100, "checkov checked (almost) nothing"


@pytest.mark.parametrize("name", STACKS)
def test_every_checkov_skip_has_a_reason(name: str) -> None:
    template, _ = decode(str(ROOT / "templates" / f"{name}.yaml"))
    for logical, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip["id"].startswith("CKV")
            assert len(str(skip.get("comment", ""))) > 20, (
                f"{name}: {logical} skips {skip['id']} without a reason"
            )
