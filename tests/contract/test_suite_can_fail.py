"""The contract suite is not a rubber stamp: pointed at deliberately broken variants of the
real S3 notification provider, each check that guards the broken rule fails."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

from gapfill.local.protocol import LocalCloudFormation
from providers.core import engine
from providers.core.provider import Pending, Result
from providers.s3_bucket_notification.handlers import S3BucketNotification
from tests.contract.cases.s3_bucket_notification import CASE
from tests.contract.suite import (
    Env,
    check_create_then_delete,
    check_delete_after_failed_create,
    check_delete_twice,
    check_malformed_events,
    check_same_request_id_creates_once,
    check_update_in_place_keeps_id,
    check_update_replacing_then_delete_old,
)


class NewIdOnUpdate(S3BucketNotification):
    """Returns a fresh physical id from an in-place update."""

    def update(self) -> Result | Pending:
        super().update()
        return Result(f"{self.properties['BucketName']}/{uuid.uuid4().hex[:16]}")


class FailsWhenAlreadyGone(S3BucketNotification):
    """Treats 'already deleted' as an error."""

    deleted: ClassVar[set[str]] = set()

    def delete(self) -> Result | Pending | None:
        if self.physical_id in FailsWhenAlreadyGone.deleted:
            raise RuntimeError("notification not found")
        FailsWhenAlreadyGone.deleted.add(str(self.physical_id))
        return super().delete()


class ReplacementDeletesTheOld(S3BucketNotification):
    """On replacement, removes the old resource itself instead of leaving it to CloudFormation."""

    def create(self) -> Result | Pending:
        if self.replacing:
            old = type(self)(self.request, self.schema, self.old_properties, {}, self.deadline)
            old.request = _as_delete(self.request)
            old.physical_id = self.request.physical_id
            old.delete()
        return super().create()


class RandomIds(S3BucketNotification):
    """Mints a new id per request instead of deriving it: a repeated request creates twice."""

    def create(self) -> Result | Pending:
        result = super().create()
        assert isinstance(result, Result)
        return Result(f"{result.physical_id}-{uuid.uuid4().hex[:6]}", result.data)


class AcceptsAnything(S3BucketNotification):
    """A schema that lets unknown properties through (no additionalProperties: false)."""

    @classmethod
    def lax_schema(cls) -> dict[str, Any]:
        from providers.core.schema import load_schema

        document = dict(load_schema("Custom::S3BucketNotification").document)
        document["additionalProperties"] = True
        return document


AcceptsAnything.schema_document = AcceptsAnything.lax_schema()


def _as_delete(request: Any) -> Any:
    from dataclasses import replace

    return replace(request, request_type="Delete")


@pytest.fixture
def broken_cfn(emulator: Any) -> Iterator[Callable[[type], LocalCloudFormation]]:
    made: list[LocalCloudFormation] = []

    def make(cls: type) -> LocalCloudFormation:
        cfn = LocalCloudFormation(lambda event, context: engine.run(event, context, lambda _t: cls))
        made.append(cfn)
        return cfn

    yield make
    for cfn in made:
        cfn.close()


@pytest.mark.parametrize(
    ("provider", "check"),
    [
        (NewIdOnUpdate, check_update_in_place_keeps_id),
        (FailsWhenAlreadyGone, check_delete_twice),
        (ReplacementDeletesTheOld, check_update_replacing_then_delete_old),
        (RandomIds, check_same_request_id_creates_once),
        (AcceptsAnything, check_delete_after_failed_create),
        (AcceptsAnything, check_malformed_events),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_the_check_fails_for_a_provider_that_breaks_its_rule(
    provider: type, check: Any, broken_cfn: Any, aws: Any, unique: Any, logs: Any
) -> None:
    with pytest.raises(AssertionError):
        check(broken_cfn(provider), CASE, Env(client=aws, unique=unique, logs=logs))


def test_the_real_provider_passes_the_same_checks(broken_cfn: Any, aws: Any, unique: Any, logs: Any) -> None:
    cfn = broken_cfn(S3BucketNotification)
    env = Env(client=aws, unique=unique, logs=logs)
    for check in (
        check_create_then_delete,
        check_update_in_place_keeps_id,
        check_delete_twice,
        check_update_replacing_then_delete_old,
        check_same_request_id_creates_once,
    ):
        check(cfn, CASE, env)


class PostgresDeleteThatDrops:
    """A ``Custom::PostgresSql`` whose Delete drops the history although the template did not ask."""

    @staticmethod
    def make() -> type:
        from providers.sql.postgres import PostgresSql

        class Dropping(PostgresSql):
            def delete(self) -> None:
                target = self._connect()
                try:
                    target.run_plain(())
                finally:
                    target.close()

        return Dropping


def test_a_keeping_type_whose_delete_removes_fails_the_suite(
    broken_cfn: Any, aws: Any, unique: Any, logs: Any
) -> None:
    from tests.contract.cases.postgres_sql import CASE as POSTGRES

    env = Env(client=aws, unique=unique, logs=logs)
    with pytest.raises(AssertionError, match="a resource documented as retained vanished on delete"):
        check_create_then_delete(broken_cfn(PostgresDeleteThatDrops.make()), POSTGRES, env)
