"""Fault injection against the REAL providers and the emulator over HTTP (protocol rules 1, 2, 8).

* AWS answering 5xx or throttling: retried, and the operation succeeds (every provider);
* the ResponseURL failing the first PUTs: retried, one answer lands (every provider);
* a ResponseURL that always fails: bounded attempts, an error log, no endless loop;
* an AWS call that hangs with little Lambda time left: FAILED before the deadline, once;
* slow asynchronous AWS work with little time left: continued in a re-invocation;
* an exception while importing a provider module: still one FAILED response.
"""

from __future__ import annotations

import importlib.abc
import json
import sys
import threading
import time
from typing import Any

import pytest

from gapfill.emulator import Emulator
from gapfill.local.protocol import LocalCloudFormation
from tests.contract.cases import load_cases
from tests.contract.suite import ContractCase, Env, assert_one_valid_response, check_create_then_delete
from tests.faults.inject import FaultPlan, aws_faults, aws_hook
from tests.fuzz.harness import landed_types

CASES = load_cases()
BY_TYPE = {case.resource_type: case for case in CASES}


def _env(aws: Any, unique: Any, logs: Any, cfn: LocalCloudFormation | None = None) -> Env:
    return Env(client=aws, unique=unique, logs=logs, stack_id=cfn.stack_id if cfn else "")


def _records(logs: Any, message: str) -> list[dict[str, Any]]:
    found = []
    for line in logs.lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("message") == message:
            found.append(record)
    return found


