"""Behaviour knobs of the Connect emulator, and the per-API throttle and call counter.

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

from gapfill.emulator.knobset import KnobSet


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
    #: Requests per second allowed per API (operation); None disables throttling.
    throttle_rate: float | None = None
    #: Burst size of the per-API token bucket.
    throttle_burst: float = 1.0


def init_state(backend: Any) -> None:
    backend.knobs = Knobs()
    backend.call_counts = Counter()
    backend.throttle_buckets = {}
    backend.throttled_count = 0
    backend.state_lock = threading.RLock()


def _throttled(backend: Any, action: str) -> bool:
    rate = backend.knobs.throttle_rate
    if not rate:
        return False
    now = time.monotonic()
    with backend.state_lock:
        tokens, updated = backend.throttle_buckets.get(action, (backend.knobs.throttle_burst, now))
        tokens = min(backend.knobs.throttle_burst, tokens + (now - updated) * rate)
        if tokens < 1.0:
            backend.throttle_buckets[action] = (tokens, now)
            backend.throttled_count += 1
            return True
        backend.throttle_buckets[action] = (tokens - 1.0, now)
        return False


def wrap_call_action(response_cls: type) -> None:
    """Count every Connect call by operation and throttle above the knob's rate."""
    original = response_cls.call_action  # type: ignore[attr-defined]

    def call_action(self: Any) -> Any:
        action = camelcase_to_underscores(self._get_action() or "")
        backend = self.connect_backend
        if _throttled(backend, action):
            body = json.dumps({"__type": "ThrottlingException", "Message": "Rate exceeded"})
            return 429, {"x-amzn-errortype": "ThrottlingException", "status": 429}, body
        with backend.state_lock:
            backend.call_counts[action] += 1
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
