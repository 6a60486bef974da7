"""Amazon Connect operations that moto lacks, grafted onto moto's own Connect backend.

moto implements only instance operations of Connect. Each module listed in
:data:`PARTS` adds a group of operations (contact flows, users, phone numbers, ...) as
two plain classes:

* ``Backend``: methods and state grafted onto ``moto.connect.models.ConnectBackend``
  (``init_state(self)`` runs after moto's own ``__init__`` and on every reset);
* ``Responses``: request handlers grafted onto ``moto.connect.responses.ConnectResponse``,
  named after the operation in snake case, as moto dispatches them.

Routing needs no per-operation work: Connect is a rest-json service, moto's router finds
the operation from method and URI using botocore's service model, so one catch-all path
sends every Connect URI to ``ConnectResponse``. Behaviour knobs (creation delay, failures,
claim races, throttling) live in :mod:`gapfill.emulator.connect.knobs`, settable in
process or over HTTP at ``/moto-api/gapfill/connect``.

The same installation serves in-process ``mock_aws`` and moto server.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

#: Operation groups, in install order. A module that does not exist yet is skipped.
PARTS = (
    "gapfill.emulator.connect.instances",
    "gapfill.emulator.connect.contact_flows",
    "gapfill.emulator.connect.queues",
    "gapfill.emulator.connect.phone_numbers",
    "gapfill.emulator.connect.users",
    "gapfill.emulator.connect.profiles",
    "gapfill.emulator.connect.storage",
    "gapfill.emulator.connect.flow_modules",
    "gapfill.emulator.connect.agent_statuses",
)

_installed = False
_lock = threading.Lock()
_init_hooks: list[Any] = []


def _graft(target: type, source: type) -> None:
    for name, value in vars(source).items():
        if name.startswith("__") and name.endswith("__"):
            continue
        if name == "init_state":
            _init_hooks.append(value)
            continue
        setattr(target, name, value)


def install() -> None:
    """Graft every part onto moto's Connect classes; idempotent and thread-safe."""
    global _installed  # noqa: PLW0603 - process-wide, like moto's own registries
    with _lock:
        if _installed:
            return
        from moto.connect import urls
        from moto.connect.models import ConnectBackend
        from moto.connect.responses import ConnectResponse

        from gapfill.emulator.connect import knobs

        for module_name in PARTS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    continue
                raise
            if hasattr(module, "Backend"):
                _graft(ConnectBackend, module.Backend)
            if hasattr(module, "Responses"):
                _graft(ConnectResponse, module.Responses)

        original_init = ConnectBackend.__init__

        def __init__(self: Any, region_name: str, account_id: str) -> None:
            original_init(self, region_name, account_id)
            knobs.init_state(self)
            for hook in _init_hooks:
                hook(self)

        ConnectBackend.__init__ = __init__  # type: ignore[method-assign]
        knobs.wrap_call_action(ConnectResponse)
        # One catch-all route: the rest-json router picks the operation from the URI.
        urls.url_paths.setdefault("{0}/(?P<ConnectPath>.*)$", ConnectResponse.dispatch)
        knobs.install_http_endpoint()
        _installed = True


def backend(account_id: str = "123456789012", region: str = "us-east-1") -> Any:
    """The live Connect backend (shared with a ThreadedMotoServer in this process)."""
    install()
    from moto.connect.models import connect_backends

    return connect_backends[account_id][region]
