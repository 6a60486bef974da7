"""The one scan of the code's AWS calls, read by the role table and the emulator page."""

from __future__ import annotations

from pathlib import Path

from gapfill.bundling import callsites
from gapfill.docs import emulator_table


def _tree(tmp_path: Path, source: str) -> Path:
    (tmp_path / "providers").mkdir()
    (tmp_path / "functions").mkdir()
    (tmp_path / "providers" / "p.py").write_text(source)
    return tmp_path


def test_a_call_on_a_bound_client_is_that_clients_call_at_its_line(tmp_path: Path) -> None:
    """``self.sm.tag_resource`` in a file that also makes a Connect client is Secrets
    Manager's TagResource, not Connect's (the role table once cited it for connect:TagResource)."""
    root = _tree(
        tmp_path,
        "def f(self):\n"
        "    self.sm = self.client('secretsmanager')\n"
        "    connect = self.client('connect')\n"
        "    connect.describe_user(InstanceId='i', UserId='u')\n"
        "    self.sm.tag_resource(SecretId='s', Tags=[])\n",
    )
    assert callsites.sites(root) == [
        callsites.Site("providers/p.py", 4, "connect", "DescribeUser"),
        callsites.Site("providers/p.py", 5, "secretsmanager", "TagResource"),
    ]


def test_the_emulator_page_lists_what_the_role_table_scan_finds(tmp_path: Path) -> None:
    root = _tree(tmp_path, "def f(client):\n    client('s3').head_object(Bucket='b', Key='k')\n")
    assert emulator_table.called_operations(root) == {"s3": {"HeadObject"}}
    assert [(s.service, s.operation) for s in callsites.sites(root)] == [("s3", "HeadObject")]


def test_every_role_table_site_names_a_real_file_and_line() -> None:
    found = callsites.call_sites()
    assert "s3:ListBucket" in found  # 404 for a missing key
    for places in found.values():
        for place in places:
            where = place.split("(")[-1].rstrip(")").split()[0]
            path, line = where.rsplit(":", 1)
            assert int(line) <= len((callsites.REPO / path).read_text(encoding="utf-8").splitlines())
