"""`gapfill publish --dry-run` against the emulator: checks, uploads and the packaged template."""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

import providers
from gapfill.bundling import sar, zipbuild
from gapfill.cli import main
from gapfill.local.template import loads


def _zip(folder: Path, version: str = providers.__version__, arch: str = "arm64") -> Path:
    """A zip with its manifest, as `gapfill package` leaves them (publish reads only these)."""
    path = folder / zipbuild.ZIP_NAME
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("providers/__init__.py", f'__version__ = "{version}"\n')
    (folder / zipbuild.MANIFEST_NAME).write_text(json.dumps({"version": version, "arch": arch}))
    return path


def _bucket(aws: Any, readable: bool) -> str:
    name = f"it-sar-{uuid.uuid4().hex[:12]}"
    aws("s3").create_bucket(Bucket=name)
    if readable:
        aws("s3").put_bucket_policy(Bucket=name, Policy=json.dumps(sar.required_policy(name, "123456789012")))
    return name


def _publish(tmp_path: Path, bucket: str, zip_path: Path) -> int:
    argv = ["publish", "--bucket", bucket, "--region", "us-east-1", "--dry-run"]
    return main([*argv, "--zip", str(zip_path), "--output", str(tmp_path / "out")])


def test_a_dry_run_uploads_the_artefacts_and_writes_the_packaged_template(
    tmp_path: Path, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = _bucket(aws, readable=True)
    assert _publish(tmp_path, bucket, _zip(tmp_path)) == 0
    out = capsys.readouterr().out
    assert f"packaged gapfill-providers {providers.__version__}" in out
    assert "dry run: would create gapfill-providers" in out
    tree = loads((tmp_path / "out" / "template.yaml").read_text(encoding="utf-8"))
    listing = tree["Metadata"]["AWS::ServerlessRepo::Application"]
    code = {
        r["Properties"]["CodeUri"] for r in tree["Resources"].values() if "CodeUri" in r.get("Properties", {})
    }
    assert len(code) == 1
    for uri, local in (
        (next(iter(code)), tmp_path / zipbuild.ZIP_NAME),
        (listing["LicenseUrl"], sar.LICENSE),
    ):
        assert uri.startswith(f"s3://{bucket}/gapfill-sar/{providers.__version__}/")
        key = uri.removeprefix(f"s3://{bucket}/")
        assert aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == local.read_bytes()


def test_a_bucket_sar_cannot_read_is_refused_with_the_policy_to_add(
    tmp_path: Path, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = _bucket(aws, readable=False)
    assert _publish(tmp_path, bucket, _zip(tmp_path)) == 1
    err = capsys.readouterr().err
    assert f"bucket {bucket} does not let serverlessrepo.amazonaws.com read its objects" in err
    assert '"Service": "serverlessrepo.amazonaws.com"' in err
    assert not aws("s3").list_objects_v2(Bucket=bucket).get("Contents")


def test_a_zip_of_another_version_is_refused(
    tmp_path: Path, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = _bucket(aws, readable=True)
    assert _publish(tmp_path, bucket, _zip(tmp_path, version="0.0.1")) == 1
    assert "the zip is version '0.0.1'" in capsys.readouterr().err
