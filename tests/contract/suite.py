"""The contract suite: CloudFormation's expectations of every provider, as plain checks.

A provider joins by adding ``tests/contract/cases/<type>.py`` with ``CASE = ContractCase(...)``.
Each ``check_*`` function takes ``(cfn, case, env)`` and raises AssertionError on a breach,
so the same checks run against the real providers (test_contract.py) and against
deliberately broken ones (test_suite_can_fail.py) to show that the suite can fail.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gapfill.local.protocol import Answer, LocalCloudFormation

MAX_BODY = 4096


@dataclass
class Env:
    """What a case's hooks get: boto3 clients on the emulator, a unique-name maker, logs."""

    client: Callable[[str], Any]
    unique: Callable[[str], str]
    logs: Any = None
    scratch: dict[str, Any] = field(default_factory=dict)
    #: The StackId the runner puts in its events (a case whose provider checks it needs it).
    stack_id: str = ""


@dataclass
class ContractCase:
    """How the suite drives one resource type.

    * ``make_properties(env)``: arrange prerequisites in the emulator, return Create properties
      (each call must describe a new, distinct resource);
    * ``update_in_place(env, props)``: changed properties that keep the physical id;
    * ``update_replacing(env, props)``: properties changing a createOnly property (None if none);
    * ``exists(env, physical_id, props)``: is the resource there (and ours)?
    * ``bad_values``: ``(text the Reason must contain, props transformer)`` pairs for invalid input;
    * ``secrets(env, answer, props)``: secret strings that must never be in a response or log line;
    * ``count(env, props)``: how many resources match props (for the duplicate RequestId check).
    """

    resource_type: str
    make_properties: Callable[[Env], dict[str, Any]]
    update_in_place: Callable[[Env, dict[str, Any]], dict[str, Any]]
    exists: Callable[[Env, str, dict[str, Any]], bool]
    update_replacing: Callable[[Env, dict[str, Any]], dict[str, Any]] | None = None
    bad_values: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = field(default_factory=list)
    secrets: Callable[[Env, Answer, dict[str, Any]], list[str]] | None = None
    count: Callable[[Env, dict[str, Any]], int] | None = None
    required: tuple[str, ...] = ()
    function_timeout: float = 900.0
    #: The type documents that Delete leaves what it configured (a shared account setting):
    #: after a delete the suite then checks that it is still there, instead of gone.
    retained_on_delete: bool = False
    #: ``(env, physical_id, props) -> path``: change the created resource directly in the
    #: emulator (as someone in the console would) and name the property path drift must
    #: report (``""``: the resource is gone, so drift must say DELETED).
    out_of_band: Callable[[Env, str, dict[str, Any]], str] | None = None

    @property
    def id(self) -> str:
        return self.resource_type.split("::")[-1]


def assert_one_valid_response(answer: Answer, expect: str | None = None) -> dict[str, Any]:
    """Exactly one PUT, well-formed, within 4096 bytes, non-empty physical id, right headers."""
    assert len(answer.puts) == 1, f"expected exactly one response, got {len(answer.puts)}"
    put = answer.puts[0]
    assert put.headers.get("content-type", "") == "", (
        f"content-type must be empty, was {put.headers.get('content-type')!r}"
    )
    assert len(put.raw) <= MAX_BODY, f"response body is {len(put.raw)} bytes"
    body = json.loads(put.raw)
    for key in ("Status", "PhysicalResourceId", "StackId", "RequestId", "LogicalResourceId"):
        assert isinstance(body.get(key), str), f"response lacks {key}"
    assert body["Status"] in ("SUCCESS", "FAILED")
    assert body["PhysicalResourceId"], "empty physical id"
    for key in ("RequestId", "StackId", "LogicalResourceId"):
        assert body[key] == str(answer.event.get(key, "")), f"response {key} does not echo the event's"
    if body["Status"] == "FAILED":
        assert body.get("Reason"), "FAILED without a Reason"
    if expect is not None:
        assert body["Status"] == expect, f"expected {expect}, got {body['Status']}: {body.get('Reason')}"
    return body


