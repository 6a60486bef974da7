"""SearchUsers answers AfterContactWorkTimeLimit in milliseconds; the sync compares seconds."""

from __future__ import annotations

from providers.connect.sync import from_search


def summary(acw: int | None) -> dict[str, object]:
    phone: dict[str, object] = {"PhoneType": "SOFT_PHONE", "AutoAccept": False}
    if acw is not None:
        phone["AfterContactWorkTimeLimit"] = acw
    return {
        "Id": "u-1",
        "Arn": "arn:aws:connect:us-east-1:123456789012:instance/i/agent/u-1",
        "Username": "jane",
        "IdentityInfo": {"FirstName": "Jane", "LastName": "Doe"},
        "PhoneConfig": phone,
        "RoutingProfileId": "rp-1",
        "SecurityProfileIds": ["sp-1"],
        "Tags": {},
    }


def test_milliseconds_become_seconds() -> None:
    assert from_search(summary(45_000)).phone["AfterContactWorkTimeLimit"] == 45


def test_zero_and_missing_stay_as_they_are() -> None:
    assert from_search(summary(0)).phone["AfterContactWorkTimeLimit"] == 0
    assert from_search(summary(None)).phone == from_search(summary(0)).phone
