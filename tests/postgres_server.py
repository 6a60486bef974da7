"""The tests' PostgreSQL server: the product's embedded one (:mod:`gapfill.local.postgres`)."""

from __future__ import annotations

from gapfill.local.postgres import PASSWORD, SUPERUSER, Server, bindir, certificates, server

__all__ = ["PASSWORD", "SUPERUSER", "Server", "bindir", "certificates", "server"]
