"""Name-or-ARN resolution of routing profiles, security profiles and hierarchy groups."""

from __future__ import annotations

from typing import Any

import pytest

from providers.connect.arns import instance_id_of, parse_arn
from providers.connect.resolve import (
    Catalog,
    ResolveError,
    Resolver,
    load_catalog,
    needs_catalog,
    resolve,
)

IID = "11111111-2222-3333-4444-555555555555"
BASE = f"arn:aws:connect:us-east-1:123456789012:instance/{IID}"
PROFILES = Catalog.from_summaries(
    "routing-profile",
    IID,
    [
        {"Id": "rp-basic", "Name": "Basic Routing Profile"},
        {"Id": "rp-sales", "Name": "Sales"},
        {"Id": "rp-dup1", "Name": "Twin"},
        {"Id": "rp-dup2", "Name": "Twin"},
    ],
)


def test_parse_arn_takes_connect_arns_apart() -> None:
    parsed = parse_arn(f"{BASE}/routing-profile/rp-1")
    assert parsed is not None
    assert (parsed.region, parsed.account, parsed.instance_id) == ("us-east-1", "123456789012", IID)
    assert (parsed.kind, parsed.resource_id) == ("routing-profile", "rp-1")
    assert parse_arn(BASE) is not None
    assert parse_arn(BASE).kind == ""  # type: ignore[union-attr]
    for bad in ("Basic Routing Profile", "arn:aws:s3:::bucket", f"{BASE}/routing-profile", "arn:aws:connect"):
        assert parse_arn(bad) is None
    assert instance_id_of(f"{BASE}/agent/u-1") == IID
    assert instance_id_of(IID) == IID


def test_names_resolve_exactly_then_ignoring_case() -> None:
    assert resolve("Basic Routing Profile", "routing-profile", IID, PROFILES) == "rp-basic"
    assert resolve("  sales ", "routing-profile", IID, PROFILES) == "rp-sales"
    assert resolve("rp-sales", "routing-profile", IID, PROFILES) == "rp-sales"  # a bare id


def test_arns_resolve_without_a_catalog_and_are_checked_with_one() -> None:
    assert resolve(f"{BASE}/routing-profile/rp-x", "routing-profile", IID, None) == "rp-x"
    assert resolve(f"{BASE}/routing-profile/rp-sales", "routing-profile", IID, PROFILES) == "rp-sales"
    with pytest.raises(ResolveError, match="does not exist"):
        resolve(f"{BASE}/routing-profile/rp-x", "routing-profile", IID, PROFILES)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Nope", "'Nope' not found in instance .*available: 'Basic Routing Profile', 'Sales', 'Twin'"),
        ("Twin", "ambiguous"),
        ("", "empty"),
        (f"{BASE}/security-profile/sp-1", "is not a routing profile ARN"),
        ("arn:aws:connect:us-east-1:123456789012:instance/other/routing-profile/rp-1", "another instance"),
    ],
)
def test_unresolvable_references_explain_themselves(value: str, message: str) -> None:
    with pytest.raises(ResolveError, match=message):
        resolve(value, "routing-profile", IID, PROFILES)


def test_a_name_without_a_catalog_is_an_error_not_a_guess() -> None:
    with pytest.raises(ResolveError, match="is a name"):
        resolve("Sales", "routing-profile", IID, None)
    assert needs_catalog(["Sales"])
    assert not needs_catalog([f"{BASE}/routing-profile/rp-1", None])


def test_many_available_names_are_shortened() -> None:
    big = Catalog.from_summaries("agent-group", IID, [{"Id": f"g{i}", "Name": f"G{i:02}"} for i in range(30)])
    with pytest.raises(ResolveError, match="and 20 more"):
        resolve("Missing", "agent-group", IID, big)


def test_load_catalog_follows_pages() -> None:
    pages = {
        None: {"SecurityProfileSummaryList": [{"Id": "a", "Name": "Admin"}], "NextToken": "t1"},
        "t1": {"SecurityProfileSummaryList": [{"Id": "b", "Name": "Agent"}]},
    }
    seen: list[dict[str, Any]] = []

    def call(operation: str, **kwargs: Any) -> dict[str, Any]:
        assert operation == "list_security_profiles"
        seen.append(kwargs)
        return pages[kwargs.get("NextToken")]

    catalog = load_catalog(call, IID, "security-profile")
    assert catalog.ids == {"a", "b"}
    assert resolve("Agent", "security-profile", IID, catalog) == "b"
    assert [s.get("NextToken") for s in seen] == [None, "t1"]


def test_the_resolver_lists_each_kind_once_and_arns_not_at_all() -> None:
    """The one resolver of ConnectUser and the directory: a thousand rows naming one profile
    cost one list call; an ARN costs none."""
    listed: list[str] = []

    def call(operation: str, **_kwargs: Any) -> dict[str, Any]:
        listed.append(operation)
        return {"RoutingProfileSummaryList": [{"Id": "rp-1", "Name": "Sales"}]}

    resolver = Resolver(call, IID)
    assert resolver("routing-profile", f"{BASE}/routing-profile/rp-9") == "rp-9"
    assert listed == []
    assert [resolver("routing-profile", "sales") for _ in range(3)] == ["rp-1"] * 3
    assert listed == ["list_routing_profiles"]
    with pytest.raises(ResolveError, match="not found"):
        resolver("routing-profile", "Nope")
