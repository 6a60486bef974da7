"""How the interleavings run: hypothesis's stateful testing, bounded and derandomized.

Each test is a :class:`hypothesis.stateful.RuleBasedStateMachine` whose rules are the steps
(ours: create, update, delete through the real handler; another party's changes by hand) and
whose invariants are the nothing-lost checks, run after every step. Every run starts with our
Create after a few of the other party's steps (an ``initialize`` rule), so that no example
degenerates into the other party acting alone.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from gapfill.local.protocol import LocalCloudFormation
from tests.contract.suite import assert_one_valid_response

#: Which of three variants (of our properties, of another party's entries) a step uses.
VARIANT = st.integers(0, 2)

# Derandomized: the same interleavings on every run (GAPFILL_NOTHING_LOST_RANDOM=1 explores new
# ones). No shrinking: each step is a handler invocation or an S3/Connect call against the
# emulator, and shrinking replays them for minutes (see tests/fuzz/test_fuzz_events.py).
INTERLEAVING = settings(
    max_examples=int(os.environ.get("GAPFILL_NOTHING_LOST_EXAMPLES", "10")),
    stateful_step_count=6,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    report_multiple_bugs=False,
    derandomize=os.environ.get("GAPFILL_NOTHING_LOST_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class OurResource(RuleBasedStateMachine):
    """Our resource's Create, Update and Delete as rules, through the real handler; the other
    party's steps and the checks are the subclass's (:attr:`THEIR_STEPS`, :meth:`check`)."""

    local: LocalCloudFormation
    TYPE: str
    LOGICAL_ID: str
    #: names of the subclass's rules (taking one VARIANT) that may run before our Create
    THEIR_STEPS: tuple[str, ...]

    def __init__(self) -> None:
        super().__init__()
        self.ours: dict[str, Any] | None = None  # physical id, properties, what the answer said

    def props(self, variant: int) -> dict[str, Any]:
        raise NotImplementedError

    def check(self) -> None:
        """The nothing-lost checks, after every step."""
        raise NotImplementedError

    def created(self, answer: Any, props: dict[str, Any]) -> dict[str, Any] | None:
        """What our Create leaves us (None: it refused, as it must in that state)."""
        body = assert_one_valid_response(answer, "SUCCESS")
        return {"pid": body["PhysicalResourceId"], "props": props, "data": answer.data}

    def updated(self) -> None:
        """What our Update changes of the other party's state (nothing, unless said)."""

    @initialize(data=st.data(), variant=VARIANT)
    def theirs_then_ours_create(self, data: st.DataObject, variant: int) -> None:
        """Up to two of the other party's steps, then our Create: every run has one."""
        before = data.draw(st.lists(st.tuples(st.sampled_from(self.THEIR_STEPS), VARIANT), max_size=2))
        for step, slot in before:
            getattr(self, step)(slot)
            self.check()
        self.ours_create(variant)

    @precondition(lambda self: self.ours is None)
    @rule(variant=VARIANT)
    def ours_create(self, variant: int) -> None:
        props = self.props(variant)
        self.ours = self.created(self.local.create(self.TYPE, props, logical_id=self.LOGICAL_ID), props)

    @precondition(lambda self: self.ours is not None)
    @rule(variant=VARIANT)
    def ours_update(self, variant: int) -> None:
        assert self.ours is not None
        props = self.props(variant)
        answer = self.local.update(
            self.TYPE, self.ours["pid"], props, self.ours["props"], logical_id=self.LOGICAL_ID
        )
        assert_one_valid_response(answer, "SUCCESS")
        self.ours = {**self.ours, "props": props, "data": answer.data}
        self.updated()

    @precondition(lambda self: self.ours is not None)
    @rule()
    def ours_delete(self) -> None:
        assert self.ours is not None
        answer = self.local.delete(
            self.TYPE, self.ours["pid"], self.ours["props"], logical_id=self.LOGICAL_ID
        )
        assert_one_valid_response(answer, "SUCCESS")
        self.ours = None

    @invariant()
    def nothing_lost(self) -> None:
        self.check()
