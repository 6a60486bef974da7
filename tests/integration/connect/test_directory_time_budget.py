"""A directory that cannot be synced within one stack operation is refused before any write,
instead of timing out after the hour and leaving CloudFormation a rollback of thousands of
users (docs/connect-directory-scale.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.connect.test_user_directory import TYPE, counts, props, rows_for, upload, world

__all__ = ["world"]


def test_a_directory_larger_than_the_stack_operation_allows_is_refused_before_any_write(
    cfn: Any, aws: Callable[[str], Any], world: dict[str, Any]
) -> None:
    # 12 new agents at 0.1 CreateUser/s (burst 5) need at least 70 s; ServiceTimeout 60 leaves 55 s.
    upload(aws, world["bucket"], "big.csv", rows_for("tb", 12))
    before = counts()
    answer = cfn.create(TYPE, props(world, "big.csv", RequestsPerSecond=0.1, ServiceTimeout=60))
    assert not answer.ok
    assert "needs at least 70 s of Connect calls" in answer.reason, answer.reason
    assert "functions/agent_directory" in answer.reason
    assert counts().get("create_user", 0) == before.get("create_user", 0), "nothing may be created"
