"""``read`` outside CloudFormation's protocol: a provider asked what a physical id is now.

Custom resources get no read handler from CloudFormation (so no drift detection and no
import); gapfill's providers implement :meth:`Provider.read` and this module calls it with a
request that carries the physical id and nothing else, exactly what a Delete may get, so a
read can never lean on properties that CloudFormation would not have.

:func:`expected` is the other half of drift detection: what read would return for the
properties a stack last sent, in the same shape (write-only, read-only and deploy-time inputs
left out, normal forms applied by the type's :meth:`Provider.desired_read`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.core.deadline import Deadline
from providers.core.provider import Provider, ReadResult, Request
from providers.core.schema import load_schema

#: How long one read may take (it lists and describes; it never waits for AWS).
READ_SECONDS = 120.0


@dataclass(frozen=True)
class Origin:
    """Where a resource sits: its stack's id and its logical id. A type whose AWS state carries
    no owner but ids derived from these (S3 notification entries) needs them to read."""

    stack_id: str
    logical_id: str


def _provider(
    resource_type: str,
    physical_id: str,
    resolve: Callable[[str], type[Provider]],
    region: str | None,
    properties: Mapping[str, Any] | None = None,
    origin: Origin | None = None,
) -> Provider:
    provider_cls = resolve(resource_type)
    schema = load_schema(resource_type)
    now = time.time()
    stack = f"arn:aws:cloudformation:{region}:123456789012:stack/read/0" if region else "read"
    request = Request(
        request_type="Read",
        resource_type=resource_type,
        stack_id=origin.stack_id if origin else stack,
        request_id="read",
        logical_id=origin.logical_id if origin else "Read",
        response_url="",
        physical_id=physical_id,
        raw_properties=dict(properties or {}),
        raw_old_properties=None,
        service_timeout=None,
    )
    deadline = Deadline(
        invocation_end=now + READ_SECONDS, operation_end=now + READ_SECONDS, reserve=0.0, started_at=now
    )
    props = schema.prepare(properties, strict=False) if properties is not None else {}
    return provider_cls(request, schema, props, {}, deadline)


def read(
    resource_type: str,
    physical_id: str,
    resolve: Callable[[str], type[Provider]],
    region: str | None = None,
    *,
    origin: Origin | None = None,
    hints: Mapping[str, Any] | None = None,
) -> ReadResult | None:
    """What ``physical_id`` of ``resource_type`` is live; None when it is gone.

    ``hints`` are desired properties, for the few facts AWS cannot tell (each type documents
    which it uses); a type reads from the physical id alone without them."""
    return _provider(resource_type, physical_id, resolve, region, hints, origin).read()


def compared(provider_cls: type[Provider], resource_type: str) -> set[str]:
    """Top-level names drift compares: the schema's properties and the type's read views, less
    what it never compares (:func:`not_compared`)."""
    schema = load_schema(resource_type)
    names = set(schema.document.get("properties", {})) | set(provider_cls.READ_VIEWS)
    return names - not_compared(provider_cls, resource_type)


def not_compared(provider_cls: type[Provider], resource_type: str) -> set[str]:
    """Top-level properties drift never compares: write-only, read-only (attributes, reported
    apart) and the type's deploy-time inputs."""
    schema = load_schema(resource_type)
    return set(provider_cls.NOT_READ) | set(schema.write_only) | set(schema.read_only)


def expected(
    resource_type: str,
    physical_id: str,
    properties: Mapping[str, Any],
    resolve: Callable[[str], type[Provider]],
    region: str | None = None,
    *,
    origin: Origin | None = None,
) -> dict[str, Any]:
    """What read should return for ``properties`` (as a template sends them, strings and all)
    while nothing changed out of band."""
    provider = _provider(resource_type, physical_id, resolve, region, properties, origin)
    kept = compared(type(provider), resource_type)
    # A switch left at its false default is "off", which read reports by leaving it out.
    specs = provider.schema.document.get("properties", {})
    off = {k for k, spec in specs.items() if spec.get("default") is False}
    return {k: v for k, v in provider.desired_read().items() if k in kept and not (k in off and v is False)}


def list_ids(
    resource_type: str,
    resolve: Callable[[str], type[Provider]],
    region: str | None = None,
    *,
    scope: Mapping[str, Any] | None = None,
) -> list[str]:
    """Physical ids of every ``resource_type`` resource in ``scope`` (the properties that
    name where to look: ``InstanceArn`` for flows and users, nothing for instances)."""
    return _provider(resource_type, "", resolve, region, dict(scope or {})).list_ids()
