"""The user directory's deletion guard: one decision, shared by ``Custom::ConnectUserDirectory``
and the agent-directory upload function.

Why: a CSV that is wrong rather than malformed (an HR export that broke halfway, a header
with no rows, another team's file uploaded to the same folder) is valid row by row, and a
faithful sync would delete every managed agent it does not list; the next good sync then
recreates them with new ids and new passwords. So a plan that would delete more than a
share (or number) of the users the directory manages, or that reads a directory with no
rows while users are managed, is refused before any write, with the counts in the reason,
unless the template allows it (``MaxDeletions``, ``AllowEmpty``).

Pure: no AWS, so the decision is tested exhaustively with hypothesis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: A percent limit always allows this many deletions, so a small team can lose a leaver.
PERCENT_FLOOR = 1
DEFAULT_MAX_DELETIONS = "25%"
_LIMIT = re.compile(r"(?P<number>[0-9]{1,9})(?P<percent>%?)")


@dataclass(frozen=True)
class DeletionLimit:
    """At most ``value`` deletions, or ``value`` percent of the managed users."""

    value: int
    percent: bool

    def allowed(self, managed: int) -> int:
        """How many of ``managed`` users one sync may delete."""
        if not self.percent:
            return self.value
        share = managed * min(self.value, 100) // 100
        return min(managed, max(PERCENT_FLOOR, share))

    def __str__(self) -> str:
        return f"{self.value}%" if self.percent else str(self.value)


def parse_limit(value: Any, default: str = DEFAULT_MAX_DELETIONS) -> DeletionLimit:
    """``10`` / ``"10"`` (users) or ``"25%"`` (of the managed users); anything else is the default.

    Create and Update validate the value against the schema first; Delete never reaches here.
    """
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    found = _LIMIT.fullmatch(text) or _LIMIT.fullmatch(default)
    assert found is not None
    return DeletionLimit(int(found["number"]), bool(found["percent"]))


@dataclass(frozen=True)
class Plan:
    """What a sync would do, counted before any write."""

    managed: int
    rows: int
    creates: int
    updates: int
    deletes: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"create {self.creates}, update {self.updates}, delete {self.deletes}, "
            f"unchanged {self.unchanged} ({self.rows} rows, {self.managed} managed users)"
        )

    def as_data(self) -> dict[str, int]:
        return {"ManagedBefore": self.managed, "PlannedDeletions": self.deletes}


DEFAULT_LIMIT = parse_limit(None)


@dataclass(frozen=True)
class DeletionGuard:
    max_deletions: DeletionLimit = DEFAULT_LIMIT
    allow_empty: bool = False

    def refusal(self, plan: Plan) -> str | None:
        """Why ``plan`` must not run (naming the guard and its counts), or None."""
        if plan.rows == 0 and plan.deletes > 0 and not self.allow_empty:
            return (
                f"AllowEmpty: the directory has no agent rows and would delete {plan.deletes} of "
                f"{plan.managed} managed users; refused, nothing was changed (plan: {plan}). "
                "Set AllowEmpty: true to empty the directory on purpose."
            )
        allowed = self.max_deletions.allowed(plan.managed)
        if plan.deletes > allowed and not (plan.rows == 0 and self.allow_empty):
            return (
                f"MaxDeletions: the sync would delete {plan.deletes} of {plan.managed} managed users, "
                f"more than MaxDeletions {self.max_deletions} allows ({allowed}); refused, nothing was "
                f"changed (plan: {plan}). Check the CSV, or raise MaxDeletions for this sync."
            )
        return None
