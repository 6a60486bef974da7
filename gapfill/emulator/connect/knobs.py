"""Behaviour knobs of the Connect emulator, and the per-API throttle and call counter.

Throttling is Connect's own, as documented: a token bucket per API and per account (and
Region: one backend), refilled at a steady rate up to a burst. The knobs switch it on and
scale the documented figures (``throttle_rate_scale=1.0`` is AWS's default quota; tests use
tiny or large scales so that nothing depends on the clock).

Tests and benchmarks set knobs on the backend object in process
(``backend().knobs.instance_creation_delay = 3``) or over HTTP against a separately
started emulator (``POST /moto-api/gapfill/connect`` with ``{"knobs": {...}}``; ``GET``
returns knobs and call counts).
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import Counter
from typing import Any

from moto.core.utils import camelcase_to_underscores

from gapfill.emulator import documented
from gapfill.emulator.knobset import KnobSet

_QUOTAS = "https://docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html"
THROTTLING_RULE = documented.rule(
    id="connect.throttling.token-bucket",
    service="connect",
    operations=("GetMetricData", "GetCurrentMetricData", "every other Connect operation"),
    source=_QUOTAS + "#api-throttling-quotas",
    fact=(
        "Amazon Connect API throttling quotas are by account (and Region), not by user or instance, "
        "and defined for each API separately: a RateLimit (steady requests per second) and a "
        "BurstLimit (the bucket size). GetMetricData and GetCurrentMetricData: rate 5, burst 8; "
        "all other operations: rate 2, burst 5. Throttled requests get HTTP 429 "
        "ThrottlingException."
    ),
)
#: (rate per second, burst) of every operation the quotas page does not list separately.
DEFAULT_LIMIT = (2.0, 5.0)
#: Operations (snake case, as moto dispatches them) with their own documented limit.
LIMITS = {"get_metric_data": (5.0, 8.0), "get_current_metric_data": (5.0, 8.0)}


def documented_limit(action: str) -> tuple[float, float]:
    """Connect's default (rate, burst) for one operation."""
    return LIMITS.get(action, DEFAULT_LIMIT)


@dataclasses.dataclass
class Knobs(KnobSet):
    #: Seconds a new instance stays CREATION_IN_PROGRESS before ACTIVE.
    instance_creation_delay: float = 0.0
    #: When set, new instances end CREATION_FAILED with this StatusReason message.
    instance_creation_failure: str | None = None
    #: Seconds a phone number claim stays IN_PROGRESS.
    phone_claim_delay: float = 0.0
    #: The next N claims lose a race to another claimer (status FAILED, number taken).
    phone_claim_races: int = 0
    #: When set, every claim ends FAILED with this message.
    phone_claim_failure: str | None = None
    #: None: no throttling. A number: every API's documented steady rate times this
    #: (1.0 is Connect's default quota, 2 requests/s for most operations).
    throttle_rate_scale: float | None = None
    #: Every API's documented burst times this (1.0: 5 for most operations; at least 1).
    throttle_burst_scale: float = 1.0

    def update(self, values: dict[str, Any]) -> None:
        """Refuse scales that are not positive numbers before anything changes."""
        for name in ("throttle_rate_scale", "throttle_burst_scale"):
            if name not in values or (name == "throttle_rate_scale" and values[name] is None):
                continue
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"knob {name} must be a number")
            if value <= 0:
                raise ValueError(f"knob {name} must be positive")
        super().update(values)


def init_state(backend: Any) -> None:
    backend.knobs = Knobs()
    backend.call_counts = Counter()
    #: operation -> [first, last] time.monotonic() of the calls served (cleared with the counts)
    backend.call_spans = {}
    backend.throttle_buckets = {}
    backend.throttled_count = 0
    backend.state_lock = threading.RLock()


def _throttled(backend: Any, action: str) -> bool:
    """Take a token from the operation's bucket; True when there is none (THROTTLING_RULE)."""
    scale = backend.knobs.throttle_rate_scale
    if not scale:
        return False
    documented_rate, documented_burst = documented_limit(action)
    rate = documented_rate * scale
    burst = max(1.0, documented_burst * backend.knobs.throttle_burst_scale)
    now = time.monotonic()
    with backend.state_lock:
        tokens, updated = backend.throttle_buckets.get(action, (burst, now))
        tokens = min(burst, tokens + (now - updated) * rate)
        if tokens < 1.0:
            backend.throttle_buckets[action] = (tokens, now)
            backend.throttled_count += 1
            return True
        backend.throttle_buckets[action] = (tokens - 1.0, now)
        return False


def wrap_call_action(response_cls: type) -> None:
    """Count every Connect call by operation and throttle it as Connect documents."""
    original = response_cls.call_action  # type: ignore[attr-defined]

    def call_action(self: Any) -> Any:
        action = camelcase_to_underscores(self._get_action() or "")
        backend = self.connect_backend
        if _throttled(backend, action):
            body = json.dumps({"__type": "ThrottlingException", "Message": "Rate exceeded"})
            return 429, {"x-amzn-errortype": "ThrottlingException", "status": 429}, body
        with backend.state_lock:
            backend.call_counts[action] += 1
            now = time.monotonic()
            backend.call_spans.setdefault(action, [now, now])[1] = now
        return original(self)

    response_cls.call_action = call_action  # type: ignore[attr-defined]


def _http_handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    from gapfill.emulator.connect import backend as get_backend

    args = request.args if hasattr(request, "args") else {}
    account = args.get("account", "123456789012")
    region = args.get("region", "us-east-1")
    target = get_backend(account, region)
    if request.method == "POST":
        try:
            payload = json.loads(request.get_data() or b"{}")
            target.knobs.update(payload.get("knobs", {}))
        except (KeyError, ValueError, TypeError) as exc:
            return 400, {}, json.dumps({"error": str(exc)})
        if payload.get("resetCounts"):
            with target.state_lock:
                target.call_counts.clear()
                target.call_spans.clear()
                target.throttled_count = 0
    body = {
        "knobs": dataclasses.asdict(target.knobs),
        "callCounts": dict(target.call_counts),
        "throttled": target.throttled_count,
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def install_http_endpoint() -> None:
    from moto.moto_api._internal import urls as api_urls

    api_urls.url_paths.setdefault("{0}/moto-api/gapfill/connect$", _http_handler)
