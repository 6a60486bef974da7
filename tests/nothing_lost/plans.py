"""Interleaving plans: every plan contains at least one Create of ours, somewhere."""

from __future__ import annotations

from hypothesis import strategies as st

Step = tuple[str, int]


def with_create(others: st.SearchStrategy[Step], *, max_size: int = 9) -> st.SearchStrategy[list[Step]]:
    """Steps of ours and of another party, with one ``ours-create`` inserted at a random place
    (so that no example degenerates into the other party acting alone)."""
    ours = st.tuples(st.sampled_from(["ours-create", "ours-update", "ours-delete"]), st.integers(0, 2))
    return st.builds(
        lambda steps, at, variant: [*steps[:at], ("ours-create", variant), *steps[at:]],
        st.lists(st.one_of(ours, others), min_size=1, max_size=max_size - 1),
        st.integers(0, max_size),
        st.integers(0, 2),
    )
