"""An embedded PostgreSQL server, started once per process in a temporary directory: the
default database of ``Custom::PostgresSql`` in ``gapfill deploy --local`` (it stands in for an
``AWS::RDS::DBInstance``) and the real server of the SQL tests.

The binaries come from Debian's ``postgresql`` package (``scripts/setup.sh`` installs it).
``initdb`` refuses to run as root, so as root the cluster is made and run as ``nobody`` (via
``runuser``). The server speaks TLS only (``hostssl`` in pg_hba.conf, plain connections
rejected) with a certificate signed by a throwaway CA that the tests hand to the provider the
way the RDS certificate bundle is handed to it in Lambda (``GAPFILL_RDS_CA_BUNDLE``). When the
server cannot be had, :func:`server` raises :class:`PostgresUnavailable` saying why: the tests
fail, they never skip, and the local job says what to install.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "local-test-only"  # noqa: S105 - a throwaway local server's, never a real one
SUPERUSER = "postgres"
_lock = threading.Lock()
_server: Server | None = None


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    ca_file: Path
    root: Path

    def connect(self, database: str = "postgres") -> object:
        import ssl

        import pg8000.native

        context = ssl.create_default_context(cafile=str(self.ca_file))
        return pg8000.native.Connection(
            self.user,
            host=self.host,
            port=self.port,
            database=database,
            password=self.password,
            ssl_context=context,
        )

    def create_database(self, name: str) -> str:
        conn = self.connect()
        try:
            conn.run(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
        finally:
            conn.close()  # type: ignore[attr-defined]
        return name


class PostgresUnavailable(RuntimeError):
    """The embedded server cannot be started (no binaries, or the server failed)."""


def bindir() -> Path:
    """Where initdb and pg_ctl are: Debian keeps them out of PATH, per major version."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: run scripts/setup.sh as root, "
            "which installs Debian's postgresql package (apt-get install postgresql); the embedded "
            "database of Custom::PostgresSql and the SQL tests need a real server"
        )
    return Path(candidates[0]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


def certificates(folder: Path) -> Path:
    """A CA and a server certificate for 127.0.0.1/localhost, made with openssl."""

    openssl = shutil.which("openssl")
    if openssl is None:
        raise PostgresUnavailable("openssl not found: the embedded PostgreSQL server's certificates need it")

    def ssl(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=folder)  # noqa: S603 - fixed argv

    ssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=gapfill test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    )
    ssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    ssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    )
    return folder / "ca.pem"


def _folder() -> tuple[Path, Path]:
    """A fresh folder for the server (its certificates and password file in it), owned by the
    server user when this process is root (PostgreSQL refuses to run as root); the CA file."""
    root = Path(tempfile.mkdtemp(prefix="gapfill-pg-"))
    os.chmod(root, 0o755)  # noqa: S103 - the server user (nobody) must enter it
    certs = root / "certs"
    certs.mkdir()
    ca_file = certificates(certs)
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        for path in (certs / "server.key", certs / "server.pem", pwfile):
            shutil.chown(path, "nobody")
        (root / "data").mkdir()
        shutil.chown(root / "data", "nobody")
        shutil.chown(root, "nobody")
    os.chmod(certs / "server.key", 0o600)
    return root, ca_file


def _configure(root: Path, port: int) -> None:
    """Loopback only, TLS required, no fsync: a server for tests and the local job."""
    data, certs = root / "data", root / "certs"
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{root}'\n"
            f"ssl = on\nssl_cert_file = '{certs / 'server.pem'}'\nssl_key_file = '{certs / 'server.key'}'\n"
            "fsync = off\nmax_connections = 40\n"
        )
    (data / "pg_hba.conf").write_text(
        "hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n"
    )


def _start() -> Server:
    binaries = bindir()
    root, ca_file = _folder()
    data, pwfile = root / "data", root / "pw"
    init = [
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        "-A",
        "scram-sha-256",
        f"--pwfile={pwfile}",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    ]
    subprocess.run(_as_server_user(init), check=True, capture_output=True)  # noqa: S603 - fixed argv
    port = _free_port()
    _configure(root, port)
    start = [
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(root / "server.log"),
        "-w",
        "-t",
        "60",
        "start",
    ]
    result = subprocess.run(_as_server_user(start), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        raise PostgresUnavailable(f"pg_ctl start failed: {result.stderr}{result.stdout}{log[-2000:]}")
    stop = [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]

    def stop_and_remove() -> None:
        subprocess.run(_as_server_user(stop), capture_output=True, check=False)  # noqa: S603
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop_and_remove)
    return Server("127.0.0.1", port, SUPERUSER, PASSWORD, ca_file, root)


def server() -> Server:
    """The process's PostgreSQL server, started on first use."""
    global _server  # noqa: PLW0603 - one server per test process
    with _lock:
        if _server is None:
            _server = _start()
        return _server
