"""The one Lambda entry point: ``providers.handler.lambda_handler``.

It dispatches on the event's ``ResourceType`` or, when ``GAPFILL_PROVIDER`` names a type,
serves only that type (one function per provider, which also works with
``AWS::CloudFormation::CustomResource``). Provider modules are imported lazily.

If the protocol core itself cannot be imported (a broken deployment package), a
standard-library fallback still sends the one FAILED response CloudFormation waits for.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
from typing import Any

#: A cold start (these imports, the provider's, botocore's first client and service model)
#: allocates a few hundred thousand objects that live as long as the container; the cyclic
#: collector would scan them again and again on the way (about 5-10 % of a cold start).
#: Collections wait until the first event has been served; then those objects are frozen
#: (never scanned again) and the usual thresholds come back. Only memory held in reference
#: cycles is affected, and only until the first answer.
_GC_THRESHOLDS = gc.get_threshold()
_COLD_GC_THRESHOLD = 50_000
_cold = True
gc.set_threshold(max(_GC_THRESHOLDS[0], _COLD_GC_THRESHOLD), *_GC_THRESHOLDS[1:])

try:
    from providers.core import engine as _engine
    from providers.core.errors import UnknownResourceTypeError
    from providers.registry import PROVIDERS, normalise_type

    _IMPORT_ERROR: BaseException | None = None
except Exception as _exc:  # pragma: no cover - exercised by a subprocess test
    _IMPORT_ERROR = _exc


def resolve(resource_type: str) -> Any:
    """Find and import the provider class for ``resource_type``."""
    served = os.environ.get("GAPFILL_PROVIDER", "").strip()
    wanted = normalise_type(resource_type)
    if served:
        served = normalise_type(served)
        if wanted != served and resource_type != "AWS::CloudFormation::CustomResource":
            raise UnknownResourceTypeError(
                f"this function serves {served} only (GAPFILL_PROVIDER), not '{resource_type[:80]}'"
            )
        wanted = served
    target = PROVIDERS.get(wanted)
    if target is None:
        known = ", ".join(sorted(PROVIDERS))
        raise UnknownResourceTypeError(
            f"unknown resource type '{resource_type[:80]}'; this function serves {known}"
        )
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def _schema_type(resource_type: str) -> str:
    """The canonical type an event is served as; a type this function does not serve is left
    as it came, so that :func:`resolve` refuses it by name."""
    wanted = normalise_type(resource_type)
    served = os.environ.get("GAPFILL_PROVIDER", "").strip()
    if not served:
        return wanted
    served = normalise_type(served)
    if wanted == served or resource_type == "AWS::CloudFormation::CustomResource":
        return served
    return resource_type


def lambda_handler(event: Any, context: Any) -> None:
    """Serve one CloudFormation custom-resource event; always answers, never raises."""
    if _IMPORT_ERROR is not None:
        _emergency_failed(event, f"gapfill failed to load: {type(_IMPORT_ERROR).__name__}: {_IMPORT_ERROR}")
        return
    if isinstance(event, dict) and isinstance(event.get("ResourceType"), str):
        # Schemas are looked up by the canonical type, whatever alias the template used.
        event = {**event, "ResourceType": _schema_type(event["ResourceType"])}
    try:
        _engine.run(event, context, resolve)
    finally:
        _warm_up_done()


def _warm_up_done() -> None:
    """After the first event: freeze what the cold start loaded, restore the collector."""
    global _cold  # noqa: PLW0603 - once per container
    if _cold:
        _cold = False
        gc.freeze()
        gc.set_threshold(*_GC_THRESHOLDS)


def _emergency_failed(event: Any, reason: str) -> None:
    """Standard-library-only FAILED response, for when the core cannot be imported."""
    import urllib.request
    from urllib.parse import urlsplit

    print(json.dumps({"level": "ERROR", "message": reason}), file=sys.stderr)
    if not isinstance(event, dict) or not isinstance(event.get("ResponseURL"), str):
        return
    url = event["ResponseURL"]
    parts = urlsplit(url)
    host = parts.hostname or ""
    aws = parts.scheme == "https" and host.endswith((".amazonaws.com", ".amazonaws.com.cn"))
    local = os.environ.get("GAPFILL_ALLOW_LOCAL_RESPONSE_URL") == "1" and host in (
        "127.0.0.1",
        "localhost",
        "::1",
    )
    if not (aws or local):
        return
    request_id = str(event.get("RequestId", ""))
    body = json.dumps(
        {
            "Status": "FAILED",
            "Reason": reason[:3000],
            "PhysicalResourceId": event.get("PhysicalResourceId")
            or f"gapfill-create-failed-{request_id[:36]}",
            "StackId": str(event.get("StackId", "")),
            "RequestId": request_id,
            "LogicalResourceId": str(event.get("LogicalResourceId", "")),
        }
    ).encode()
    request = urllib.request.Request(url, data=body, method="PUT", headers={"content-type": ""})  # noqa: S310
    for _ in range(3):
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310
                return
        except OSError:
            continue