# -- AWS errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_aws_5xx_and_throttling_are_retried_and_the_operation_succeeds(
    case: ContractCase, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    """Every distinct AWS operation the provider calls fails once (500, 503 or the service's
    own throttling error); create and delete still succeed with one response each."""
    cfn.function_timeout = case.function_timeout
    with aws_faults(FaultPlan(times=1)) as plan:
        check_create_then_delete(cfn, case, _env(aws, unique, logs, cfn))
    assert plan.total >= 1, "no AWS call was faulted: the provider made no AWS call?"
    assert all(plan.passed[op] >= 1 for op in plan.injected), (
        f"an operation was faulted but never retried: {dict(plan.injected)} vs {dict(plan.passed)}"
    )


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.resource_type.startswith("Custom::Connect")], ids=lambda c: c.id
)
def test_connect_throttling_by_the_emulator_is_absorbed(
    case: ContractCase, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    """The emulator's own per-API token bucket at Connect's documented quota (2/s, burst 5)."""
    from gapfill.emulator.connect import backend

    connect = backend()
    connect.knobs.update({"throttle_rate_scale": 1.0, "throttle_burst_scale": 1.0})
    try:
        cfn.function_timeout = case.function_timeout
        check_create_then_delete(cfn, case, _env(aws, unique, logs, cfn))
    finally:
        connect.knobs.update({"throttle_rate_scale": None})


# -- the ResponseURL -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_response_put_failing_twice_is_retried_and_lands_once(
    case: ContractCase, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    cfn.function_timeout = case.function_timeout
    env = _env(aws, unique, logs, cfn)
    props = case.make_properties(env)
    cfn.server.fail_next = [500, 503]
    created = cfn.create(case.resource_type, props)
    assert cfn.server.fail_next == [], "the failing PUTs were never attempted"
    assert_one_valid_response(created, "SUCCESS")
    sent = _records(logs, "response sent")
    assert sent, "no 'response sent' log line"
    assert sent[-1]["attempts"] == 3
    assert_one_valid_response(cfn.delete(case.resource_type, created.physical_id, props), "SUCCESS")


def test_response_url_that_always_fails_ends_bounded_with_an_error_log(
    cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    case = BY_TYPE.get("Custom::S3BucketNotification", CASES[0])
    props = case.make_properties(_env(aws, unique, logs, cfn))
    cfn.server.fail_next = [500] * 1000
    event = cfn.event("Create", case.resource_type, props)
    finished = threading.Event()

    def invoke() -> None:
        cfn.send(event, wait=0.1)
        finished.set()

    worker = threading.Thread(target=invoke, daemon=True)
    worker.start()
    # A guard, not a timing assertion: an endless retry loop would never set the flag.
    assert finished.wait(timeout=120), "sending to a failing ResponseURL never gave up"
    attempted = 1000 - len(cfn.server.fail_next)
    cfn.server.fail_next = []
    assert 2 <= attempted <= 10, f"{attempted} PUT attempts: expected a small bounded number of retries"
    failures = _records(logs, "response could not be delivered")
    assert len(failures) == 1
    assert failures[0]["level"] == "ERROR"
    assert failures[0]["attempts"] == attempted
    assert "X-Amz-Signature" not in logs.text


# -- deadlines -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hung_aws_call_with_little_time_left_answers_failed_before_the_deadline(
    case: ContractCase, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    """The first AWS call hangs until a response has arrived (or well past the Lambda deadline):
    the watchdog answers FAILED while it hangs, and nothing answers a second time."""
    env = _env(aws, unique, logs, cfn)
    props = case.make_properties(env)
    timeout = 2.0
    seen: dict[str, bool] = {}
    before = len(cfn.server.puts)
    started: list[float] = []

    def hang(request: Any, **_: Any) -> None:
        if "answered_in_time" in seen:
            return
        deadline = started[0] + timeout
        while time.time() < deadline + 5.0 and len(cfn.server.puts) == before:
            time.sleep(0.02)
        seen["answered_in_time"] = len(cfn.server.puts) > before and time.time() < deadline

    cfn.function_timeout = timeout
    with aws_hook("before-send", hang):
        started.append(time.time())
        answer = cfn.create(case.resource_type, props)
    assert seen.get("answered_in_time") is True, "no answer arrived before the Lambda deadline"
    body = assert_one_valid_response(answer, "FAILED")
    assert "deadline" in body["Reason"]
    assert _records(logs, "deadline reached while the provider was still working")


def _connect_knob(name: str, value: float) -> Any:
    from gapfill.emulator.connect import backend

    knobs = backend().knobs
    old = getattr(knobs, name)
    knobs.update({name: value})
    return lambda: knobs.update({name: old})


def _firehose_knob(value: float) -> Any:
    from gapfill.emulator.firehose import knobs

    current = knobs()
    old = current.encryption_delay
    current.encryption_delay = value
    return lambda: setattr(current, "encryption_delay", old)


ASYNC_KNOBS: dict[str, Any] = {
    "Custom::ConnectInstance": lambda delay: _connect_knob("instance_creation_delay", delay),
    "Custom::FirehoseEncryption": _firehose_knob,
}


@pytest.mark.parametrize("resource_type", [t for t in ASYNC_KNOBS if t in BY_TYPE])
def test_slow_async_work_with_little_time_left_continues_in_a_reinvocation(
    resource_type: str, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    case = BY_TYPE[resource_type]
    props = case.make_properties(_env(aws, unique, logs, cfn))
    # The work outlasts the Lambda's time; 6 s leaves the first invocation room for its calls
    # on a loaded machine (at 3 s a 30-minute suite run once had the watchdog answer first).
    restore = ASYNC_KNOBS[resource_type](9.0)
    try:
        cfn.function_timeout = 6.0
        created = cfn.create(resource_type, props)
    finally:
        restore()
    assert_one_valid_response(created, "SUCCESS")
    assert created.invocations >= 2, "the wait did not continue in a re-invocation"
    assert _records(logs, "continuing in a new invocation")
    cfn.function_timeout = case.function_timeout
    assert_one_valid_response(cfn.delete(resource_type, created.physical_id, props), "SUCCESS")


# -- import-time failure ---------------------------------------------------------------------------


class _BrokenModule(importlib.abc.MetaPathFinder):
    """Makes importing one module raise, as a syntax error or a bad top-level call would."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == self.name:
            raise RuntimeError(f"simulated failure while importing {fullname}")
        return None


@pytest.fixture
def break_import(monkeypatch: pytest.MonkeyPatch) -> Any:
    def apply(module_name: str) -> None:
        monkeypatch.delitem(sys.modules, module_name, raising=False)
        monkeypatch.setattr(sys, "meta_path", [_BrokenModule(module_name), *sys.meta_path])

    return apply


@pytest.mark.parametrize("resource_type", landed_types())
@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_exception_while_importing_a_provider_module_still_answers_failed(
    resource_type: str, request_type: str, break_import: Any, emulator: Emulator
) -> None:
    from providers.registry import PROVIDERS

    module_name = PROVIDERS[resource_type].split(":")[0]
    break_import(module_name)
    with LocalCloudFormation(stack_name="faults-import") as local:
        extra: dict[str, Any] = {}
        if request_type != "Create":
            extra["physical_id"] = "some-existing-id"
        if request_type == "Update":
            extra["old_properties"] = {}
        answer = local.send(local.event(request_type, resource_type, {}, **extra))
    body = assert_one_valid_response(answer, "FAILED")
    assert "simulated failure while importing" in body["Reason"]
    if request_type != "Create":
        assert body["PhysicalResourceId"] == "some-existing-id"
