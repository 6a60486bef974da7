"""Invoke the real Lambda entry point with an event and collect what CloudFormation receives.

Lighter than :class:`LocalCloudFormation.send` (no settling sleep per event) so that
hundreds of generated events per type stay fast: the response PUT is synchronous inside
the handler, so every PUT has arrived when the handler returns, and the watchdog cannot
fire later because each invocation gets a long Lambda timeout.
"""

from __future__ import annotations

import importlib.util
import json
import uuid
from dataclasses import dataclass
from typing import Any

from gapfill.local.protocol import LocalContext, Put, ResponseServer

MAX_BODY = 4096
REQUIRED_BODY_KEYS = ("Status", "PhysicalResourceId", "StackId", "RequestId", "LogicalResourceId")


def registered_types() -> list[str]:
    """Every type in the registry, landed or not: each must answer whatever it is sent."""
    from providers.registry import PROVIDERS

    return sorted(PROVIDERS)


def landed_types() -> list[str]:
    """Registry types whose module exists (the providers that really run)."""
    from providers.registry import PROVIDERS

    landed = []
    for resource_type, target in sorted(PROVIDERS.items()):
        try:
            found = importlib.util.find_spec(target.split(":")[0]) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            landed.append(resource_type)
    return landed


@dataclass
class Invocation:
    event: dict[str, Any]
    puts: list[Put]
    raised: BaseException | None


class Harness:
    """One loopback ResponseURL server shared by many invocations."""

    def __init__(self) -> None:
        self.server = ResponseServer()

    def close(self) -> None:
        self.server.close()

    def invoke(self, event: dict[str, Any], *, timeout: float = 120.0) -> Invocation:
        from providers.handler import lambda_handler

        token = uuid.uuid4().hex
        event = dict(event)
        event["ResponseURL"] = self.server.url_for(token)
        raised: BaseException | None = None
        try:
            lambda_handler(event, LocalContext(timeout_seconds=timeout))
        except BaseException as exc:  # a raise is the failure being looked for
            raised = exc
        return Invocation(event, self.server.puts_for(token), raised)


def check_one_response(inv: Invocation) -> dict[str, Any]:
    """The fuzz property: no raise, exactly one PUT, well-formed, at most 4096 bytes."""
    assert inv.raised is None, f"handler raised {type(inv.raised).__name__}: {inv.raised}"
    assert len(inv.puts) == 1, f"expected exactly one response, got {len(inv.puts)}"
    put = inv.puts[0]
    assert put.headers.get("content-type", "") == "", "content-type must be empty"
    assert len(put.raw) <= MAX_BODY, f"response body is {len(put.raw)} bytes"
    body = json.loads(put.raw)
    assert isinstance(body, dict)
    for key in REQUIRED_BODY_KEYS:
        assert isinstance(body.get(key), str), f"response {key} is not a string: {body.get(key)!r}"
    assert body["Status"] in ("SUCCESS", "FAILED")
    assert body["PhysicalResourceId"], "empty PhysicalResourceId"
    if body["Status"] == "FAILED":
        assert body.get("Reason"), "FAILED without a Reason"
    if "Data" in body:
        assert isinstance(body["Data"], dict)
    return body
