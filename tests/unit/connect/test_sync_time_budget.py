"""The least time a directory plan takes at Connect's per-API rate, and what fits in a budget."""

from __future__ import annotations

from providers.connect.directory import Change
from providers.connect.sync import largest_new_directory, minimum_seconds


def test_creates_are_bounded_by_create_user_after_the_burst() -> None:
    changes = [Change(f"u{i}", "create") for i in range(105)]
    assert minimum_seconds(changes, 2.0) == (50.0, "CreateUser", 105)


def test_update_parts_are_calls_to_different_apis_so_the_busiest_part_bounds() -> None:
    changes = [Change("a", "update", parts=("identity", "phone")), Change("b", "update", parts=("phone",))]
    changes += [Change(f"c{i}", "update", parts=("phone",)) for i in range(8)]
    changes += [Change("d", "unchanged"), Change("e", "delete")]
    assert minimum_seconds(changes, 1.0) == (5.0, "update phone", 10)


def test_an_unchanged_directory_needs_no_time() -> None:
    assert minimum_seconds([Change("a", "unchanged")], 2.0) == (0.0, "", 0)


def test_the_largest_new_directory_of_an_hour_at_the_documented_rate() -> None:
    assert largest_new_directory(3300.0, 2.0) == 6605
    needed, _, _ = minimum_seconds([Change(f"u{i:05}", "create") for i in range(6605)], 2.0)
    assert needed == 3300.0
