"""Usernames and IdentityInfo as CreateUser documents them (issue 10 A and B, provider side),
checked per CSV row before any write: the Reason names the line and the rule."""

from __future__ import annotations

import pytest

from providers.connect.directory import parse_csv
from providers.connect.user_rules import identity_problems, username_problem

HEAD = "Username,FirstName,LastName,Email,RoutingProfile,SecurityProfiles\n"


@pytest.mark.parametrize(
    ("username", "identity_type", "rule"),
    [
        ("a" * 21, "CONNECT_MANAGED", "at most 20 characters"),
        ("a" * 21, "EXISTING_DIRECTORY", "at most 20 characters"),
        ("a" * 65, "SAML", "at most 64 characters"),
        ("testuser@example", "CONNECT_MANAGED", "'@' only in an email address"),
        ("testuser@example", "SAML", "'@' only in an email address"),
        ("a@b@example.com", "SAML", "'@' only in an email address"),
        ("jane doe", "CONNECT_MANAGED", "letters, digits and _-.@"),
        ("j\u00e4ne", "SAML", "letters, digits and _-.@"),
        ("jane\tdoe", "EXISTING_DIRECTORY", "whitespace"),
    ],
)
def test_usernames_breaking_a_documented_rule_are_named(username: str, identity_type: str, rule: str) -> None:
    problem = username_problem(username, identity_type)
    assert problem is not None
    assert rule in problem
    assert identity_type in problem or "whitespace" in problem or "@" in rule


@pytest.mark.parametrize(
    ("username", "identity_type"),
    [
        ("a" * 20, "CONNECT_MANAGED"),
        ("a" * 64, "SAML"),
        ("jane.doe_1-x", "CONNECT_MANAGED"),
        ("jd@example.com", "CONNECT_MANAGED"),
        ("jane.doe@example.co.uk", "SAML"),
    ],
)
def test_documented_usernames_are_accepted(username: str, identity_type: str) -> None:
    assert username_problem(username, identity_type) is None


@pytest.mark.parametrize(
    ("identity", "identity_type", "missing"),
    [
        ({}, "CONNECT_MANAGED", ["FirstName", "LastName"]),
        ({"FirstName": "A"}, "CONNECT_MANAGED", ["LastName"]),
        ({"FirstName": "A", "LastName": "B"}, "SAML", ["Email"]),
        ({}, "SAML", ["FirstName", "LastName", "Email"]),
        ({}, "EXISTING_DIRECTORY", []),
        ({"FirstName": "A", "LastName": "B"}, "CONNECT_MANAGED", []),
    ],
)
def test_identity_info_required_by_identity_type(
    identity: dict[str, str], identity_type: str, missing: list[str]
) -> None:
    problems = identity_problems(identity, identity_type)
    assert [p.split(" ", 1)[0] for p in problems] == missing
    assert all(identity_type in p for p in problems)


def test_csv_rows_are_held_to_the_rules_of_the_instances_identity_type() -> None:
    text = HEAD + (
        "ok,F,L,,R,S\n"
        "abcdefghijklmnopqrstu,F,L,,R,S\n"  # 21 characters
        "nameless,,,,R,S\n"
        "half@example,F,L,,R,S\n"
    )
    parsed = parse_csv(text, identity_type="CONNECT_MANAGED")
    assert [r.username for r in parsed.rows] == ["ok"]
    messages = [str(e) for e in parsed.errors]
    assert messages == [
        "line 3: Username 'abcdefghijklmnopqrstu' is 21 characters; CONNECT_MANAGED usernames are "
        "at most 20 characters (CreateUser)",
        "line 4: FirstName is required for CONNECT_MANAGED instances (CreateUser)",
        "line 4: LastName is required for CONNECT_MANAGED instances (CreateUser)",
        "line 5: Username 'half@example' may contain '@' only in an email address (CreateUser)",
    ]
    saml = parse_csv(HEAD + "abcdefghijklmnopqrstu,F,L,x@example.com,R,S\n", identity_type="SAML")
    assert not saml.errors
