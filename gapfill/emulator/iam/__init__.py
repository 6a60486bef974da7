"""IAM evaluated in the emulator: each function's calls are authorised by its shipped role.

:class:`.middleware.Authorizer` is one of the server's WSGI layers (``gapfill.emulator.server.layers``);
:func:`signing_as` makes the calls of a block sign with a role's key.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

from gapfill.emulator.iam.middleware import Authorizer, register
from gapfill.emulator.iam.roles import Role, load_role, provider_environment, provider_role

__all__ = [
    "Authorizer",
    "Role",
    "load_role",
    "provider_environment",
    "provider_role",
    "register",
    "signing_as",
]


@contextlib.contextmanager
def signing_as(role: Role | None, environment: Mapping[str, str] | None = None) -> Iterator[None]:
    """Sign this process's boto3 calls (``providers.core.aws`` clients) with ``role``'s key, with
    the function's own ``environment`` variables set for the block."""
    if role is None:
        yield
        return
    changes = {"AWS_ACCESS_KEY_ID": register(role), **(environment or {})}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
