"""checkov over templates/ and packaging/ (from its own venv, .tools/checkov, built by
scripts/tool-venvs.sh): zero failed checks, and every suppression in a template carries a
written reason (``Metadata: checkov: skip: - id: ... comment: <why>``)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.security.policies import REPO

CHECKOV = REPO / ".tools" / "checkov" / "bin" / "checkov"
TARGETS = ("templates", "packaging")


def _run(directory: str) -> list[dict[str, Any]]:
    assert CHECKOV.exists(), "checkov is missing: run `bash scripts/tool-venvs.sh` (or `make setup`)"
    done = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(REPO / directory),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",  # offline: no guideline lookups against the vendor's API
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.stdout.strip(), f"checkov printed nothing: {done.stderr[-2000:]}"
    report = json.loads(done.stdout)
    return report if isinstance(report, list) else [report]


@pytest.fixture(scope="module", params=TARGETS)
def report(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return str(request.param), _run(str(request.param))


def test_templates_were_scanned(report: tuple[str, list[dict[str, Any]]]) -> None:
    directory, runs = report
    scanned = sum(int(r.get("summary", {}).get("resource_count", 0)) for r in runs)
    assert scanned > 0, f"checkov scanned no CloudFormation resources under {directory}/"
    assert all(int(r.get("summary", {}).get("parsing_errors", 0)) == 0 for r in runs)


def test_zero_failed_checks(report: tuple[str, list[dict[str, Any]]]) -> None:
    directory, runs = report
    failed = [
        f"{f['check_id']} {directory}{f['file_path']} {f['resource']}: {f['check_name']}"
        for r in runs
        for f in r.get("results", {}).get("failed_checks", [])
    ]
    assert failed == [], "\n".join(failed)


def test_every_suppression_has_a_written_reason(report: tuple[str, list[dict[str, Any]]]) -> None:
    directory, runs = report
    bare = [
        f"{f['check_id']} {directory}{f['file_path']} {f['resource']}"
        for r in runs
        for f in r.get("results", {}).get("skipped_checks", [])
        if len(str(f.get("suppress_comment") or "").strip()) < 10
    ]
    assert bare == [], "suppressions without a reason:\n" + "\n".join(bare)
