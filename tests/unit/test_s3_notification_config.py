"""The pure merge logic of Custom::S3BucketNotification: ownership by exact id, filter
normalisation, and above all that nobody else's notifications are ever lost."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.s3_bucket_notification import config
from providers.s3_bucket_notification.config import (
    LAMBDA,
    QUEUE,
    TOPIC,
    AmbiguousConfigurationError,
    ConfigError,
    Owner,
    OwnershipConflictError,
    PhysicalId,
)

OWNER = Owner("arn:aws:cloudformation:us-east-1:123456789012:stack/app/1111", "Notifications")
OTHER_OWNER = Owner("arn:aws:cloudformation:us-east-1:123456789012:stack/other/2222", "Notifications")
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ours"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:ours"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ours"

# -- an independent oracle of S3's overlap rule: search for an event and a key both match -----

CONCRETE_EVENTS = [
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
]


def _filters(entry: dict[str, Any]) -> tuple[str, str]:
    rules = (entry.get("Filter") or {}).get("Key", {}).get("FilterRules", [])
    named = {r["Name"].lower(): r["Value"] for r in rules}
    return named.get("prefix", ""), named.get("suffix", "")


def _matches(entry: dict[str, Any], event: str, key: str) -> bool:
    prefix, suffix = _filters(entry)
    wanted = any(e == event or (e.endswith("*") and event.startswith(e[:-1])) for e in entry["Events"])
    return wanted and key.startswith(prefix) and key.endswith(suffix)


def clash(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Some event on some key would be delivered by both entries (a witness exists)."""
    (p1, s1), (p2, s2) = _filters(first), _filters(second)
    keys = [p + s for p in (p1, p2) for s in (s1, s2)]
    return any(_matches(first, e, k) and _matches(second, e, k) for e in CONCRETE_EVENTS for k in keys)


def _any_clash(ours: list[config.Entry], document: dict[str, Any]) -> bool:
    theirs = config.entries_of(config.normalise_document(document))
    return any(clash(o.body, t.body) for o in ours for t in theirs)


# -- strategies -----------------------------------------------------------------------------------

EVENTS = st.sampled_from(
    ["s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectRemoved:*", "s3:ObjectRestore:Post"]
)
VALUES = st.text(alphabet="abcdefghij/._-0123456789", min_size=1, max_size=12)
NAMES = st.sampled_from(["prefix", "Prefix", "suffix", "Suffix"])
ARN_OF = {
    LAMBDA: "arn:aws:lambda:us-east-1:123456789012:function:{}",
    QUEUE: "arn:aws:sqs:us-east-1:123456789012:{}",
    TOPIC: "arn:aws:sns:us-east-1:123456789012:{}",
}


@st.composite
def api_rules(draw: Any) -> list[dict[str, str]]:
    """Up to one prefix and one suffix rule, in S3's or the template's spelling, any order."""
    rules = []
    for base in draw(st.permutations(["prefix", "suffix"]))[: draw(st.integers(0, 2))]:
        name = base.capitalize() if draw(st.booleans()) else base
        rules.append({"Name": name, "Value": draw(VALUES)})
    return rules


@st.composite
def foreign_entry(draw: Any, kind: config.Kind) -> dict[str, Any]:
    """Someone else's configuration as S3 returns it. Ids include ones that look like ours
    (``gapfill-`` prefix) to prove that ownership is never decided by prefix."""
    ident = draw(
        st.one_of(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20),
            st.text(alphabet="0123456789abcdef", min_size=1, max_size=32).map(lambda s: "gapfill-" + s),
        )
    )
    entry: dict[str, Any] = {
        "Id": ident,
        kind.api_arn: ARN_OF[kind].format(draw(st.sampled_from(["a", "b", "c", "ours"]))),
        "Events": draw(st.lists(EVENTS, min_size=1, max_size=3, unique=True)),
    }
    rules = draw(api_rules())
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    return entry


@st.composite
def foreign_documents(draw: Any) -> dict[str, Any]:
    """A random GET answer full of other people's notifications (ids unique, as S3 enforces)."""
    doc: dict[str, Any] = {"ResponseMetadata": {"HTTPStatusCode": 200}}
    used: set[str] = set()
    held: list[dict[str, Any]] = []
    for kind in config.KINDS:
        entries = []
        for entry in draw(st.lists(foreign_entry(kind), max_size=3)):
            if entry["Id"] not in used and not any(clash(entry, other) for other in held):
                used.add(entry["Id"])
                held.append(entry)
                entries.append(entry)
        if entries:
            doc[kind.api_key] = entries
    if draw(st.booleans()):
        doc["EventBridgeConfiguration"] = {}
    return doc


