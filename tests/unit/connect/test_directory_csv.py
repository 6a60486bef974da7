"""CSV parsing and validation of the agent directory, every problem with its line number."""

from __future__ import annotations

from providers.connect.directory import COLUMNS, default_mapping_key, owner_value, parse_csv

HEADER = "Username,FirstName,LastName,Email,Mobile,PhoneType,AutoAccept,AfterContactWorkTimeLimit,DeskPhoneNumber,RoutingProfile,SecurityProfiles,HierarchyGroup\n"


def test_a_good_file_parses_with_defaults_applied() -> None:
    text = (
        "\ufeff"
        + HEADER
        + "jane,Jane,Doe,jane@example.com,+14155550100,,yes,30,,Sales,Agent;QualityAnalyst,Team A\n"
        "\n"
        "bob,Bob,Smith,,,desk_phone,false,,+14155550101,,,\n"
    )
    result = parse_csv(
        text, default_routing_profile="Basic Routing Profile", default_security_profiles=["Agent"]
    )
    assert result.errors == []
    jane, bob = result.rows
    assert (jane.line, bob.line) == (2, 4)
    assert jane.identity == {
        "FirstName": "Jane",
        "LastName": "Doe",
        "Email": "jane@example.com",
        "Mobile": "+14155550100",
    }
    assert jane.phone == {"PhoneType": "SOFT_PHONE", "AutoAccept": True, "AfterContactWorkTimeLimit": 30}
    assert jane.routing_profile == "Sales"
    assert jane.security_profiles == ("Agent", "QualityAnalyst")
    assert jane.hierarchy_group == "Team A"
    assert bob.phone["PhoneType"] == "DESK_PHONE"
    assert bob.phone["DeskPhoneNumber"] == "+14155550101"
    assert bob.routing_profile == "Basic Routing Profile"
    assert bob.security_profiles == ("Agent",)
    assert bob.hierarchy_group is None


def test_header_names_are_forgiving_about_case_spaces_and_underscores() -> None:
    result = parse_csv(
        "user name,first_name,Last Name,Security-Profiles,routing profile\njane,Jane,Doe,Agent,Sales\n"
    )
    assert result.errors == []
    assert result.rows[0].identity == {"FirstName": "Jane", "LastName": "Doe"}


def test_bad_rows_are_reported_by_line_number_and_left_out() -> None:
    text = (
        "Username,FirstName,LastName,Email,Mobile,PhoneType,AutoAccept,AfterContactWorkTimeLimit,"
        "RoutingProfile,SecurityProfiles\n"
        "ok1,F,L,ok@example.com,,,,,Sales,Agent\n"
        "bad email,F,L,not-an-email,,,,,Sales,Agent\n"
        "ok2,F,L,,12345,,maybe,-3,Sales,Agent\n"
        "ok3,F,L,,,DESK_PHONE,,,,Agent\n"
        "OK1,F,L,,,,,,Sales,Agent\n"
        ",F,L,,,,,,Sales,Agent\n"
        "toomany,F,L,,,,,,Sales,Agent,extra\n"
    )
    result = parse_csv(text)
    assert [r.username for r in result.rows] == ["ok1"]
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("line 3: Username 'bad email'") for m in messages)
    assert "line 3: Email 'not-an-email' is not an email address" in messages
    assert any(m.startswith("line 4: Mobile '12345'") for m in messages)
    assert any(m.startswith("line 4: AutoAccept 'maybe'") for m in messages)
    assert any(m.startswith("line 4: AfterContactWorkTimeLimit '-3'") for m in messages)
    assert "line 5: DeskPhoneNumber is required when PhoneType is DESK_PHONE" in messages
    assert any(m.startswith("line 5: RoutingProfile is empty") for m in messages)
    assert "line 6: Username 'OK1' already appears on line 2" in messages
    assert "line 7: Username is empty" in messages
    assert "line 8: 11 fields, but the header has 10" in messages


