"""The same contract suite against gapfill and against a naive crhelper provider.

Both serve the S3 notification job on buckets that already carry someone else's
notifications (the contract case's setup). The case's ``exists`` is made
implementation-neutral (it looks at the bucket, not at the shape of the physical id), so
every difference below is a difference in behaviour. The test pins exactly which checks
the crhelper baseline breaks, and that gapfill passes every one of them.

Every check runs in a worker thread with a time limit: a check that hangs is recorded as
"hang" instead of blocking the run (crhelper retries a failing ResponseURL forever, so no
check here ever points it at one).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gapfill.emulator import Emulator
from gapfill.local.protocol import LocalCloudFormation
from tests.contract.cases import s3_bucket_notification as s3_case
from tests.contract.suite import CHECKS, ContractCase, Env

CHECK_TIME_LIMIT = 12.0


class _Cfn(LocalCloudFormation):
    """Both handlers answer synchronously, so a PUT that has not come when the handler
    returned never will: wait 1 s for it instead of the runner's 5 s default."""

    def send(self, event: dict[str, Any], *, wait: float = 1.0) -> Any:
        return super().send(event, wait=min(wait, 1.0))


#: What the naive crhelper provider breaks, and why (the documented difference).
CRHELPER_BREAKS = {
    # Whole-document PUT: the other party's notifications vanish on the first Create.
    "create_then_delete": "others' notifications are wiped by the whole-document PUT",
    "update_in_place_keeps_id": "others' notifications are wiped by the whole-document PUT",
    "update_replacing_then_delete_old": "others' notifications are wiped by the whole-document PUT",
    "delete_twice": "others' notifications are wiped by the whole-document PUT",
    "read_then_out_of_band_change": "others' notifications are wiped by the whole-document PUT "
    "(and crhelper has no read handler: drift cannot see an out-of-band change)",
    "secrets_never_leak": "crhelper logs the whole event, ResponseURL signature included",
    # No schema: an unknown property is accepted and the Reason names nothing.
    "delete_after_failed_create": "a Create with an unknown property succeeds instead of failing",
    "malformed_events": "an event without RequestType makes crhelper answer to an empty ResponseURL "
    "and retry forever (the invocation hangs until the Lambda timeout; the stack waits an hour)",
}


def neutral_exists(env: Env, physical_id: str, props: dict[str, Any]) -> bool:
    """The case's check of the bucket, without parsing gapfill's physical id format."""
    bucket = props["BucketName"]
    s3_case._assert_others_intact(env, bucket)
    present = set(s3_case._present(env, bucket))
    wanted = s3_case._wanted(props)
    if wanted <= present:
        return True
    assert not (wanted & present), "only part of the notifications are there"
    return False


CASE: ContractCase = dataclasses.replace(s3_case.CASE, exists=neutral_exists)


class _AllLogs:
    """Every log line of the process (root logger and gapfill's non-propagating logger)."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setLevel(logging.DEBUG)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def __enter__(self) -> _AllLogs:
        logging.getLogger().addHandler(self.handler)
        logging.getLogger("gapfill").addHandler(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self.handler)
        logging.getLogger("gapfill").removeHandler(self.handler)


def _run_bounded(check: Callable[..., None], *args: Any, hung: list[threading.Thread]) -> str:
    outcome: dict[str, str] = {}

    def target() -> None:
        try:
            check(*args)
            outcome["result"] = "pass"
        except AssertionError as exc:
            outcome["result"] = f"fail: {str(exc).splitlines()[0][:200] if str(exc) else 'assertion'}"
        except Exception as exc:
            outcome["result"] = f"crash: {type(exc).__name__}: {str(exc)[:200]}"
        except BaseException:  # the baseline's stuck send loop, ended after the run
            outcome.setdefault("result", "hang")

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(CHECK_TIME_LIMIT)
    if worker.is_alive():
        hung.append(worker)
        return "hang"
    return outcome["result"]


def run_suite(
    handler: Callable[[dict[str, Any], Any], Any] | None, aws: Any, hung: list[threading.Thread]
) -> dict[str, str]:
    results: dict[str, str] = {}
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        with _AllLogs() as logs, _Cfn(handler, stack_name=f"baseline-{uuid.uuid4().hex[:8]}") as cfn:
            env = Env(client=aws, unique=lambda p: f"{p}-{uuid.uuid4().hex[:10]}", logs=logs)
            results[name] = _run_bounded(check, cfn, CASE, env, hung=hung)
    return results


@pytest.fixture(scope="module")
def outcomes(emulator: Emulator) -> dict[str, dict[str, str]]:
    import boto3

    from tests.baseline import crhelper_s3_notification as naive

    def aws(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=emulator.endpoint)

    hung: list[threading.Thread] = []
    gapfill = run_suite(None, aws, hung)
    assert not hung, "a gapfill check hung"
    with naive.loopback_transport(hung):
        crhelper = run_suite(naive.handler, aws, hung)
    assert not any(t.is_alive() for t in hung), "a stuck baseline invocation could not be ended"
    return {"gapfill": gapfill, "crhelper": crhelper}


def test_gapfill_passes_every_check(outcomes: dict[str, dict[str, str]]) -> None:
    failing = {k: v for k, v in outcomes["gapfill"].items() if v != "pass"}
    assert failing == {}


def test_crhelper_baseline_breaks_exactly_the_documented_checks(
    outcomes: dict[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    crhelper = outcomes["crhelper"]
    with capsys.disabled():
        print("\nbaseline: contract checks, gapfill vs naive crhelper (S3 notifications)")
        for name, result in crhelper.items():
            print(f"  {name:34} gapfill: {outcomes['gapfill'][name]:5}  crhelper: {result}")
    # crhelper answers an event without RequestType to ResponseURL "" and retries forever.
    assert crhelper["malformed_events"] == "hang", crhelper["malformed_events"]
    broken = {name for name, result in crhelper.items() if result != "pass"}
    assert broken == set(CRHELPER_BREAKS), crhelper


def test_a_5xx_from_the_response_url_is_retried_by_gapfill_and_taken_as_delivered_by_crhelper(
    emulator: Emulator,
) -> None:
    """crhelper counts any HTTP answer as delivered; gapfill retries non-2xx (rule 2)."""
    import boto3

    from tests.baseline import crhelper_s3_notification as naive

    def aws(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=emulator.endpoint)

    env = Env(client=aws, unique=lambda p: f"{p}-{uuid.uuid4().hex[:10]}")
    delivered = {}
    hung: list[threading.Thread] = []
    for name, handler in (("gapfill", None), ("crhelper", naive.handler)):
        with contextlib.ExitStack() as stack:
            if handler is not None:
                stack.enter_context(naive.loopback_transport(hung))
            cfn = stack.enter_context(_Cfn(handler, stack_name=f"baseline-{uuid.uuid4().hex[:8]}"))
            props = CASE.make_properties(env)
            cfn.server.fail_next = [500]
            delivered[name] = len(cfn.create(CASE.resource_type, props).puts)
    assert delivered == {"gapfill": 1, "crhelper": 0}