@st.composite
def template_rules(draw: Any) -> list[dict[str, str]]:
    rules = []
    for base in draw(st.permutations(["prefix", "suffix"]))[: draw(st.integers(0, 2))]:
        rules.append({"Name": draw(st.sampled_from([base, base.capitalize()])), "Value": draw(VALUES)})
    return rules


@st.composite
def template_configs(draw: Any) -> dict[str, Any]:
    """Our NotificationConfiguration as written in a template (one Event per entry)."""
    out: dict[str, Any] = {}
    bodies: list[dict[str, Any]] = []
    for kind in config.KINDS:
        items = []
        seen = set()
        for _ in range(draw(st.integers(0, 2))):
            item: dict[str, Any] = {
                "Event": draw(EVENTS),
                kind.template_arn: ARN_OF[kind].format(draw(st.sampled_from(["x", "y"]))),
            }
            rules = draw(template_rules())
            if rules:
                item["Filter"] = {"S3Key": {"Rules": rules}}
            body = config._template_entry(kind, 0, item, OWNER).body
            key = config.content_key(kind, body)
            if key not in seen and not any(clash(body, other) for other in bodies):
                seen.add(key)
                bodies.append(body)
                items.append(item)
        if items:
            out[kind.template_key] = items
    if draw(st.booleans()):
        out["EventBridgeConfiguration"] = {"EventBridgeEnabled": True}
    return out


