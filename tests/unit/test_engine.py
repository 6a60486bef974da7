"""The protocol engine (rules 1, 4, 5, 8, 9, 10) with in-memory providers: no AWS needed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

from gapfill.local.protocol import LocalCloudFormation
from providers.core import engine
from providers.core.errors import ProviderError, made
from providers.core.provider import Pending, Provider, Result
from tests.contract.suite import assert_one_valid_response
from tests.unit.fake_providers import STORE, Failing, Hanging, Thing

TYPE = "Custom::TestThing"


def handler_for(cls: Any) -> Callable[[dict[str, Any], Any], None]:
    def resolve(_type: str) -> Any:
        if isinstance(cls, BaseException):
            raise cls
        return cls

    return lambda event, context: engine.run(event, context, resolve)


@pytest.fixture
def runner() -> Iterator[Callable[..., LocalCloudFormation]]:
    made: list[LocalCloudFormation] = []

    def make(cls: Any = Thing, **kw: Any) -> LocalCloudFormation:
        cfn = LocalCloudFormation(handler_for(cls), **kw)
        made.append(cfn)
        return cfn

    Thing.calls.clear()
    yield make
    for cfn in made:
        cfn.close()


def test_create_passes_coerced_properties_and_returns_data(runner: Any) -> None:
    cfn = runner()
    answer = cfn.create(TYPE, {"Name": "a", "Size": 3, "Enabled": True})
    body = assert_one_valid_response(answer, "SUCCESS")
    assert body["Data"] == {"Id": answer.physical_id}
    assert Thing.calls[0] == ("create", {"Name": "a", "Size": 3, "Enabled": True})


def test_update_in_place_keeps_the_id_and_never_deletes(runner: Any) -> None:
    cfn = runner()
    pid = cfn.create(TYPE, {"Name": "a"}).physical_id
    answer = cfn.update(TYPE, pid, {"Name": "a", "Size": 9}, {"Name": "a"})
    assert_one_valid_response(answer, "SUCCESS")
    assert answer.physical_id == pid
    assert [c[0] for c in Thing.calls] == ["create", "update"]


def test_create_only_change_replaces_with_a_new_id(runner: Any) -> None:
    cfn = runner()
    pid = cfn.create(TYPE, {"Name": "a"}).physical_id
    answer = cfn.update(TYPE, pid, {"Name": "b"}, {"Name": "a"})
    assert_one_valid_response(answer, "SUCCESS")
    assert answer.physical_id != pid
    assert pid in STORE, "the old resource stays until CloudFormation deletes it"
    assert [c[0] for c in Thing.calls] == ["create", "create"]


def test_invalid_properties_fail_before_any_provider_call(runner: Any) -> None:
    cfn = runner()
    answer = cfn.create(TYPE, {"Users": [{"Email": "x"}]})
    body = assert_one_valid_response(answer, "FAILED")
    assert "Name: required property is missing" in body["Reason"]
    assert "Users[0].Email" in body["Reason"]
    assert body["PhysicalResourceId"].startswith("gapfill-create-failed-")
    assert Thing.calls == []


def test_delete_after_failed_create_makes_no_provider_call(runner: Any) -> None:
    cfn = runner(Failing)
    created = cfn.create(TYPE, {"Name": "a"})
    assert_one_valid_response(created, "FAILED")
    deleted = cfn.delete(TYPE, created.physical_id, {"Name": "a"})
    assert_one_valid_response(deleted, "SUCCESS")
    assert deleted.physical_id == created.physical_id
    assert Thing.calls == []


def test_delete_works_with_stale_invalid_properties(runner: Any) -> None:
    cfn = runner()
    pid = cfn.create(TYPE, {"Name": "a"}).physical_id
    answer = cfn.delete(TYPE, pid, {"Size": "not-a-number", "Removed": "x"})
    assert_one_valid_response(answer, "SUCCESS")
    assert pid not in STORE


def test_failed_update_reports_the_old_physical_id(runner: Any) -> None:
    class BadUpdate(Thing):
        def update(self) -> Result | Pending:
            raise ProviderError("nope")

    cfn = runner(BadUpdate)
    pid = cfn.create(TYPE, {"Name": "a"}).physical_id
    answer = cfn.update(TYPE, pid, {"Name": "a", "Size": 2}, {"Name": "a"})
    body = assert_one_valid_response(answer, "FAILED")
    assert body["PhysicalResourceId"] == pid
    assert body["Reason"] == "nope"


def test_provider_that_changes_id_in_place_is_caught(runner: Any) -> None:
    class Sneaky(Thing):
        def update(self) -> Result | Pending:
            return Result("other-id")

    cfn = runner(Sneaky)
    pid = cfn.create(TYPE, {"Name": "a"}).physical_id
    body = assert_one_valid_response(cfn.update(TYPE, pid, {"Name": "a", "Size": 2}, {"Name": "a"}), "FAILED")
    assert "physical id" in body["Reason"]
    assert body["PhysicalResourceId"] == pid


def test_unexpected_exception_becomes_failed_with_type_and_message(runner: Any) -> None:
    class Buggy(Thing):
        def create(self) -> Result | Pending:
            raise KeyError("missing-key")

    body = assert_one_valid_response(runner(Buggy).create(TYPE, {"Name": "a"}), "FAILED")
    assert "KeyError" in body["Reason"]
    assert "missing-key" in body["Reason"]


def test_aws_errors_are_reported_with_code_and_message(runner: Any) -> None:
    from botocore.exceptions import ClientError

    class Aws(Thing):
        def create(self) -> Result | Pending:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "PutThing")

    body = assert_one_valid_response(runner(Aws).create(TYPE, {"Name": "a"}), "FAILED")
    assert body["Reason"] == "PutThing failed: AccessDenied: not allowed"


def test_import_error_of_a_provider_module_still_answers(runner: Any) -> None:
    cfn = runner(ImportError("cannot import name 'x' from 'providers.broken'"))
    body = assert_one_valid_response(cfn.create(TYPE, {"Name": "a"}), "FAILED")
    assert "ImportError" in body["Reason"]


def test_unknown_type_delete_succeeds_so_stacks_can_be_removed(runner: Any) -> None:
    from providers.core.errors import UnknownResourceTypeError

    cfn = runner(UnknownResourceTypeError("unknown resource type 'Custom::Gone'"))
    assert_one_valid_response(cfn.create(TYPE, {"Name": "a"}), "FAILED")
    assert_one_valid_response(cfn.delete(TYPE, "some-id", {}), "SUCCESS")


def test_async_work_is_polled_until_done(runner: Any) -> None:
    cfn = runner()
    answer = cfn.create(TYPE, {"Name": "slow", "Delay": 0.4})
    assert_one_valid_response(answer, "SUCCESS")
    checks = [c for c in Thing.calls if c[0] == "check"]
    assert len(checks) >= 1
    assert answer.invocations == 1


def test_waiting_continues_in_a_reinvocation_when_time_runs_short(runner: Any) -> None:
    cfn = runner(function_timeout=2.0)
    answer = cfn.create(TYPE, {"Name": "slower", "Delay": 3.0})
    assert_one_valid_response(answer, "SUCCESS")
    assert answer.invocations >= 2, "the wait should have been handed to a new invocation"
    assert answer.data == {"Id": answer.physical_id}


def test_waiting_past_the_type_limit_fails_with_what_it_waited_for(runner: Any) -> None:
    class Impatient(Thing):
        max_wait_seconds: ClassVar[float] = 0.5

    body = assert_one_valid_response(runner(Impatient).create(TYPE, {"Name": "x", "Delay": 30}), "FAILED")
    assert "timed out" in body["Reason"]
    assert "thing thing-x" in body["Reason"]
    assert body["PhysicalResourceId"].startswith("thing-x"), "what was made must be reported for cleanup"


def test_hung_provider_is_answered_by_the_watchdog_before_the_deadline(runner: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(time, "sleep", _interruptible_sleep)
    cfn = runner(Hanging, function_timeout=2.0)
    answer = cfn.create(TYPE, {"Name": "h"})
    body = assert_one_valid_response(answer, "FAILED")
    assert "Lambda deadline" in body["Reason"]


_real_sleep = time.sleep


def _interruptible_sleep(seconds: float) -> None:
    # The hanging provider sleeps 30 s; the watchdog answers long before. Cap the test's wait.
    _real_sleep(min(seconds, 3.0))


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda e: e.pop("StackId"), "StackId"),
        (lambda e: e.update(RequestType="Replace"), "RequestType"),
        (lambda e: e.update(ResourceProperties="x"), "ResourceProperties"),
        (lambda e: e.update(RequestType="Update"), "PhysicalResourceId"),
        (lambda e: e["ResourceProperties"].update(ServiceTimeout="soon"), "ServiceTimeout"),
        (lambda e: e["ResourceProperties"].update(ServiceTimeout="7200"), "ServiceTimeout"),
        (lambda e: e.update(LogicalResourceId=5), "LogicalResourceId"),
    ],
)
def test_malformed_events_get_one_failed_naming_the_field(runner: Any, mutate: Any, needle: str) -> None:
    cfn = runner()
    event = cfn.event("Create", TYPE, {"Name": "a"})
    mutate(event)
    body = assert_one_valid_response(cfn.send(event), "FAILED")
    assert needle in body["Reason"]
    assert Thing.calls == []


def test_event_without_response_url_is_logged_not_raised(logs: Any) -> None:
    engine.run({"RequestType": "Create"}, None, lambda _t: Thing)
    engine.run("not even a dict", None, lambda _t: Thing)
    assert "no ResponseURL" in logs.text


def test_non_aws_response_url_gets_nothing(logs: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("GAPFILL_ALLOW_LOCAL_RESPONSE_URL")
    with LocalCloudFormation(handler_for(Thing)) as cfn:
        monkeypatch.delenv("GAPFILL_ALLOW_LOCAL_RESPONSE_URL")
        answer = cfn.create(TYPE, {"Name": "a"})
    assert answer.puts == []
    assert "ResponseURL rejected" in logs.text
    assert Thing.calls == []


def test_secrets_and_the_response_url_stay_out_of_logs_and_responses(runner: Any, logs: Any) -> None:
    cfn = runner(Failing)
    answer = cfn.create(TYPE, {"Name": "a", "Secret": "correct-horse-battery"})
    body = assert_one_valid_response(answer, "FAILED")
    assert "correct-horse-battery" not in json.dumps(body)
    assert "[redacted]" in body["Reason"]
    assert "correct-horse-battery" not in logs.text
    assert "X-Amz-Signature" not in logs.text
    assert logs.lines, "expected log lines"


def test_one_structured_log_line_per_phase_with_the_request_keys(runner: Any, logs: Any) -> None:
    cfn = runner()
    answer = cfn.create(TYPE, {"Name": "a"}, logical_id="MyThing")
    records = [json.loads(line) for line in logs.lines]
    phases = [r.get("phase") for r in records]
    assert "create" in phases
    assert "response" in phases
    for record in records:
        assert record["RequestId"] == answer.event["RequestId"]
        assert record["LogicalResourceId"] == "MyThing"
        assert record["ResourceType"] == TYPE
        assert record["StackId"] == cfn.stack_id
    response_line = next(r for r in records if r.get("phase") == "response")
    assert isinstance(response_line["duration_ms"], float)
    assert response_line["response_host"] == "127.0.0.1"


def test_response_put_retried_after_failures(runner: Any) -> None:
    cfn = runner()
    cfn.server.fail_next = [500, 502]
    assert_one_valid_response(cfn.create(TYPE, {"Name": "a"}), "SUCCESS")


def test_response_url_that_always_fails_ends_with_an_error_log(runner: Any, logs: Any) -> None:
    cfn = runner()
    cfn.server.fail_next = [500] * 20
    answer = cfn.send(cfn.event("Create", TYPE, {"Name": "a"}), wait=0.2)
    assert answer.puts == []
    assert "response could not be delivered" in logs.text


class Recorder(Provider):
    """Checks what the engine hands a provider on replacement."""

    resource_type = "Custom::TestThing"
    schema_document: ClassVar[dict[str, Any] | None] = Thing.schema_document
    seen: ClassVar[list[tuple[str, bool, dict[str, Any]]]] = []

    def create(self) -> Result:
        Recorder.seen.append(("create", self.replacing, dict(self.old_properties)))
        return Result(f"rec-{self.properties['Name']}")

    def update(self) -> Result:
        return Result(str(self.physical_id))

    def delete(self) -> None:
        return None


def test_replacement_create_knows_it_is_replacing(runner: Any) -> None:
    Recorder.seen.clear()
    cfn = runner(Recorder)
    cfn.create(TYPE, {"Name": "a"})
    cfn.update(TYPE, "rec-a", {"Name": "b"}, {"Name": "a"})
    assert Recorder.seen == [("create", False, {}), ("create", True, {"Name": "a", "Size": 1})]


class HangsWhileWaiting(Thing):
    """Made something, then hangs in a later poll (a stuck AWS call)."""

    def check(self, pending: Pending) -> Result | Pending:
        time.sleep(30)
        return pending


def test_a_hang_after_something_was_made_reports_that_id_for_cleanup(runner: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(time, "sleep", _interruptible_sleep)
    cfn = runner(HangsWhileWaiting, function_timeout=2.0)
    answer = cfn.create(TYPE, {"Name": "stuck", "Delay": 60})
    body = assert_one_valid_response(answer, "FAILED")
    assert "Lambda deadline" in body["Reason"]
    assert body["PhysicalResourceId"].startswith("thing-stuck"), "CloudFormation must be able to delete it"


def test_made_names_what_exists_in_any_failure_but_keeps_an_explicit_id() -> None:
    with pytest.raises(KeyError) as plain, made("arn:made"):
        raise KeyError("tagging failed")
    assert getattr(plain.value, "physical_id", None) == "arn:made"
    with pytest.raises(ProviderError) as explicit, made("arn:made"):
        raise ProviderError("named", physical_id="arn:other")
    assert explicit.value.physical_id == "arn:other"
    with made("arn:made"):
        pass


def test_a_continuation_reads_back_from_the_event_it_was_written_into() -> None:
    continuation = engine.Continuation(
        started_at=1700000000.5,
        attempt=3,
        operation="Update",
        pending=Pending(physical_id="thing-1", waiting_for="the thing", state={"step": 2, "ids": ["a"]}),
        replacing=True,
    )
    event = {"RequestType": "Update", "RequestId": "r-1"}
    payload = continuation.to_event(event)
    assert payload["RequestId"] == "r-1"
    assert engine.CONTINUATION_KEY not in event
    assert engine.Continuation.from_event(json.loads(json.dumps(payload))) == continuation
    assert engine.Continuation.from_event(event) is None


@pytest.mark.parametrize("raw", [{}, {"startedAt": "x"}, "text", {"startedAt": 1, "attempt": 1}])
def test_a_malformed_continuation_is_an_invalid_event_naming_the_field(raw: Any) -> None:
    from providers.core.errors import InvalidEventError

    with pytest.raises(InvalidEventError, match=engine.CONTINUATION_KEY):
        engine.Continuation.from_event({engine.CONTINUATION_KEY: raw})
