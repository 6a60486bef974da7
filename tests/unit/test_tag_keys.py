"""The idempotency tag: one key written, the legacy one still read; gapfill's keys kept apart."""

from __future__ import annotations

from providers.core import tag_keys


def test_the_current_and_the_legacy_token_key_are_both_recognised() -> None:
    assert tag_keys.carries_token({"gapfill:create-token": "t-1"}, "t-1")
    assert tag_keys.carries_token({"gapfill:client-token": "t-1"}, "t-1")
    assert not tag_keys.carries_token({"gapfill:client-token": "t-2"}, "t-1")
    assert not tag_keys.carries_token({"other": "t-1"}, "t-1")
    assert not tag_keys.carries_token(None, "t-1")
    assert not tag_keys.carries_token({"gapfill:create-token": ""}, "")


def test_only_the_current_key_is_written() -> None:
    assert tag_keys.CREATE_TOKEN == "gapfill:create-token"
    assert tag_keys.TOKEN_KEYS[0] == tag_keys.CREATE_TOKEN


def test_user_tags_leave_out_every_gapfill_key() -> None:
    tags = {"site": "lisbon", "gapfill:create-token": "t", "gapfill:directory": "d", "Gapfill": "x"}
    assert tag_keys.user_tags(tags) == {"site": "lisbon", "Gapfill": "x"}
    assert tag_keys.user_tags(None) == {}