def _by_id(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {e.id: (e.kind.api_key, e.body) for e in config.entries_of(document)}


def _assert_foreign_survive(before: dict[str, Any], after: dict[str, Any], owner: Owner = OWNER) -> None:
    """Every entry of ``before`` that is not provably ours is in ``after``, same meaning."""
    survivors = _by_id(after)
    for entry in config.entries_of(config.normalise_document(before)):
        if owner.owns(entry.kind, entry.body):
            continue
        assert entry.id in survivors, f"foreign notification {entry.id} was lost"
        kind_key, body = survivors[entry.id]
        assert kind_key == entry.kind.api_key
        assert config.content_key(entry.kind, body) == config.content_key(entry.kind, entry.body)


def _assert_refused_naming_both(foreign: dict[str, Any], wanted: list[config.Entry]) -> None:
    """S3 would refuse the merged document: the merge refuses it first, naming ours and theirs."""
    with pytest.raises(AmbiguousConfigurationError) as refused:
        config.merge(foreign, owner=OWNER, add=wanted)
    message = str(refused.value)
    theirs = config.entries_of(config.normalise_document(foreign))
    assert any(e.where in message and e.id in message for e in wanted), message
    assert any(f"someone else's notification '{t.id}'" in message for t in theirs), message


# -- property-based: merge and remove ----------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(foreign=foreign_documents(), ours=template_configs())
def test_create_then_delete_keeps_every_foreign_notification(
    foreign: dict[str, Any], ours: dict[str, Any]
) -> None:
    wanted = config.desired_entries(ours, OWNER)
    eb: config.EventBridgeAction = "enable" if config.wants_eventbridge(ours) else "keep"
    if _any_clash(wanted, foreign):
        _assert_refused_naming_both(foreign, wanted)
        return
    created = config.merge(foreign, owner=OWNER, add=wanted, eventbridge=eb)
    _assert_foreign_survive(foreign, created.document)
    assert {e.id for e in wanted} <= set(_by_id(created.document)), "our notifications are missing"
    if eb == "keep":
        assert config.eventbridge_on(created.document) == config.eventbridge_on(foreign)
    else:
        assert config.eventbridge_on(created.document)
    # Writing the same again changes nothing (a repeated request is a no-op).
    again = config.merge(created.document, owner=OWNER, add=wanted, eventbridge=eb)
    assert not again.changed
    assert again.document == created.document
    # Delete removes exactly ours: what is left is the foreign document, normalised.
    deleted = config.merge(created.document, owner=OWNER, remove_ids={e.id for e in wanted})
    expected = config.normalise_document(foreign)
    if eb == "enable":
        expected["EventBridgeConfiguration"] = {}
    assert deleted.document == expected


@settings(max_examples=150, deadline=None)
@given(foreign=foreign_documents(), old=template_configs(), new=template_configs())
def test_update_swaps_only_our_ids(foreign: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> None:
    old_entries = config.desired_entries(old, OWNER)
    new_entries = config.desired_entries(new, OWNER)
    for entries in (old_entries, new_entries):
        if _any_clash(entries, foreign):
            _assert_refused_naming_both(foreign, entries)
            return
    created = config.merge(foreign, owner=OWNER, add=old_entries).document
    updated = config.merge(
        created, owner=OWNER, remove_ids=config.lenient_ids(old, OWNER), add=new_entries
    ).document
    _assert_foreign_survive(foreign, updated)
    ids = set(_by_id(updated))
    assert {e.id for e in new_entries} <= ids
    foreign_ids = set(_by_id(config.normalise_document(foreign)))
    stale = {e.id for e in old_entries} - {e.id for e in new_entries} - foreign_ids
    assert not (stale & ids), "an old notification of ours survived the update"
    assert config.eventbridge_on(updated) == config.eventbridge_on(foreign)


@settings(max_examples=100, deadline=None)
@given(foreign=foreign_documents(), ours=template_configs())
def test_delete_from_physical_id_alone_finds_derived_ids(
    foreign: dict[str, Any], ours: dict[str, Any]
) -> None:
    """Stale or missing Delete properties: derived ids are recognised from content alone."""
    wanted = config.desired_entries(ours, OWNER)
    if _any_clash(wanted, foreign):
        _assert_refused_naming_both(foreign, wanted)
        return
    created = config.merge(foreign, owner=OWNER, add=wanted).document
    deleted = config.merge(created, owner=OWNER).document
    assert deleted == config.normalise_document(foreign) | (
        {"EventBridgeConfiguration": {}} if config.eventbridge_on(foreign) else {}
    )
    # Another stack's identical resource owns nothing of ours, and we nothing of theirs.
    assert config.merge(created, owner=OTHER_OWNER).document == created


@settings(max_examples=100, deadline=None)
@given(foreign=foreign_documents())
def test_nothing_to_do_writes_nothing(foreign: dict[str, Any]) -> None:
    plan = config.merge(foreign, owner=OWNER)
    assert not plan.changed
    assert plan.document == config.normalise_document(foreign)
    assert plan.removed == []


@settings(max_examples=100, deadline=None)
@given(
    kind=st.sampled_from(config.KINDS), rules=api_rules(), events=st.lists(EVENTS, min_size=1, unique=True)
)
def test_derived_id_ignores_rule_order_name_case_and_event_order(
    kind: config.Kind, rules: list[dict[str, str]], events: list[str]
) -> None:
    entry: dict[str, Any] = {kind.api_arn: QUEUE_ARN, "Events": events}
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    shuffled = copy.deepcopy(entry)
    shuffled["Events"] = list(reversed(events))
    if rules:
        shuffled["Filter"]["Key"]["FilterRules"] = [
            {"Name": r["Name"].swapcase().lower().capitalize(), "Value": r["Value"]} for r in reversed(rules)
        ]
    assert OWNER.derived_id(kind, entry) == OWNER.derived_id(kind, shuffled)
    assert OWNER.derived_id(kind, entry) != OTHER_OWNER.derived_id(kind, entry)


# -- examples ------------------------------------------------------------------------------------


def test_template_block_translates_to_api_shape_with_lowercase_sorted_rules() -> None:
    entries = config.desired_entries(
        {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": QUEUE_ARN,
                    "Filter": {
                        "S3Key": {
                            "Rules": [{"Name": "Suffix", "Value": ".csv"}, {"Name": "prefix", "Value": "in/"}]
                        }
                    },
                }
            ],
            "TopicConfigurations": [{"Event": "s3:ObjectRemoved:*", "Topic": TOPIC_ARN, "Id": "mine"}],
            "LambdaConfigurations": [
                {
                    "Event": "s3:ObjectCreated:Put",
                    "Function": FUNCTION_ARN,
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "img/"}]}},
                }
            ],
        },
        OWNER,
    )
    bodies = {e.kind.api_key: e.body for e in entries}
    assert bodies["QueueConfigurations"]["Filter"] == {
        "Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".csv"}]}
    }
    assert bodies["QueueConfigurations"]["Id"].startswith("gapfill-")
    assert bodies["TopicConfigurations"] == {
        "Id": "mine",
        "TopicArn": TOPIC_ARN,
        "Events": ["s3:ObjectRemoved:*"],
    }
    assert bodies["LambdaFunctionConfigurations"]["LambdaFunctionArn"] == FUNCTION_ARN


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        (
            {
                "QueueConfigurations": [
                    {
                        "Event": "s3:ObjectCreated:*",
                        "Queue": QUEUE_ARN,
                        "Filter": {
                            "S3Key": {
                                "Rules": [{"Name": "prefix", "Value": "a"}, {"Name": "Prefix", "Value": "b"}]
                            }
                        },
                    }
                ]
            },
            "NotificationConfiguration.QueueConfigurations[0].Filter.S3Key.Rules: more than one 'prefix'",
        ),
        (
            {"TopicConfigurations": [{"Event": "s3:ObjectCreated:*", "Topic": TOPIC_ARN}] * 2},
            "NotificationConfiguration.TopicConfigurations[1]: repeats",
        ),
        (
            {
                "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": QUEUE_ARN, "Id": "x"}],
                "TopicConfigurations": [{"Event": "s3:ObjectCreated:*", "Topic": TOPIC_ARN, "Id": "x"}],
            },
            "NotificationConfiguration.TopicConfigurations[0].Id: 'x' is also the Id of",
        ),
        ({"LambdaConfigurations": [{"Event": "s3:ObjectCreated:*"}]}, "LambdaConfigurations[0].Function"),
    ],
)
def test_template_problems_name_the_property(block: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.desired_entries(block, OWNER)
    assert needle in str(caught.value)


def test_id_used_by_someone_else_is_a_conflict_not_an_overwrite() -> None:
    foreign = {
        "QueueConfigurations": [
            {
                "Id": "shared",
                "QueueArn": "arn:aws:sqs:us-east-1:123456789012:theirs",
                "Events": ["s3:ObjectCreated:*"],
            }
        ]
    }
    ours = config.desired_entries(
        {"QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": QUEUE_ARN, "Id": "shared"}]}, OWNER
    )
    with pytest.raises(OwnershipConflictError, match="'shared'"):
        config.merge(foreign, owner=OWNER, add=ours)


