"""The drift comparison without AWS: paths, keys compared only where declared, masking,
the table and the exit status."""

from __future__ import annotations

from gapfill.drift.compare import (
    DELETED,
    IN_SYNC,
    MASK,
    MODIFIED,
    Row,
    compare_properties,
    exit_code,
    render,
    rows_for,
)

WHERE = ("app", "Agent", "Custom::ConnectUser")


def test_equal_properties_give_one_in_sync_row_and_exit_zero() -> None:
    props = {"Name": "a", "Tags": [{"Key": "t", "Value": "1"}], "Size": 3}
    found = compare_properties(props, dict(props), names=props)
    rows = rows_for(WHERE, found)
    assert [(r.path, r.status) for r in rows] == [("-", IN_SYNC)]
    assert exit_code(rows) == 0


def test_each_difference_is_a_row_named_by_its_path() -> None:
    want = {"IdentityInfo": {"LastName": "Lovelace"}, "Files": {"site/a.html": {"ETag": "1"}}, "List": [1, 2]}
    have = {"IdentityInfo": {"LastName": "Byron"}, "Files": {}, "List": [1, 3]}
    found = compare_properties(want, have, names=want)
    assert [p for p, _, _ in found] == ["Files[site/a.html]", "IdentityInfo.LastName", "List[1]"]
    rows = rows_for(WHERE, found)
    assert {r.status for r in rows} == {MODIFIED}
    assert rows[0].actual == "(absent)"
    assert exit_code(rows) == 1


def test_declared_keys_only_ignores_what_the_template_does_not_declare() -> None:
    want = {"Tags": [{"Key": "team", "Value": "cc"}], "Queues": ["BasicQueue"]}
    have = {
        "Tags": [{"Key": "team", "Value": "cc"}, {"Key": "other", "Value": "x"}],
        "Queues": ["BasicQueue", "Other"],
        "Prompts": ["Beep.wav"],
    }
    names = ["Tags", "Queues", "Prompts"]
    assert compare_properties(want, have, names=names, declared_only=names) == []
    gone = {"Tags": [{"Key": "team", "Value": "sales"}], "Queues": ["Other"]}
    found = compare_properties(want, gone, names=names, declared_only=names)
    assert found[0][0] == "Queues[BasicQueue]"
    assert ("Tags.team", "cc", "sales") in found
    # Without the declaration, an extra tag is drift.
    assert compare_properties(want, have, names=["Tags"]) != []


def test_secrets_are_masked_but_secret_arns_are_not() -> None:
    found = compare_properties(
        {"Password": "Sup3r-secret", "Db": {"DbPassword": "x1"}, "SecretArn": "arn:a"},
        {"Password": "other", "Db": {"DbPassword": "x2"}, "SecretArn": "arn:b"},
        names=["Password", "Db", "SecretArn"],
    )
    rows = rows_for(WHERE, found, write_only=("Password",))
    shown = {r.path: (r.expected, r.actual) for r in rows}
    assert shown["Password"] == (MASK, MASK)
    assert shown["Db.DbPassword"] == (MASK, MASK)
    assert shown["SecretArn"] == ("arn:a", "arn:b")
    assert "Sup3r-secret" not in render(rows)


def test_a_deleted_resource_fails_the_run_and_the_table_aligns() -> None:
    rows = [
        Row("app", "Page", "Custom::HtmlPage", "-", "exists", "(gone)", DELETED),
        Row("app", "Agent", "Custom::ConnectUser", "-", "", "", IN_SYNC),
    ]
    lines = render(rows).splitlines()
    assert lines[0].split() == ["STACK", "RESOURCE", "TYPE", "PROPERTY", "EXPECTED", "ACTUAL", "STATUS"]
    assert lines[1].index("DELETED") == lines[0].index("STATUS")
    assert exit_code(rows) == 1


def test_an_empty_list_and_an_absent_one_are_the_same() -> None:
    assert compare_properties({"Tags": []}, {}, names=["Tags"]) == []
    assert compare_properties({}, {"Files": {}}, names=["Files"]) == []
    assert compare_properties({"Tags": []}, {"Tags": [{"Key": "a", "Value": "b"}]}, names=["Tags"]) != []
