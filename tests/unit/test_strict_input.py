"""Strict input (issue 11 item 10): ASCII digits only, whole-string patterns, huge integers
answered with their property path, emails held to the RFC 5322 addr-spec (dot-atom) grammar.
Hypothesis drives the coercion cases."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.connect.directory import parse_csv
from providers.core.email_address import is_email
from providers.core.errors import PropertyValidationError
from providers.core.schema import ResourceSchema, coerce

SCHEMA = ResourceSchema(
    "Custom::Strict",
    {
        "typeName": "Gapfill::Test::Strict",
        "properties": {
            "Count": {"type": "integer"},
            "Ratio": {"type": "number"},
            "Name": {"type": "string", "pattern": "^[a-z]+$"},
            "Code": {"type": "string", "pattern": "^\\d{2}$"},
            "Mail": {"type": "string", "format": "email"},
            "Id": {"type": "string"},
        },
        "additionalProperties": False,
        "primaryIdentifier": ["/properties/Id"],
    },
)
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
_ASCII_INT = re.compile(r"-?[0-9]+")
_ASCII_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


# -- coercion ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["+7", "1_0", "\u0661\u0662", "\u00b2", "\uff11", "0x10", " 1 2 ", "7\u00a0"]
)
def test_non_ascii_or_non_decimal_integers_stay_strings(text: str) -> None:
    assert coerce(text, INTEGER, {}) == text


@pytest.mark.parametrize(
    "text", ["1_0.5", "\u0661.5", "+1.5", "1e", ".5", "nan", "infinity", "1__0", "1e999"]
)
def test_non_ascii_or_odd_numbers_stay_strings(text: str) -> None:
    assert coerce(text, NUMBER, {}) == text


@given(st.text(max_size=12))
def test_integer_coercion_accepts_exactly_ascii_decimal_integers(text: str) -> None:
    out = coerce(text, INTEGER, {})
    stripped = text.strip(" \t\r\n")
    if _ASCII_INT.fullmatch(stripped):
        assert out == int(stripped)
    else:
        assert out == text


@given(st.text(alphabet="0123456789+-._eE \u0661\u00b2", max_size=10))
def test_number_coercion_accepts_exactly_ascii_json_numbers(text: str) -> None:
    out = coerce(text, NUMBER, {})
    stripped = text.strip(" \t\r\n")
    if _ASCII_NUMBER.fullmatch(stripped) and float(stripped) != float("inf"):
        assert out == float(stripped)
    else:
        assert out == text


@given(st.integers())
def test_ascii_integers_round_trip(value: int) -> None:
    assert coerce(str(value), INTEGER, {}) == value
    assert coerce(str(value), NUMBER, {}) == value


def test_a_4301_digit_integer_is_failed_with_its_path_and_never_crashes() -> None:
    huge = "9" * 4301
    with pytest.raises(PropertyValidationError) as caught:
        SCHEMA.prepare({"Count": huge})
    assert str(caught.value).startswith("Count: ")
    with pytest.raises(PropertyValidationError) as caught:
        SCHEMA.prepare({"Ratio": huge})
    assert str(caught.value).startswith("Ratio: ")
    assert SCHEMA.prepare({"Count": huge, "Id": "x"}, strict=False)["Id"] == "x"  # Delete still works


@pytest.mark.parametrize("text", ["+7", "1_0", "\u0661\u0662"])
def test_refused_numbers_are_reported_with_their_path(text: str) -> None:
    with pytest.raises(PropertyValidationError) as caught:
        SCHEMA.prepare({"Count": text})
    assert str(caught.value).startswith("Count: ")


# -- patterns -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"),
    [("Name", "pages\n"), ("Name", "pages\n\n"), ("Code", "12\n"), ("Code", "\u0661\u0662")],
)
def test_anchored_patterns_match_the_whole_string(name: str, value: str) -> None:
    with pytest.raises(PropertyValidationError) as caught:
        SCHEMA.prepare({name: value})
    assert str(caught.value).startswith(f"{name}: ")


def test_whole_string_patterns_still_accept_what_they_describe() -> None:
    assert SCHEMA.prepare({"Name": "pages", "Code": "12"}) == {"Name": "pages", "Code": "12"}


# -- emails ---------------------------------------------------------------------------------------
GOOD = ["a@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie", "x_y-z@a-b.example"]
BAD = [
    "<script>@x.y",
    "a@b",
    "a@@b.com",
    "a b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a..b@example.com",
    "a@-example.com",
    "a@example..com",
    "a@example.com\n",
    "\u00e9@example.com",
    "a@exa_mple.com",
    "a@example.c",
    "a" * 65 + "@example.com",
    '"quoted"@example.com',
    "a@[127.0.0.1]",
]


@pytest.mark.parametrize("value", GOOD)
def test_real_addresses_are_emails(value: str) -> None:
    assert is_email(value)
    assert SCHEMA.prepare({"Mail": value}) == {"Mail": value}


@pytest.mark.parametrize("value", BAD)
def test_other_strings_are_not_emails(value: str) -> None:
    assert not is_email(value)
    with pytest.raises(PropertyValidationError) as caught:
        SCHEMA.prepare({"Mail": value})
    assert str(caught.value).startswith("Mail: ")


# -- the CSV --------------------------------------------------------------------------------------
CSV_HEAD = "Username,FirstName,LastName,Email,AfterContactWorkTimeLimit,RoutingProfile,SecurityProfiles\n"


@pytest.mark.parametrize("acw", ["\u00b2", "\u0661\u0662", "+5", "1_0", "5.0", "\uff15"])
def test_csv_numbers_are_ascii_digits_and_reported_with_the_line(acw: str) -> None:
    text = CSV_HEAD + "ok,F,L,ok@example.com,5,R,S\n" + f"bad,F,L,bad@example.com,{acw},R,S\n"
    parsed = parse_csv(text)
    assert [r.username for r in parsed.rows] == ["ok"]
    assert [str(e) for e in parsed.errors] == [
        f"line 3: AfterContactWorkTimeLimit '{acw}' must be a whole number of seconds, 0 or more"
    ]


def test_csv_email_uses_the_same_grammar() -> None:
    parsed = parse_csv(CSV_HEAD + "x,F,L,<script>@x.y,0,R,S\n")
    assert [str(e) for e in parsed.errors] == ["line 2: Email '<script>@x.y' is not an email address"]


@pytest.mark.parametrize("mobile", ["+1415555\u0661100", "+\u00b914155550100"])
def test_csv_phone_numbers_are_ascii_e164_only(mobile: str) -> None:
    head = "Username,FirstName,LastName,Mobile,RoutingProfile,SecurityProfiles\n"
    parsed = parse_csv(head + f'x,F,L,"{mobile}",R,S\n')
    assert [str(e) for e in parsed.errors] == [
        f"line 2: Mobile '{mobile}' is not an E.164 number like +14155550100"
    ]