def test_identical_entry_with_given_id_is_adopted_not_duplicated() -> None:
    block = {"QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": QUEUE_ARN, "Id": "keep-me"}]}
    ours = config.desired_entries(block, OWNER)
    existing = {
        "QueueConfigurations": [{"Id": "keep-me", "QueueArn": QUEUE_ARN, "Events": ["s3:ObjectCreated:*"]}]
    }
    plan = config.merge(existing, owner=OWNER, add=ours)
    assert not plan.changed
    assert plan.added == []


def test_lookalike_prefix_is_not_ownership() -> None:
    """An entry whose Id merely starts like ours (or is another stack's) is never removed."""
    entry = {"QueueArn": QUEUE_ARN, "Events": ["s3:ObjectCreated:*"]}
    theirs = dict(entry, Id=OTHER_OWNER.derived_id(QUEUE, entry))
    lookalike = dict(entry, Id=OWNER.derived_id(QUEUE, entry)[:-1] + "0", Events=["s3:ObjectCreated:*"])
    mine = dict(entry, Id=OWNER.derived_id(QUEUE, entry))
    doc = {"QueueConfigurations": [theirs, mine]}
    plan = config.merge(doc, owner=OWNER)
    assert plan.removed == [mine["Id"]]
    assert plan.document == {"QueueConfigurations": [theirs]}
    if lookalike["Id"] != mine["Id"]:
        assert not config.merge({"QueueConfigurations": [lookalike]}, owner=OWNER).changed


def test_eventbridge_is_kept_enabled_or_disabled_only_as_asked() -> None:
    on: dict[str, Any] = {"EventBridgeConfiguration": {}}
    assert config.merge(on, owner=OWNER).document == on
    assert config.merge({}, owner=OWNER).document == {}
    assert config.merge({}, owner=OWNER, eventbridge="enable").document == on
    assert config.merge(on, owner=OWNER, eventbridge="disable").document == {}
    assert config.wants_eventbridge({"EventBridgeConfiguration": {"EventBridgeEnabled": True}})
    assert not config.wants_eventbridge({"EventBridgeConfiguration": {"EventBridgeEnabled": False}})
    assert not config.wants_eventbridge({})
    assert not config.wants_eventbridge("garbage")


