"""pytest plugin: every call a provider or function made under its shipped role, written at the
end of the session to ``test-output/iam-report.json`` (one file per xdist worker)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gapfill.emulator.iam import report
from gapfill.emulator.iam.roles import SESSION_PARAMETERS

REPORT_DIR = Path(__file__).resolve().parents[1] / "test-output"

#: The test session's buckets have random names: the providers stack it plays allows any bucket
#: of the account (the ``s3:ResourceAccount`` condition still applies). Tests that prove the
#: allow-lists pass their own parameters.
SESSION_PARAMETERS.update(
    {
        "PageBuckets": "*",
        "PageSourceBuckets": "*",
        "FlowSourceBuckets": "*",
        "DirectoryBuckets": "*",
        "NotificationBuckets": "*",
        "ObjectBuckets": "*",
        "ObjectSourceBuckets": "*",
        "EmptiedBuckets": "*",
    }
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not report.calls():
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    report.write(REPORT_DIR / (f"iam-report-{worker}.json" if worker else "iam-report.json"))
