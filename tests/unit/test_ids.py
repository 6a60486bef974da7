"""Client tokens: the form AWS documents (ClaimPhoneNumber's UUID pattern fits every API the
providers call), stable for one request, different for any other."""

from __future__ import annotations

import re

from providers.core import ids

#: ClaimPhoneNumber's documented ClientToken pattern (Connect API reference).
UUID = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1"


def test_client_tokens_are_lower_case_uuids() -> None:
    token = ids.client_token(STACK, "Number", "req-1", "claim-0")
    assert UUID.match(token), token


def test_the_same_request_gets_the_same_token_and_any_change_another() -> None:
    token = ids.client_token(STACK, "Number", "req-1", "claim-0")
    assert ids.client_token(STACK, "Number", "req-1", "claim-0") == token
    others = {
        ids.client_token(STACK + "x", "Number", "req-1", "claim-0"),
        ids.client_token(STACK, "Numbers", "req-1", "claim-0"),
        ids.client_token(STACK, "Number", "req-2", "claim-0"),
        ids.client_token(STACK, "Number", "req-1", "claim-1"),
        # the separator keeps field boundaries: moving a character between fields changes it
        ids.client_token(STACK, "Numbe", "rreq-1", "claim-0"),
    }
    assert token not in others
    assert len(others) == 5


def test_a_request_id_with_a_lone_surrogate_still_gets_a_token() -> None:
    assert UUID.match(ids.client_token(STACK, "Number", "req-\udc80"))