def test_capitalised_rules_from_s3_are_written_back_lowercase() -> None:
    got = {
        "TopicConfigurations": [
            {
                "Id": "t",
                "TopicArn": TOPIC_ARN,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {
                    "Key": {
                        "FilterRules": [
                            {"Name": "Suffix", "Value": ".png"},
                            {"Name": "Prefix", "Value": "img/"},
                        ]
                    }
                },
            }
        ],
        "ResponseMetadata": {"RequestId": "x"},
    }
    doc = config.normalise_document(got)
    assert doc == {
        "TopicConfigurations": [
            {
                "Id": "t",
                "TopicArn": TOPIC_ARN,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {
                    "Key": {
                        "FilterRules": [
                            {"Name": "prefix", "Value": "img/"},
                            {"Name": "suffix", "Value": ".png"},
                        ]
                    }
                },
            }
        ]
    }


def test_lenient_ids_skip_broken_entries() -> None:
    good = {"Event": "s3:ObjectCreated:*", "Queue": QUEUE_ARN}
    ids = config.lenient_ids(
        {"QueueConfigurations": ["junk", {"Event": 3}, good], "TopicConfigurations": "x"}, OWNER
    )
    assert ids == {config.desired_entries({"QueueConfigurations": [good]}, OWNER)[0].id}
    assert config.lenient_ids(None, OWNER) == set()
    assert config.lenient_ids(["not", "a", "mapping"], OWNER) == set()


def test_physical_id_round_trip_and_foreign_ids() -> None:
    pid = PhysicalId("my-bucket", "0123456789abcdef", owns_eventbridge=True)
    assert str(pid) == "my-bucket/0123456789abcdef/eventbridge"
    assert PhysicalId.parse(str(pid)) == pid
    assert PhysicalId.parse("my-bucket/0123456789abcdef") == PhysicalId("my-bucket", "0123456789abcdef")
    for foreign in ("", None, "bucket", "a/b/c", "/x", "a/b/eventbridge/d"):
        assert PhysicalId.parse(foreign) is None


def test_attributes_stay_small() -> None:
    entries = config.desired_entries(
        {"QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": QUEUE_ARN}]}, OWNER
    )
    assert config.attributes("b/h", entries) == {"Id": "b/h", "ConfigurationIds": entries[0].id}
    many = [
        config.Entry(
            QUEUE, {"Id": "i" * 200 + str(n), "QueueArn": QUEUE_ARN, "Events": ["s3:ObjectCreated:*"]}
        )
        for n in range(20)
    ]
    with pytest.raises(ConfigError, match="NotificationConfiguration: the configuration ids take"):
        config.attributes("b/h", many)