def test_quoted_multiline_fields_keep_later_line_numbers_right() -> None:
    text = 'Username,FirstName,LastName,RoutingProfile,SecurityProfiles\na,A,"two\nlines",Sales,Agent\nb,B,x,Sales,\n'
    result = parse_csv(text)
    assert [str(e) for e in result.errors] == [
        "line 4: SecurityProfiles is empty and the directory has no DefaultSecurityProfiles"
    ]


def test_header_problems_stop_everything() -> None:
    assert [str(e) for e in parse_csv("").errors] == [
        "line 1: the file is empty; expected a header line with Username"
    ]
    result = parse_csv("Email,Nickname\nx@example.com,x\n")
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("line 1: unknown column 'Nickname'") for m in messages)
    assert "line 1: the header has no Username column" in messages
    assert result.rows == []
    assert [str(e) for e in parse_csv("Username,username\n").errors] == [
        "line 1: column 'Username' appears twice"
    ]


def test_identity_type_rules() -> None:
    row = "Username,FirstName,LastName,RoutingProfile,SecurityProfiles,DirectoryUserId\nJane Doe,J,D,Sales,Agent,\n"
    assert parse_csv(row).errors  # spaces are not allowed in CONNECT_MANAGED usernames
    saml_head = "Username,FirstName,LastName,Email,RoutingProfile,SecurityProfiles\n"
    saml = parse_csv(saml_head + "jane.doe@example.com,J,D,j@example.com,Sales,Agent\n", identity_type="SAML")
    assert saml.errors == []
    # CreateUser documents [a-zA-Z0-9_-.@]+ for SAML usernames: '=' and '+' are refused.
    assert parse_csv(saml_head + "jane=doe+x,J,D,j@example.com,Sales,Agent\n", identity_type="SAML").errors
    directory_only = parse_csv(
        "Username,FirstName,LastName,RoutingProfile,SecurityProfiles,DirectoryUserId\njane,J,D,Sales,Agent,d-1\n"
    )
    assert [str(e) for e in directory_only.errors] == [
        "line 2: DirectoryUserId is only used by EXISTING_DIRECTORY instances"
    ]


def test_too_many_security_profiles() -> None:
    names = ";".join(f"P{i}" for i in range(11))
    result = parse_csv(
        f"Username,FirstName,LastName,RoutingProfile,SecurityProfiles\njane,J,D,Sales,{names}\n"
    )
    assert [str(e) for e in result.errors] == ["line 2: SecurityProfiles names 11 profiles; at most 10"]


def test_documented_columns_cover_the_parser() -> None:
    assert next(iter(COLUMNS)) == "Username"
    assert parse_csv(",".join(COLUMNS) + "\n").errors == []


def test_owner_value_is_deterministic_readable_and_tag_safe() -> None:
    stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/contact-centre/6f1c"
    first = owner_value(stack, "contact-centre", "Agents")
    assert first == owner_value(stack, "contact-centre", "Agents")
    assert first.startswith("contact-centre.Agents.")
    assert first != owner_value(stack + "x", "contact-centre", "Agents")
    assert first != owner_value(stack, "contact-centre", "Agents2")
    assert len(owner_value(stack, "s" * 128, "L" * 255)) <= 256


def test_default_mapping_key_is_never_a_csv() -> None:
    assert default_mapping_key("agents/directory.csv") == "agents/directory.mapping.json"
    assert default_mapping_key("agents/DIRECTORY.CSV") == "agents/DIRECTORY.mapping.json"
    assert default_mapping_key("agents/list") == "agents/list.mapping.json"


def test_every_documented_column_has_exactly_one_rule() -> None:
    """The CSV rules are a table (issue 14 item 4): one validator per documented column."""
    from providers.connect.directory import COLUMN_RULES

    assert list(COLUMN_RULES) == list(COLUMNS)