def _create(cfn: LocalCloudFormation, case: ContractCase, props: dict[str, Any], **kw: Any) -> Answer:
    return cfn.create(case.resource_type, props, **kw)


def assert_gone(case: ContractCase, env: Env, physical_id: str, props: dict[str, Any]) -> None:
    """After a Delete: gone, or, for a type that documents keeping it, still there."""
    if case.retained_on_delete:
        assert case.exists(env, physical_id, props), "a resource documented as retained vanished on delete"
    else:
        assert not case.exists(env, physical_id, props), "resource still there after delete"


# -- the checks ---------------------------------------------------------------------------------


def check_create_then_delete(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    props = case.make_properties(env)
    created = _create(cfn, case, props)
    assert_one_valid_response(created, "SUCCESS")
    pid = created.physical_id
    assert case.exists(env, pid, props), "created resource is not there"
    deleted = cfn.delete(case.resource_type, pid, props)
    assert_one_valid_response(deleted, "SUCCESS")
    assert deleted.physical_id == pid
    assert_gone(case, env, pid, props)


def check_update_in_place_keeps_id(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    props = case.make_properties(env)
    created = _create(cfn, case, props)
    assert_one_valid_response(created, "SUCCESS")
    new_props = case.update_in_place(env, copy.deepcopy(props))
    updated = cfn.update(case.resource_type, created.physical_id, new_props, props)
    assert_one_valid_response(updated, "SUCCESS")
    assert updated.physical_id == created.physical_id, "in-place update changed the physical id"
    assert case.exists(env, updated.physical_id, new_props)
    # Rollback: CloudFormation swaps old and new.
    rolled = cfn.update(case.resource_type, created.physical_id, props, new_props)
    assert_one_valid_response(rolled, "SUCCESS")
    assert rolled.physical_id == created.physical_id
    assert case.exists(env, rolled.physical_id, props)
    assert_one_valid_response(cfn.delete(case.resource_type, created.physical_id, props), "SUCCESS")
    assert_gone(case, env, created.physical_id, props)


def check_update_replacing_then_delete_old(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    if case.update_replacing is None:
        return
    props = case.make_properties(env)
    created = _create(cfn, case, props)
    assert_one_valid_response(created, "SUCCESS")
    old_id = created.physical_id
    new_props = case.update_replacing(env, copy.deepcopy(props))
    updated = cfn.update(case.resource_type, old_id, new_props, props)
    assert_one_valid_response(updated, "SUCCESS")
    new_id = updated.physical_id
    assert new_id != old_id, "a createOnly change must return a new physical id"
    assert case.exists(env, old_id, props), "update must never delete the old resource"
    assert case.exists(env, new_id, new_props)
    # CloudFormation deletes the old one during cleanup, with the old properties.
    assert_one_valid_response(cfn.delete(case.resource_type, old_id, props), "SUCCESS")
    assert_gone(case, env, old_id, props)
    assert case.exists(env, new_id, new_props), "deleting the old resource removed the new one"
    assert_one_valid_response(cfn.delete(case.resource_type, new_id, new_props), "SUCCESS")
    assert_gone(case, env, new_id, new_props)


def check_delete_twice(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    props = case.make_properties(env)
    created = _create(cfn, case, props)
    assert_one_valid_response(created, "SUCCESS")
    for _ in range(2):
        assert_one_valid_response(cfn.delete(case.resource_type, created.physical_id, props), "SUCCESS")
    assert_gone(case, env, created.physical_id, props)


@contextlib.contextmanager
def aws_unreachable() -> Iterator[None]:
    """Point boto3 at a closed loopback port: any AWS call would fail."""
    from gapfill.emulator.server import free_port
    from providers.core.aws import reset_clients

    saved = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    os.environ["GAPFILL_MAX_ATTEMPTS"] = "1"
    reset_clients()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved
        os.environ.pop("GAPFILL_MAX_ATTEMPTS", None)
        reset_clients()


def check_delete_after_failed_create(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    props = case.make_properties(env)
    props["GapfillBogusProperty"] = "x"
    created = _create(cfn, case, props)
    body = assert_one_valid_response(created, "FAILED")
    assert "GapfillBogusProperty" in body["Reason"]
    with aws_unreachable():
        deleted = cfn.delete(case.resource_type, created.physical_id, props)
    assert_one_valid_response(deleted, "SUCCESS")


def check_same_request_id_creates_once(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    props = case.make_properties(env)
    request_id = str(uuid.uuid4())
    first = _create(cfn, case, props, request_id=request_id)
    second = _create(cfn, case, props, request_id=request_id)
    assert_one_valid_response(first, "SUCCESS")
    assert_one_valid_response(second, "SUCCESS")
    assert first.physical_id == second.physical_id, "a repeated RequestId created a second resource"
    if case.count is not None:
        assert case.count(env, props) == 1
    assert_one_valid_response(cfn.delete(case.resource_type, first.physical_id, props), "SUCCESS")


def check_secrets_never_leak(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    props = case.make_properties(env)
    created = _create(cfn, case, props)
    assert_one_valid_response(created, "SUCCESS")
    secrets = case.secrets(env, created, props) if case.secrets else []
    from providers.core.schema import load_schema

    secrets += load_schema(case.resource_type).write_only_values(props)
    deleted = cfn.delete(case.resource_type, created.physical_id, props)
    assert_one_valid_response(deleted, "SUCCESS")
    log_text = env.logs.text if env.logs is not None else ""
    assert "X-Amz-Signature" not in log_text, "the ResponseURL's signature was logged"
    for secret in secrets:
        for answer in (created, deleted):
            assert secret not in answer.puts[0].raw.decode(), "a secret value is in a response"
        assert secret not in log_text, "a secret value is in a log line"


def check_malformed_events(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    props = case.make_properties(env)
    base = cfn.event("Create", case.resource_type, props)
    broken: list[tuple[str, dict[str, Any]]] = []
    for key in ("RequestType", "StackId", "RequestId", "LogicalResourceId", "ResourceType"):
        event = dict(base)
        del event[key]
        broken.append((key, event))
    wrong = dict(base, ResourceProperties=["not", "an", "object"])
    broken.append(("ResourceProperties", wrong))
    broken.append(("RequestType", dict(base, RequestType="Upsert")))
    broken.append(("Custom::NoSuchThing", dict(base, ResourceType="Custom::NoSuchThing")))
    unknown = dict(base, ResourceProperties={**base["ResourceProperties"], "NoSuchProperty": "x"})
    broken.append(("NoSuchProperty", unknown))
    broken.append(("PhysicalResourceId", dict(base, RequestType="Update", OldResourceProperties={})))
    for name in case.required:
        missing = dict(
            base, ResourceProperties={k: v for k, v in base["ResourceProperties"].items() if k != name}
        )
        broken.append((name, missing))
    for text, transform in case.bad_values:
        from gapfill.local.protocol import stringify

        bad = transform(copy.deepcopy(props))
        broken.append((text, dict(base, ResourceProperties={"ServiceToken": "x", **stringify(bad)})))
    for needle, event in broken:
        answer = cfn.send(event)
        body = assert_one_valid_response(answer, "FAILED")
        assert needle in body["Reason"], f"Reason does not name {needle!r}: {body['Reason']}"


def check_short_deadline_answers_once(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    """Even with little Lambda time left, exactly one answer arrives (or a hand-over does)."""
    props = case.make_properties(env)
    saved = cfn.function_timeout
    cfn.function_timeout = 12.0
    try:
        created = _create(cfn, case, props)
    finally:
        cfn.function_timeout = saved
    body = assert_one_valid_response(created)
    if body["Status"] == "SUCCESS":
        assert_one_valid_response(cfn.delete(case.resource_type, created.physical_id, props), "SUCCESS")


def _drift(
    cfn: LocalCloudFormation, case: ContractCase, physical_id: str, props: dict[str, Any]
) -> list[Any]:
    """Drift rows of one resource as ``gapfill drift --local`` prints them: from a record as
    ``gapfill deploy --local`` writes it, each read under its provider's shipped role."""
    import io
    import tempfile
    from pathlib import Path

    from gapfill.cli import main
    from gapfill.drift.check import Target
    from gapfill.drift.local import write_record
    from gapfill.local.protocol import stringify

    target = Target("contract", cfn.stack_id, "Resource", case.resource_type, physical_id, stringify(props))
    with tempfile.TemporaryDirectory() as folder:
        record = write_record(Path(folder) / "deployed.json", [target], os.environ["AWS_ENDPOINT_URL"])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["drift", "--local", "--record", str(record)])
    rows = parse_table(out.getvalue())
    assert code == (0 if all(r.status == "IN_SYNC" for r in rows) else 1), out.getvalue()
    return rows


def parse_table(text: str) -> list[Any]:
    """The rows of a printed drift table (cells cut at the header's column offsets)."""
    from gapfill.drift.compare import Row

    lines = text.splitlines()
    names = ["STACK", "RESOURCE", "TYPE", "PROPERTY", "EXPECTED", "ACTUAL", "STATUS"]
    starts = [lines[0].index(n) for n in names]
    rows = []
    for line in lines[1:]:
        if not line.strip():
            break
        ends = [*starts[1:], len(line) + 1]
        rows.append(Row(*(line[a:b].strip() for a, b in zip(starts, ends, strict=True))))
    return rows


def check_read_then_out_of_band_change(cfn: LocalCloudFormation, case: ContractCase, env: Env) -> None:
    """After Create, read equals the desired properties (drift: IN_SYNC) and the attributes
    Create returned; after a change made directly in the emulator, drift names it."""
    from gapfill.drift.compare import DELETED, IN_SYNC, MODIFIED, render
    from tests.contract.reading import read_back

    assert case.out_of_band is not None, f"{case.id}: the contract case has no out_of_band change"
    props = case.make_properties(env)
    created = _create(cfn, case, props)
    assert_one_valid_response(created, "SUCCESS")
    rows = _drift(cfn, case, created.physical_id, props)
    assert [r.status for r in rows] == [IN_SYNC], "read differs from the desired properties:\n" + render(rows)
    live = read_back(case.resource_type, created.physical_id, origin=(cfn.stack_id, "Resource"), hints=props)
    assert live is not None
    for name, value in live.attributes.items():
        if name in created.data:
            assert str(created.data[name]) == str(value), (
                f"attribute {name}: {created.data[name]!r} != {value!r}"
            )
    path = case.out_of_band(env, created.physical_id, props)
    rows = _drift(cfn, case, created.physical_id, props)
    if path:
        assert any(r.status == MODIFIED and r.path.startswith(path) for r in rows), (
            f"the out-of-band change of {path} is not reported:\n" + render(rows)
        )
    else:
        assert [r.status for r in rows] == [DELETED], "a deleted resource is not reported:\n" + render(rows)
    cfn.delete(case.resource_type, created.physical_id, props)


CHECKS: list[Callable[[LocalCloudFormation, ContractCase, Env], None]] = [
    check_create_then_delete,
    check_update_in_place_keeps_id,
    check_update_replacing_then_delete_old,
    check_delete_twice,
    check_delete_after_failed_create,
    check_same_request_id_creates_once,
    check_secrets_never_leak,
    check_malformed_events,
    check_short_deadline_answers_once,
    check_read_then_out_of_band_change,
]