def test_unsafe_write_guard_refuses_to_lose_foreign_entries() -> None:
    before = {"QueueConfigurations": [{"Id": "a", "QueueArn": QUEUE_ARN, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(config.UnsafeWriteError, match="'a' would be lost"):
        config._check_preserved(before, {}, set(), "keep")
    with pytest.raises(config.UnsafeWriteError, match="EventBridge"):
        config._check_preserved({"EventBridgeConfiguration": {}}, {}, set(), "keep")


# -- ambiguous merges: refused before the PUT, naming ours and theirs ----------------------------


def _theirs(events: list[str], prefix: str = "", suffix: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Id": "their-queue",
        "QueueArn": ARN_OF[QUEUE].format("theirs"),
        "Events": events,
    }
    rules = [{"Name": n, "Value": v} for n, v in (("Prefix", prefix), ("Suffix", suffix)) if v]
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    return {"QueueConfigurations": [entry]}


def _ours(event: str, prefix: str = "", suffix: str = "") -> list[config.Entry]:
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    item: dict[str, Any] = {"Event": event, "Function": FUNCTION_ARN}
    if rules:
        item["Filter"] = {"S3Key": {"Rules": rules}}
    return config.desired_entries({"LambdaConfigurations": [item]}, OWNER)


#: (their events, prefix, suffix), (our event, prefix, suffix), refused?
MERGES = [
    ((["s3:ObjectCreated:Put"], "in/", ""), ("s3:ObjectCreated:*", "in/2024/", ""), True),
    ((["s3:ObjectCreated:*"], "", ""), ("s3:ObjectCreated:Copy", "", ".csv"), True),
    ((["s3:ObjectCreated:Put"], "", "jpg"), ("s3:ObjectCreated:Put", "", ".jpg"), True),
    ((["s3:ObjectCreated:Put"], "images/", ""), ("s3:ObjectCreated:Put", "", ".jpg"), True),
    ((["s3:ObjectRemoved:*", "s3:ObjectCreated:Post"], "", ""), ("s3:ObjectCreated:*", "x/", ".y"), True),
    ((["s3:ObjectCreated:Put"], "images/", ".png"), ("s3:ObjectCreated:Put", "images/", ".jpg"), False),
    ((["s3:ObjectCreated:Put"], "images/", ""), ("s3:ObjectCreated:Put", "logs/", ""), False),
    ((["s3:ObjectCreated:Put"], "", ""), ("s3:ObjectCreated:Post", "", ""), False),
    ((["s3:ObjectRestore:*"], "", ""), ("s3:ObjectCreated:*", "", ""), False),
]


@pytest.mark.parametrize(("theirs", "ours", "refused"), MERGES)
def test_a_merge_s3_would_find_ambiguous_is_refused_naming_both(
    theirs: tuple[Any, ...], ours: tuple[Any, ...], refused: bool
) -> None:
    foreign = _theirs(*theirs)
    wanted = _ours(*ours)
    assert _any_clash(wanted, foreign) is refused  # the oracle agrees with the table
    if not refused:
        plan = config.merge(foreign, owner=OWNER, add=wanted)
        assert set(_by_id(plan.document)) == {"their-queue", wanted[0].id}
        return
    with pytest.raises(AmbiguousConfigurationError) as caught:
        config.merge(foreign, owner=OWNER, add=wanted)
    message = str(caught.value)
    assert f"NotificationConfiguration.LambdaConfigurations[0] (Id {wanted[0].id})" in message
    assert "someone else's notification 'their-queue'" in message
    assert "Configuration is ambiguously defined" in message


def test_our_own_overlapping_entries_are_a_template_error_naming_both_paths() -> None:
    block = {
        "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": QUEUE_ARN}],
        "TopicConfigurations": [
            {
                "Event": "s3:ObjectCreated:Put",
                "Topic": TOPIC_ARN,
                "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".csv"}]}},
            }
        ],
    }
    with pytest.raises(ConfigError) as caught:
        config.desired_entries(block, OWNER)
    message = str(caught.value)
    assert message.startswith("NotificationConfiguration.QueueConfigurations[0]") or message.startswith(
        "NotificationConfiguration.TopicConfigurations[0]"
    )
    assert "QueueConfigurations[0]" in message
    assert "TopicConfigurations[0]" in message


def test_an_update_never_collides_with_our_own_previous_entries() -> None:
    """Our old entry is removed in the same write, so replacing it by an overlapping one is fine."""
    old = _ours("s3:ObjectCreated:*", "in/")
    created = config.merge({}, owner=OWNER, add=old).document
    new = _ours("s3:ObjectCreated:Put", "in/")
    plan = config.merge(created, owner=OWNER, remove_ids={e.id for e in old}, add=new)
    assert set(_by_id(plan.document)) == {new[0].id}


@settings(max_examples=200, deadline=None)
@given(
    theirs=st.tuples(
        st.lists(EVENTS, min_size=1, max_size=2, unique=True),
        st.text("ab/", max_size=3),
        st.text("ab.", max_size=3),
    ),
    ours=st.tuples(EVENTS, st.text("ab/", max_size=3), st.text("ab.", max_size=3)),
)
def test_refusal_matches_the_witness_oracle(theirs: tuple[Any, ...], ours: tuple[Any, ...]) -> None:
    foreign, wanted = _theirs(*theirs), _ours(*ours)
    if _any_clash(wanted, foreign):
        _assert_refused_naming_both(foreign, wanted)
    else:
        assert wanted[0].id in _by_id(config.merge(foreign, owner=OWNER, add=wanted).document)
