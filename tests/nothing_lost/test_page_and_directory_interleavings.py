"""Nothing lost (protocol rule 6) for the HTML page in a shared bucket and the Connect user
directory on an instance with hand-made users, interleaved at the protocol level.

Two hypothesis state machines mix our Create/Update/Delete (real handler, local ResponseURL,
emulator) with another party's own changes (their rules): objects written under other keys
or over our page's key, users added, edited and removed by hand. After every step (their
invariants) nothing that is not ours may have changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis.stateful import rule, run_state_machine_as_test

from gapfill.local.protocol import LocalCloudFormation
from tests.contract.suite import assert_one_valid_response
from tests.nothing_lost.plans import INTERLEAVING, VARIANT, OurResource


@pytest.fixture(scope="module")
def local(emulator: Any) -> Iterator[LocalCloudFormation]:
    with LocalCloudFormation(stack_name="nothing-lost-pages-users") as runner:
        yield runner


# -- HTML page ---------------------------------------------------------------------------------------

PAGE = "Custom::HtmlPage"
PAGE_KEY = "site/index.html"


def _page_props(bucket: str, variant: int) -> dict[str, Any]:
    return {
        "Bucket": bucket,
        "Key": PAGE_KEY,
        "Values": {
            "CcpUrl": "https://example-alias.my.connect.aws/ccp-v2/",
            "Region": "eu-west-2",
            "Title": f"Agents v{variant}",
        },
    }


class PageInBucket(OurResource):
    """Our page and another party's objects in one bucket, over our page's key too."""

    TYPE, LOGICAL_ID = PAGE, "Page"
    THEIR_STEPS = ("their_put", "their_overwrite_ours", "their_delete")
    s3: Any
    make_bucket: Callable[[], str]

    def __init__(self) -> None:
        super().__init__()
        self.bucket = self.make_bucket()
        self.theirs: dict[str, bytes] = {}  # key -> body, as the other party last wrote it
        self.steps = 0

    def props(self, variant: int) -> dict[str, Any]:
        return _page_props(self.bucket, variant)

    def created(self, answer: Any, props: dict[str, Any]) -> dict[str, Any] | None:
        if PAGE_KEY in self.theirs:
            # Someone else's object already sits at the key: a create never overwrites it.
            body = assert_one_valid_response(answer, "FAILED")
            assert "ReplaceExisting" in body["Reason"]
            return None
        return super().created(answer, props)

    def updated(self) -> None:
        self.theirs.pop(PAGE_KEY, None)  # our Update writes our page over whatever sat at its key

    def _put(self, key: str, slot: int) -> None:
        self.steps += 1
        body = f"their object {slot} at step {self.steps}".encode()
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        self.theirs[key] = body

    @rule(slot=VARIANT)
    def their_put(self, slot: int) -> None:
        self._put(f"site/theirs-{slot}.html", slot)

    @rule(slot=VARIANT)
    def their_overwrite_ours(self, slot: int) -> None:
        self._put(PAGE_KEY, slot)

    @rule(slot=VARIANT)
    def their_delete(self, slot: int) -> None:
        key = f"site/theirs-{slot}.html"
        self.s3.delete_object(Bucket=self.bucket, Key=key)
        self.theirs.pop(key, None)

    def check(self) -> None:
        s3, bucket = self.s3, self.bucket
        for key, body in self.theirs.items():
            got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert got == body, f"another party's object {key} was changed or removed"
        listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
        mine = {PAGE_KEY} if self.ours is not None else set()
        assert listed - set(self.theirs) - mine == set(), (
            f"objects nobody owns: {listed - set(self.theirs) - mine}"
        )
        if self.ours is not None and PAGE_KEY not in self.theirs:
            page = s3.get_object(Bucket=bucket, Key=PAGE_KEY)["Body"].read().decode()
            assert "Agents v" in page


def test_page_interleaved_with_other_objects_in_the_bucket(
    local: LocalCloudFormation, aws: Any, unique: Any
) -> None:
    s3 = aws("s3")

    def make_bucket() -> str:
        bucket = unique("nl-pages")
        s3.create_bucket(Bucket=bucket)
        return bucket

    class Run(PageInBucket):
        pass

    Run.local, Run.s3, Run.make_bucket = local, s3, staticmethod(make_bucket)
    run_state_machine_as_test(Run, settings=INTERLEAVING)


# -- user directory ----------------------------------------------------------------------------------

DIRECTORY = "Custom::ConnectUserDirectory"
HEADER = ["Username", "FirstName", "LastName", "Email", "RoutingProfile", "SecurityProfiles"]


def _csv(s3: Any, bucket: str, variant: int, prefix: str) -> str:
    """Three agents; each variant changes one surname and swaps one agent for another."""
    names = [f"{prefix}a", f"{prefix}b", f"{prefix}{'c' if variant % 2 else 'd'}"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i, name in enumerate(names):
        last = f"V{variant}" if i == 0 else "Agent"
        writer.writerow([name, f"First{i}", last, f"{name}@example.com", "Basic Routing Profile", "Agent"])
    key = f"dir/{prefix}-{variant}.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())
    return key


def _profiles(connect: Any, instance_id: str) -> tuple[str, str]:
    routing = connect.list_routing_profiles(InstanceId=instance_id)["RoutingProfileSummaryList"][0]["Id"]
    security = connect.list_security_profiles(InstanceId=instance_id)["SecurityProfileSummaryList"][0]["Id"]
    return routing, security


class DirectoryOnInstance(OurResource):
    """Our user directory and users made by hand on one instance."""

    TYPE, LOGICAL_ID = DIRECTORY, "Agents"
    THEIR_STEPS = ("their_add",)
    s3: Any
    connect: Any
    unique: Callable[[str], str]

    def __init__(self) -> None:
        super().__init__()
        unique, connect = self.unique, self.connect
        self.bucket = unique("nl-dir")
        self.s3.create_bucket(Bucket=self.bucket)
        instance = connect.create_instance(
            IdentityManagementType="CONNECT_MANAGED",
            InstanceAlias=unique("nl-dir"),
            InboundCallsEnabled=True,
            OutboundCallsEnabled=True,
        )
        self.instance_id, self.instance_arn = instance["Id"], instance["Arn"]
        self.routing, self.security = _profiles(connect, self.instance_id)
        self.prefix = unique("u").replace("-", "")
        self.by_hand: dict[str, dict[str, str]] = {}  # username -> {"id", "last"}
        self.edits = 0

    def props(self, variant: int) -> dict[str, Any]:
        return {
            "InstanceArn": self.instance_arn,
            "Bucket": self.bucket,
            "Key": _csv(self.s3, self.bucket, variant, self.prefix),
            "RequestsPerSecond": 200,
        }

    def _name(self, slot: int) -> str:
        return f"hand{slot}{self.prefix}"

    @rule(slot=VARIANT)
    def their_add(self, slot: int) -> None:
        name = self._name(slot)
        if name in self.by_hand:
            return
        made = self.connect.create_user(
            InstanceId=self.instance_id,
            Username=name,
            Password="Hand-made-1234",
            IdentityInfo={"FirstName": "Hand", "LastName": "Made", "Email": "hand@example.com"},
            PhoneConfig={"PhoneType": "SOFT_PHONE"},
            SecurityProfileIds=[self.security],
            RoutingProfileId=self.routing,
        )
        self.by_hand[name] = {"id": made["UserId"], "last": "Made"}

    @rule(slot=VARIANT)
    def their_edit(self, slot: int) -> None:
        name = self._name(slot)
        if name not in self.by_hand:
            return
        self.edits += 1
        last = f"Edited{self.edits}"
        self.connect.update_user_identity_info(
            InstanceId=self.instance_id,
            UserId=self.by_hand[name]["id"],
            IdentityInfo={"FirstName": "Hand", "LastName": last},
        )
        self.by_hand[name]["last"] = last

    @rule(slot=VARIANT)
    def their_remove(self, slot: int) -> None:
        name = self._name(slot)
        if name in self.by_hand:
            self.connect.delete_user(InstanceId=self.instance_id, UserId=self.by_hand.pop(name)["id"])

    def check(self) -> None:
        connect, instance_id = self.connect, self.instance_id
        for name, expected in self.by_hand.items():
            user = connect.describe_user(InstanceId=instance_id, UserId=expected["id"])["User"]
            assert user["Username"] == name
            assert user["IdentityInfo"]["LastName"] == expected["last"], f"hand-made user {name} was changed"
            assert not any(k.startswith("gapfill") for k in user.get("Tags", {})), f"{name} was adopted"
        listed = {u["Username"] for u in connect.list_users(InstanceId=instance_id)["UserSummaryList"]}
        assert set(self.by_hand) <= listed, "a hand-made user was removed"
        ours_now = {n for n in listed if n.startswith(self.prefix)}
        if self.ours is None:
            assert ours_now == set(), f"directory users left after delete: {ours_now}"


def test_directory_interleaved_with_users_added_by_hand(
    local: LocalCloudFormation, aws: Any, unique: Any
) -> None:
    class Run(DirectoryOnInstance):
        pass

    Run.local, Run.s3, Run.connect, Run.unique = local, aws("s3"), aws("connect"), staticmethod(unique)
    run_state_machine_as_test(Run, settings=INTERLEAVING)
