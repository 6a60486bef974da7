"""How the interleavings run: hypothesis's stateful testing, bounded and derandomized.

Each test is a :class:`hypothesis.stateful.RuleBasedStateMachine` whose rules are the steps
(ours: create, update, delete through the real handler; another party's changes by hand) and
whose invariants are the nothing-lost checks, run after every step. Every run starts with our
Create after a few of the other party's steps (an ``initialize`` rule), so that no example
degenerates into the other party acting alone.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

#: Which of three variants (of our properties, of another party's entries) a step uses.
VARIANT = st.integers(0, 2)

# Derandomized: the same interleavings on every run (GAPFILL_NOTHING_LOST_RANDOM=1 explores new
# ones). No shrinking: each step is a handler invocation or an S3/Connect call against the
# emulator, and shrinking replays them for minutes (see tests/fuzz/test_fuzz_events.py).
INTERLEAVING = settings(
    max_examples=int(os.environ.get("GAPFILL_NOTHING_LOST_EXAMPLES", "12")),
    stateful_step_count=4,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    report_multiple_bugs=False,
    derandomize=os.environ.get("GAPFILL_NOTHING_LOST_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
