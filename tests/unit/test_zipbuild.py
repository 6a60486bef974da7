"""The zip writer's reproducibility and filtering, on small fake trees (no pip, no network)."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest

from gapfill.bundling import zipbuild


def fake_tree(base: Path) -> tuple[Path, Path]:
    """A repo root with providers/ and schemas/, and a pip --target site beside it."""
    root = base / "root"
    (root / "providers" / "core" / "__pycache__").mkdir(parents=True)
    (root / "providers" / "__init__.py").write_text("")
    (root / "providers" / "core" / "engine.py").write_text("X = 1\n")
    (root / "providers" / "core" / "__pycache__" / "engine.cpython-312.pyc").write_bytes(b"\0junk")
    (root / "providers" / "stray.pyc").write_bytes(b"\0junk")
    (root / "schemas").mkdir()
    (root / "schemas" / "Thing.json").write_text("{}")
    site = base / "site"
    (site / "lib" / "__pycache__").mkdir(parents=True)
    (site / "lib" / "__init__.py").write_text("Y = 2\n")
    (site / "lib" / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"\0")
    (site / "lib-1.0.dist-info").mkdir()
    for name in ("METADATA", "RECORD", "INSTALLER", "REQUESTED", "WHEEL"):
        (site / "lib-1.0.dist-info" / name).write_text(f"{name} of lib\n")
    (site / "bin").mkdir()
    (site / "bin" / "lib-cli").write_text("#!/some/build/machine/python\n")
    return root, site


def test_entries_leave_out_bytecode_pip_records_and_console_scripts(tmp_path: Path) -> None:
    root, site = fake_tree(tmp_path)
    names = sorted(zipbuild.collect(root, site))
    assert names == [
        "lib-1.0.dist-info/METADATA",
        "lib-1.0.dist-info/WHEEL",
        "lib/__init__.py",
        "providers/__init__.py",
        "providers/core/engine.py",
        "schemas/Thing.json",
    ]


def test_same_tree_gives_the_same_bytes_whatever_the_file_times(tmp_path: Path) -> None:
    root, site = fake_tree(tmp_path)
    first = tmp_path / "a.zip"
    zipbuild.write_zip(zipbuild.collect(root, site), first)
    # Touch every file with a different time and permission: nothing of that may leak in.
    later = time.time() + 3600
    for path in [*root.rglob("*"), *site.rglob("*")]:
        if path.is_file():
            path.chmod(0o755)
            os.utime(path, (later, later))
    second = tmp_path / "b.zip"
    zipbuild.write_zip(zipbuild.collect(root, site), second)
    assert first.read_bytes() == second.read_bytes()


def test_entries_are_sorted_with_fixed_time_and_mode(tmp_path: Path) -> None:
    root, site = fake_tree(tmp_path)
    out = tmp_path / "x.zip"
    unzipped, groups = zipbuild.write_zip(zipbuild.collect(root, site), out)
    with zipfile.ZipFile(out) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("providers/core/engine.py") == b"X = 1\n"
        assert unzipped == sum(i.file_size for i in infos)
    assert groups["providers/"] == len("X = 1\n")
    assert groups["(wheel metadata)"] == len("METADATA of lib\n") + len("WHEEL of lib\n")


def test_a_file_both_in_the_tree_and_in_a_dependency_is_refused(tmp_path: Path) -> None:
    root, site = fake_tree(tmp_path)
    (site / "providers").mkdir()
    (site / "providers" / "__init__.py").write_text("shadow")
    with pytest.raises(zipbuild.BuildError, match=r"providers/__init__\.py"):
        zipbuild.collect(root, site)


def test_missing_schemas_directory_is_an_error(tmp_path: Path) -> None:
    root, site = fake_tree(tmp_path)
    for path in (root / "schemas").iterdir():
        path.unlink()
    (root / "schemas").rmdir()
    with pytest.raises(zipbuild.BuildError, match="schemas"):
        zipbuild.collect(root, site)


@pytest.mark.parametrize(
    ("zipped", "unzipped", "needle"),
    [
        (50 * 1024 * 1024 + 1, 1, "direct-upload"),
        (1, 250 * 1024 * 1024 + 1, "unzipped"),
    ],
)
def test_limits(zipped: int, unzipped: int, needle: str) -> None:
    with pytest.raises(zipbuild.BuildError, match=needle):
        zipbuild.check_limits(zipped, unzipped)
    zipbuild.check_limits(50 * 1024 * 1024, 250 * 1024 * 1024)  # exactly at the limit is fine


def test_pins_must_be_exact_and_not_runtime_provided(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# comment\njsonschema==4.26.0  # why\n\nrpds-py == 2026.9.1\n")
    assert zipbuild.read_pins(good) == [
        zipbuild.Pin("jsonschema", "4.26.0"),
        zipbuild.Pin("rpds-py", "2026.9.1"),
    ]
    loose = tmp_path / "loose.txt"
    loose.write_text("jsonschema>=4\n")
    with pytest.raises(zipbuild.BuildError, match="not pinned"):
        zipbuild.read_pins(loose)
    runtime = tmp_path / "runtime.txt"
    runtime.write_text("boto3==1.34.0\n")
    with pytest.raises(zipbuild.BuildError, match="Lambda runtime"):
        zipbuild.read_pins(runtime)


def test_wheel_prefix_follows_wheel_name_escaping() -> None:
    assert zipbuild.Pin("rpds-py", "1.0").wheel_prefix == "rpds_py-1.0-"
    assert zipbuild.Pin("aws-lambda-powertools", "3.37.0").wheel_prefix == "aws_lambda_powertools-3.37.0-"


def test_committed_requirements_are_all_pinned() -> None:
    pins = zipbuild.read_pins()
    names = {p.name.lower() for p in pins}
    assert {"aws-lambda-powertools", "jsonschema", "rpds-py"} <= names


def test_unknown_architecture_is_refused(tmp_path: Path) -> None:
    with pytest.raises(zipbuild.BuildError, match="unknown architecture"):
        zipbuild.build(output_dir=tmp_path, arch="sparc")
