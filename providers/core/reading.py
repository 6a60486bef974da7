"""``read`` outside CloudFormation's protocol: a provider asked what a physical id is now.

Custom resources get no read handler from CloudFormation (so no drift detection and no
import); gapfill's providers implement :meth:`Provider.read` and this module calls it with a
request that carries the physical id and nothing else, exactly what a Delete may get, so a
read can never lean on properties that CloudFormation would not have.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from providers.core.deadline import Deadline
from providers.core.provider import Provider, ReadResult, Request
from providers.core.schema import load_schema

#: How long one read may take (it lists and describes; it never waits for AWS).
READ_SECONDS = 120.0


def read(
    resource_type: str,
    physical_id: str,
    resolve: Callable[[str], type[Provider]],
    region: str | None = None,
) -> ReadResult | None:
    """What ``physical_id`` of ``resource_type`` is live; None when it is gone."""
    provider_cls = resolve(resource_type)
    now = time.time()
    stack = f"arn:aws:cloudformation:{region}:123456789012:stack/read/0" if region else "read"
    request = Request(
        request_type="Read",
        resource_type=resource_type,
        stack_id=stack,
        request_id="read",
        logical_id="Read",
        response_url="",
        physical_id=physical_id,
        raw_properties={},
        raw_old_properties=None,
        service_timeout=None,
    )
    deadline = Deadline(
        invocation_end=now + READ_SECONDS, operation_end=now + READ_SECONDS, reserve=0.0, started_at=now
    )
    provider = provider_cls(request, load_schema(resource_type), {}, {}, deadline)
    return provider.read()
