"""docs/emulator.md lists every operation the code calls and cannot go stale (issue 10)."""

from __future__ import annotations

from pathlib import Path

from gapfill.docs import emulator_table


def test_the_committed_page_is_current() -> None:
    current = emulator_table.PAGE.read_text(encoding="utf-8") if emulator_table.PAGE.exists() else ""
    assert current == emulator_table.render(), "run `gapfill docs`: docs/emulator.md is out of date"


def test_every_operation_is_validated_from_the_model_and_has_a_server() -> None:
    rows = emulator_table.rows()
    assert len(rows) >= 50
    assert all(row.validated for row in rows)
    served = {(row.service, row.operation): row.served_by for row in rows}
    assert served[("connect", "CreateUser")] == "gapfill extension"
    assert served[("s3", "PutBucketNotificationConfiguration")] == "gapfill extension"
    assert served[("firehose", "StartDeliveryStreamEncryption")] == "gapfill extension"
    assert served[("secretsmanager", "CreateSecret")] == "moto"


def test_documented_rules_appear_with_their_sources() -> None:
    page = emulator_table.render()
    for row in emulator_table.rows():
        for rule in row.rules:
            assert f"[{rule.id}]({rule.source})" in page


def test_the_scan_finds_calls_through_attributes_paginators_and_getattr(tmp_path: Path) -> None:
    (tmp_path / "providers").mkdir()
    (tmp_path / "functions").mkdir()
    (tmp_path / "providers" / "p.py").write_text(
        "def f(client):\n"
        "    c = client('connect')\n"
        "    c.describe_user(InstanceId='i', UserId='u')\n"
        "    c.get_paginator('list_queues')\n"
        "    getattr(c, 'delete_user')\n"
        "    c.not_an_operation()\n"
    )
    assert emulator_table.called_operations(tmp_path) == {
        "connect": {"DescribeUser", "ListQueues", "DeleteUser"}
    }
