"""Password generation to Connect's policy, and the secret naming it relies on."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.connect.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    generate_password,
    meets_policy,
    secret_name,
    secret_string,
)


@given(st.integers(min_value=MIN_LENGTH, max_value=MAX_LENGTH))
def test_generated_passwords_meet_the_policy_at_every_length(length: int) -> None:
    password = generate_password(length)
    assert len(password) == length
    assert meets_policy(password)
    assert re.search(r"[A-Z]", password)
    assert re.search(r"[a-z]", password)
    assert re.search(r"\d", password)
    assert not any(c.isspace() or c in "\"'\\,;" for c in password)


def test_passwords_are_not_repeated() -> None:
    assert len({generate_password() for _ in range(200)}) == 200


@pytest.mark.parametrize("length", [0, 7, 65, 200])
def test_lengths_outside_the_policy_are_refused(length: int) -> None:
    with pytest.raises(ValueError, match="between 8 and 64"):
        generate_password(length)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Abcdefg1", True),
        ("abcdefg1", False),
        ("ABCDEFG1", False),
        ("Abcdefgh", False),
        ("Abc1", False),
        ("A" * 62 + "b1", True),
        ("A" * 63 + "b1", False),
        ("Abc defg1", False),
    ],
)
def test_policy_check(password: str, ok: bool) -> None:
    assert meets_policy(password) is ok


def test_secret_name_and_document() -> None:
    assert secret_name("iid", "jane.doe@example.com") == "gapfill/connect/iid/jane.doe@example.com"
    doc = json.loads(secret_string("iid", "jane", "Pw1xxxxx"))
    assert doc == {"InstanceId": "iid", "Username": "jane", "Password": "Pw1xxxxx"}
