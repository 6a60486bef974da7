"""``gapfill drift --local`` on the local job played in-process: a flat template deployed, its
record written as ``gapfill deploy --local`` writes it, then drift before and after changes
made by hand in the emulator (the per-type changes are in the contract suite's read check)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

from gapfill.cli import main
from gapfill.deploy.params import load as load_parameters
from gapfill.drift.local import RECORD_NAME, write_record
from gapfill.local.deployment import LocalDeployment
from gapfill.local.plan import SEED_DIR
from gapfill.local.record import targets
from tests.contract.suite import parse_table

QR = Path(__file__).resolve().parents[2] / "templates" / "qr-upload.yaml"


def _drift(record: Path) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["drift", "--local", "--record", str(record)])
    return code, out.getvalue()


def test_drift_is_clean_after_deploy_and_names_each_change_made_by_hand(
    emulator: Any, aws: Any, tmp_path: Path
) -> None:
    params = load_parameters(SEED_DIR / "qr-upload-local-parameters.json")
    deployment = LocalDeployment(QR, params, progress=lambda _line: None, stack_name="it-drift")
    try:
        deployment.deploy()
        assert not deployment.failed, deployment.table()
        record = write_record(tmp_path / RECORD_NAME, targets(deployment), emulator.endpoint)
        code, out = _drift(record)
        assert code == 0, out
        kinds = {row.resource_type for row in parse_table(out)}
        assert {"Custom::S3Objects", "Custom::S3BucketNotification", "Custom::S3BucketEmptier"} <= kinds
        assert f"{len(deployment.created)} gapfill resources: {len(deployment.created)} IN_SYNC" in out

        files = next(c for c in deployment.created if c.resource_type == "Custom::S3Objects")
        prefix = str(files.properties.get("Prefix") or "")
        aws("s3").delete_object(Bucket=files.properties["Bucket"], Key=f"{prefix}config.json")
        notification = next(
            c for c in deployment.created if c.resource_type == "Custom::S3BucketNotification"
        )
        aws("s3").put_bucket_notification_configuration(
            Bucket=notification.properties["BucketName"], NotificationConfiguration={}
        )
        code, out = _drift(record)
        assert code == 1, out
        changed = {(r.logical_id, r.path.split(".")[0].split("[")[0], r.status) for r in parse_table(out)}
        assert (files.logical_id, "Files", "MODIFIED") in changed, out
        assert (notification.logical_id, "NotificationConfiguration", "MODIFIED") in changed, out
    finally:
        deployment.delete_all()
        deployment.close()


def test_without_a_record_drift_says_what_to_run(tmp_path: Path, capsys: Any) -> None:
    assert main(["drift", "--local", "--record", str(tmp_path / "none.json")]) == 2
    assert "gapfill deploy --local --keep" in capsys.readouterr().err
