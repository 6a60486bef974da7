"""The zip is verifiable: pins carry hashes, cached wheels are trusted by content, upstream
test suites stay out, and the manifest names every dependency with its sha256."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from gapfill.bundling import zipbuild

HASH_A = "a" * 64


def test_pins_carry_their_hashes_across_continuation_lines(tmp_path: Path) -> None:
    locked = tmp_path / "requirements.txt"
    locked.write_text(
        "# header\n"
        f"rpds-py==2026.9.1 \\\n    --hash=sha256:{HASH_A} \\\n    --hash=sha256:{'b' * 64}\n"
        f"attrs==26.1.0 --hash=sha256:{'c' * 64}  # why\n"
    )
    pins = zipbuild.read_pins(locked)
    assert [(p.name, p.version, sorted(p.hashes)) for p in pins] == [
        ("rpds-py", "2026.9.1", [HASH_A, "b" * 64]),
        ("attrs", "26.1.0", ["c" * 64]),
    ]
    bad = tmp_path / "bad.txt"
    bad.write_text("attrs==26.1.0 --hash=md5:abc\n")
    with pytest.raises(zipbuild.BuildError, match="not pinned"):
        zipbuild.read_pins(bad)


def test_every_committed_pin_has_a_hash() -> None:
    assert all(pin.hashes for pin in zipbuild.read_pins())


def test_a_wheel_whose_hash_is_not_pinned_is_rejected_naming_the_file(tmp_path: Path) -> None:
    wheel = tmp_path / "attrs-26.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not the release")
    pin = zipbuild.Pin("attrs", "26.1.0", frozenset({HASH_A}))
    with pytest.raises(zipbuild.BuildError) as refused:
        zipbuild.verified_wheels([pin], tmp_path)
    message = str(refused.value)
    assert "attrs-26.1.0-py3-none-any.whl" in message
    assert hashlib.sha256(b"not the release").hexdigest() in message
    assert "tampered" in message
    good = zipbuild.Pin("attrs", "26.1.0", frozenset({hashlib.sha256(b"not the release").hexdigest()}))
    assert zipbuild.verified_wheels([good], tmp_path)[0].path == wheel
    with pytest.raises(zipbuild.BuildError, match="no --hash"):
        zipbuild.verified_wheels([zipbuild.Pin("attrs", "26.1.0")], tmp_path)


@pytest.mark.parametrize(
    ("name", "dropped"),
    [
        ("jsonschema/tests/test_validators.py", True),
        ("referencing/tests/__init__.py", True),
        ("attr/test_x.py", True),
        ("pkg/conftest.py", True),
        ("tests/__init__.py", True),
        ("jsonschema/validators.py", False),
        ("jsonschema/_testing.py", False),
        ("aws_lambda_powertools/utilities/data_classes/__init__.py", False),
    ],
)
def test_upstream_test_modules_are_recognised(name: str, dropped: bool) -> None:
    assert zipbuild.upstream_test(name) is dropped


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for part in ("providers", "schemas", "functions"):
        shutil.copytree(zipbuild.REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "packaging").mkdir()
    shutil.copy2(zipbuild.REQUIREMENTS, root / "packaging" / "requirements.txt")
    return root


def test_the_build_ships_no_upstream_tests_and_writes_each_dependency_in_the_manifest(
    tree: Path, tmp_path: Path
) -> None:
    built = zipbuild.build(root=tree, output_dir=tmp_path, arch="arm64")
    with zipfile.ZipFile(built.path) as archive:
        names = archive.namelist()
    assert [n for n in names if "/tests/" in n or n.split("/")[-1].startswith("test_")] == []
    manifest = json.loads((tmp_path / zipbuild.MANIFEST_NAME).read_text())
    pins = {pin.name: pin for pin in zipbuild.read_pins(tree / "packaging" / "requirements.txt")}
    assert sorted(d["name"] for d in manifest["dependencies"]) == sorted(pins)
    for dependency in manifest["dependencies"]:
        assert dependency["version"] == pins[dependency["name"]].version
        assert dependency["sha256"] in pins[dependency["name"]].hashes
        assert dependency["wheel"].endswith(".whl")


def test_a_tampered_wheel_in_the_cache_fails_the_build(tree: Path, tmp_path: Path) -> None:
    pins = zipbuild.read_pins(tree / "packaging" / "requirements.txt")
    folder = zipbuild.ensure_wheels(pins, "arm64", zipbuild.DEFAULT_CACHE)
    cache = tmp_path / "cache"
    shutil.copytree(folder, cache / folder.name)
    [target] = list((cache / folder.name).glob("jsonschema-4.26.0-*.whl"))
    with zipfile.ZipFile(target, "a") as wheel:  # still a valid wheel, with one more module
        wheel.writestr("jsonschema/backdoor.py", "print('owned')\n")
    with pytest.raises(
        zipbuild.BuildError, match=r"jsonschema-4\.26\.0-py3-none-any\.whl has sha256 .* tampered"
    ):
        zipbuild.build(root=tree, output_dir=tmp_path / "out", arch="arm64", cache=cache)
    assert not (tmp_path / "out" / zipbuild.ZIP_NAME).exists()
