"""The emulator's Connect throttling as Connect documents it: a token bucket per API and per
account, a steady rate of 2 requests/s with a burst of 5 for most operations (5 and 8 for
GetMetricData and GetCurrentMetricData). Knobs scale rate and burst so that tests do not
depend on the clock: a tiny rate scale means no token comes back during the test."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from gapfill.emulator.connect import knobs as connect_knobs
from tests.integration.connect.connect_setup import knobs, make_instance


def no_retry_client(emulator: Any, account: str = "123456789012") -> Any:
    """A client that reports throttling instead of retrying, as ``account`` (moto's header)."""
    client = boto3.client(
        "connect",
        region_name="us-east-1",
        endpoint_url=emulator.endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )

    def as_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign.connect", as_account)
    return client


def outcomes(call: Any, times: int) -> list[str]:
    seen = []
    for _ in range(times):
        try:
            call()
            seen.append("ok")
        except ClientError as exc:
            seen.append(str(exc.response["Error"]["Code"]))
    return seen


def test_documented_limits_per_api() -> None:
    assert connect_knobs.documented_limit("create_user") == (2.0, 5.0)
    assert connect_knobs.documented_limit("search_users") == (2.0, 5.0)
    assert connect_knobs.documented_limit("get_metric_data") == (5.0, 8.0)
    assert connect_knobs.documented_limit("get_current_metric_data") == (5.0, 8.0)


def test_a_burst_of_five_then_throttled_per_api(emulator: Any, aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = no_retry_client(emulator)
    with knobs(throttle_rate_scale=1e-6) as live:
        live.throttle_buckets.clear()
        queues = outcomes(lambda: connect.list_queues(InstanceId=instance_id), 7)
        prompts = outcomes(lambda: connect.list_prompts(InstanceId=instance_id), 6)
        live.throttle_buckets.clear()
    assert queues == ["ok"] * 5 + ["ThrottlingException"] * 2
    assert prompts == ["ok"] * 5 + ["ThrottlingException"], "each API has its own bucket"


def test_the_burst_scale_knob_scales_the_bucket(emulator: Any, aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = no_retry_client(emulator)
    with knobs(throttle_rate_scale=1e-6, throttle_burst_scale=0.4) as live:
        live.throttle_buckets.clear()
        seen = outcomes(lambda: connect.list_queues(InstanceId=instance_id), 3)
        live.throttle_buckets.clear()
    assert seen == ["ok", "ok", "ThrottlingException"]


def test_buckets_are_per_account(emulator: Any) -> None:
    from gapfill.emulator.connect import backend

    ours = no_retry_client(emulator)
    theirs = no_retry_client(emulator, account="210987654321")
    other = backend("210987654321")
    with knobs(throttle_rate_scale=1e-6) as live:
        other.knobs.update({"throttle_rate_scale": 1e-6})
        live.throttle_buckets.clear()
        other.throttle_buckets.clear()
        try:
            assert outcomes(ours.list_instances, 6)[-1] == "ThrottlingException"
            assert outcomes(theirs.list_instances, 5) == ["ok"] * 5
        finally:
            other.knobs.update({"throttle_rate_scale": None})
            live.throttle_buckets.clear()


def test_no_throttling_unless_asked(emulator: Any, aws: Any, unique: Any) -> None:
    instance_id, _ = make_instance(aws, unique)
    connect = no_retry_client(emulator)
    assert outcomes(lambda: connect.list_queues(InstanceId=instance_id), 8) == ["ok"] * 8


@pytest.mark.parametrize("bad", [0, -1.0, "fast"])
def test_a_bad_scale_is_refused(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)), knobs(throttle_rate_scale=bad):
        pass
