"""Custom::S3BucketNotification against moto server over HTTP, driven by the local
CloudFormation runner: other people's notifications survive, EventBridge is never switched
off by us, destinations S3 cannot validate yet are retried, and someone else's broken
destination never blocks our Delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapfill.emulator import s3_notifications
from gapfill.local.protocol import Answer, LocalCloudFormation
from providers.core import ids
from providers.s3_bucket_notification import config
from tests.integration import s3_destinations as dest

TYPE = "Custom::S3BucketNotification"
Client = Callable[[str], Any]


@pytest.fixture(autouse=True)
def s3_fidelity(emulator: Any) -> Iterator[None]:
    """S3's own answers in the emulator (EventBridge, capitalised rules, validation)."""
    s3_notifications.install()
    s3_notifications.clear()
    yield
    s3_notifications.clear()


def _ok(answer: Answer) -> Answer:
    assert len(answer.puts) == 1, f"expected one response, got {len(answer.puts)}"
    assert answer.status == "SUCCESS", answer.reason
    return answer


def _failed(answer: Answer) -> Answer:
    assert len(answer.puts) == 1, f"expected one response, got {len(answer.puts)}"
    assert answer.status == "FAILED", "expected FAILED"
    return answer


def _semantic(document: dict[str, Any]) -> dict[str, Any]:
    """What a document means: entries by Id (kind + content) and the EventBridge switch."""
    doc = config.normalise_document(document)
    return {
        "entries": {
            e.id: (e.kind.api_key, config.content_key(e.kind, e.body)) for e in config.entries_of(doc)
        },
        "eventbridge": config.eventbridge_on(doc),
    }


def _assert_others_intact(aws: Client, bucket: str, others: dict[str, Any]) -> None:
    now = _semantic(dest.read(aws, bucket))
    theirs = _semantic(others)
    for ident, meaning in theirs["entries"].items():
        assert now["entries"].get(ident) == meaning, (
            f"someone else's notification {ident} changed or vanished"
        )
    if theirs["eventbridge"]:
        assert now["eventbridge"], "someone else's EventBridge setting was switched off"


def _ours(aws: Client, unique: Callable[[str], str]) -> dict[str, Any]:
    return {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": dest.queue(aws, unique("our-q")),
                "Filter": {
                    "S3Key": {
                        "Rules": [
                            {"Name": "prefix", "Value": "uploads/"},
                            {"Name": "suffix", "Value": ".json"},
                        ]
                    }
                },
            }
        ],
        "TopicConfigurations": [
            {
                "Event": "s3:ObjectRemoved:Delete",
                "Topic": dest.topic(aws, unique("our-t")),
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
            }
        ],
        "LambdaConfigurations": [
            {
                "Event": "s3:ObjectCreated:Put",
                "Function": dest.function(aws, unique("our-fn")),
                "Filter": {"S3Key": {"Rules": [{"Name": "Suffix", "Value": ".png"}]}},
            }
        ],
    }


def _bucket_with_others(aws: Client, unique: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
    bucket = dest.bucket(aws, unique("shared"))
    others = dest.others_configuration(aws, unique)
    aws("s3").put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=others)
    return bucket, others


def test_others_notifications_survive_create_update_delete(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    bucket, others = _bucket_with_others(aws, unique)
    props = {"BucketName": bucket, "NotificationConfiguration": _ours(aws, unique)}

    created = _ok(cfn.create(TYPE, props))
    our_ids = created.data["ConfigurationIds"].split(",")
    assert len(our_ids) == 3
    assert created.physical_id == created.data["Id"]
    assert created.physical_id.startswith(f"{bucket}/")
    assert not created.physical_id.endswith("/eventbridge")
    _assert_others_intact(aws, bucket, others)
    present = _semantic(dest.read(aws, bucket))["entries"]
    assert set(our_ids) <= set(present)
    assert len(present) == 6

    new_block = _ours(aws, unique)
    new_block["QueueConfigurations"][0]["Event"] = "s3:ObjectCreated:Copy"
    new_props = {"BucketName": bucket, "NotificationConfiguration": new_block}
    updated = _ok(cfn.update(TYPE, created.physical_id, new_props, props))
    assert updated.physical_id == created.physical_id
    new_ids = updated.data["ConfigurationIds"].split(",")
    present = _semantic(dest.read(aws, bucket))["entries"]
    assert set(new_ids) <= set(present)
    assert not (set(our_ids) - set(new_ids)) & set(present), "old notifications of ours survived the update"
    assert len(present) == 6
    _assert_others_intact(aws, bucket, others)

    _ok(cfn.delete(TYPE, created.physical_id, new_props))
    assert _semantic(dest.read(aws, bucket)) == _semantic(others), (
        "delete must leave exactly the others' document"
    )


def test_eventbridge_switched_on_by_us_stays_on_after_delete(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    """Once on, anyone may rely on EventBridge delivery and nobody can tell who does: our
    Delete removes our entries only and leaves the switch on (as the AWS CDK does)."""
    bucket = dest.bucket(aws, unique("eb-off"))
    theirs = {
        "QueueConfigurations": [
            {"Id": "theirs", "QueueArn": dest.queue(aws, unique("q")), "Events": ["s3:ObjectCreated:*"]}
        ]
    }
    aws("s3").put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=theirs)
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
    }
    created = _ok(cfn.create(TYPE, props))
    assert not created.physical_id.endswith("/eventbridge")
    assert created.data["ConfigurationIds"] == ""
    assert _semantic(dest.read(aws, bucket))["eventbridge"]
    _ok(cfn.delete(TYPE, created.physical_id, props))
    assert _semantic(dest.read(aws, bucket)) == {**_semantic(theirs), "eventbridge": True}


def test_eventbridge_found_on_stays_on(cfn: LocalCloudFormation, aws: Client, unique: Any) -> None:
    bucket, others = _bucket_with_others(aws, unique)
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "EventBridgeConfiguration": {"EventBridgeEnabled": True},
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": dest.queue(aws, unique("q")),
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
                }
            ],
        },
    }
    created = _ok(cfn.create(TYPE, props))
    assert not created.physical_id.endswith("/eventbridge")
    _ok(cfn.delete(TYPE, created.physical_id, props))
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)


def test_eventbridge_is_never_switched_off_by_an_update_or_a_delete(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    queue = dest.queue(aws, unique("q"))
    ours = {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}}
    plain = {"QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": queue, "Filter": ours}]}
    with_eb = {**plain, "EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    bucket = dest.bucket(aws, unique("eb-upd"))
    owned = {"BucketName": bucket, "NotificationConfiguration": with_eb}
    created = _ok(cfn.create(TYPE, owned))
    dropped = {"BucketName": bucket, "NotificationConfiguration": plain}
    _ok(cfn.update(TYPE, created.physical_id, dropped, owned))
    assert _semantic(dest.read(aws, bucket))["eventbridge"], "an update switched EventBridge off"
    _ok(cfn.delete(TYPE, created.physical_id, dropped))
    assert dest.read(aws, bucket) == {"EventBridgeConfiguration": {}}


def test_an_old_physical_id_that_recorded_eventbridge_still_deletes_from_the_id_alone(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    """Physical ids issued when Delete still switched EventBridge off end in /eventbridge:
    such a Delete, even with stale properties, removes ours and leaves EventBridge on."""
    bucket, others = _bucket_with_others(aws, unique)
    props = {"BucketName": bucket, "NotificationConfiguration": _ours(aws, unique)}
    created = _ok(cfn.create(TYPE, props, logical_id="Legacy"))
    legacy_id = f"{created.physical_id}/eventbridge"
    assert config.PhysicalId.parse(legacy_id) is not None
    stale = {"BucketName": "elsewhere", "NotificationConfiguration": {"EventBridgeConfiguration": {}}}
    _ok(cfn.delete(TYPE, legacy_id, stale, logical_id="Legacy"))
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)


def test_unvalidated_destination_is_retried_then_succeeds(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    bucket, others = _bucket_with_others(aws, unique)
    queue = dest.queue(aws, unique("slow-policy"))
    s3_notifications.fail_validation(queue, times=2)
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": queue,
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
                }
            ]
        },
    }
    created = _ok(cfn.create(TYPE, props))
    assert s3_notifications.validation_attempts(queue) == 3
    assert created.data["ConfigurationIds"] in _semantic(dest.read(aws, bucket))["entries"]
    _assert_others_intact(aws, bucket, others)


def test_unvalidated_destination_fails_after_bounded_retries_with_s3s_message(
    cfn: LocalCloudFormation, aws: Client, unique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAPFILL_S3_VALIDATION_ATTEMPTS", "4")
    bucket, others = _bucket_with_others(aws, unique)
    queue = dest.queue(aws, unique("no-policy"))
    s3_notifications.fail_validation(queue)
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": queue,
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
                }
            ]
        },
    }
    before = dest.read(aws, bucket)
    failed = _failed(cfn.create(TYPE, props))
    assert "Unable to validate the following destination configurations" in failed.reason
    assert queue in failed.reason
    assert "after 4 attempts" in failed.reason
    assert s3_notifications.validation_attempts(queue) == 4
    assert ids.is_failed_create_id(failed.physical_id), "nothing was written, so Delete must need no AWS call"
    assert dest.read(aws, bucket) == before
    _ok(cfn.delete(TYPE, failed.physical_id, props))
    _assert_others_intact(aws, bucket, others)


def test_skip_destination_validation_only_when_asked(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    bucket = dest.bucket(aws, unique("skip"))
    queue = dest.queue(aws, unique("unvalidatable"))
    s3_notifications.fail_validation(queue)
    props = {
        "BucketName": bucket,
        "SkipDestinationValidation": True,
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": queue,
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
                }
            ]
        },
    }
    created = _ok(cfn.create(TYPE, props))
    assert s3_notifications.validation_attempts(queue) == 0
    _ok(cfn.delete(TYPE, created.physical_id, props))
    assert dest.read(aws, bucket) == {}


def test_delete_when_the_bucket_is_gone_succeeds(cfn: LocalCloudFormation, aws: Client, unique: Any) -> None:
    bucket = dest.bucket(aws, unique("gone"))
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "TopicConfigurations": [{"Event": "s3:ObjectCreated:*", "Topic": dest.topic(aws, unique("t"))}]
        },
    }
    created = _ok(cfn.create(TYPE, props))
    aws("s3").delete_bucket(Bucket=bucket)
    _ok(cfn.delete(TYPE, created.physical_id, props))


def test_create_on_a_missing_bucket_fails_with_s3s_error(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    props = {
        "BucketName": unique("nowhere"),
        "NotificationConfiguration": {
            "TopicConfigurations": [{"Event": "s3:ObjectCreated:*", "Topic": dest.topic(aws, unique("t"))}]
        },
    }
    failed = _failed(cfn.create(TYPE, props))
    assert "NoSuchBucket" in failed.reason


def test_delete_with_stale_properties_still_removes_ours_only(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    bucket, others = _bucket_with_others(aws, unique)
    props = {"BucketName": bucket, "NotificationConfiguration": _ours(aws, unique)}
    created = _ok(cfn.create(TYPE, props))
    stale = {
        "BucketName": "some-other-bucket",
        "NotificationConfiguration": {"QueueConfigurations": "garbage"},
    }
    _ok(cfn.delete(TYPE, created.physical_id, stale))
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)


def test_an_id_owned_by_someone_else_is_never_taken_over(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    bucket, others = _bucket_with_others(aws, unique)
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": dest.queue(aws, unique("q")),
                    "Id": "their-queue",
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
                }
            ]
        },
    }
    failed = _failed(cfn.create(TYPE, props))
    assert "'their-queue'" in failed.reason
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)


def test_ids_given_in_the_template_are_used_and_owned(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    bucket, others = _bucket_with_others(aws, unique)
    block = {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": dest.queue(aws, unique("q")),
                "Id": "orders-intake",
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
            }
        ]
    }
    props = {"BucketName": bucket, "NotificationConfiguration": block}
    created = _ok(cfn.create(TYPE, props))
    assert created.data["ConfigurationIds"] == "orders-intake"
    assert "orders-intake" in _semantic(dest.read(aws, bucket))["entries"]
    _ok(cfn.delete(TYPE, created.physical_id, props))
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        (
            {
                "QueueConfigurations": [
                    {
                        "Event": "s3:ObjectCreated:*",
                        "Queue": "arn:aws:sqs:us-east-1:123456789012:q",
                        "Filter": {
                            "S3Key": {
                                "Rules": [{"Name": "prefix", "Value": "a"}, {"Name": "Prefix", "Value": "b"}]
                            }
                        },
                    }
                ]
            },
            "NotificationConfiguration.QueueConfigurations[0].Filter.S3Key.Rules",
        ),
        (
            {
                "TopicConfigurations": [
                    {"Event": "ObjectCreated", "Topic": "arn:aws:sns:us-east-1:123456789012:t"}
                ]
            },
            "NotificationConfiguration.TopicConfigurations[0].Event",
        ),
        (
            {"LambdaConfigurations": [{"Event": "s3:ObjectCreated:*", "Function": "not-an-arn"}]},
            "NotificationConfiguration.LambdaConfigurations[0].Function",
        ),
    ],
)
def test_bad_input_fails_naming_the_property(
    cfn: LocalCloudFormation, aws: Client, unique: Any, block: dict[str, Any], needle: str
) -> None:
    bucket = dest.bucket(aws, unique("bad"))
    failed = _failed(cfn.create(TYPE, {"BucketName": bucket, "NotificationConfiguration": block}))
    assert needle in failed.reason
    assert dest.read(aws, bucket) == {}


# -- property-based, against moto server -----------------------------------------------------------

RULE_VALUES = st.text(alphabet="abcdef/._-0123", min_size=1, max_size=8)
EVENTS = st.lists(
    st.sampled_from(["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectRestore:Post"]),
    min_size=1,
    max_size=2,
    unique=True,
)


@pytest.fixture(scope="module")
def pool(emulator: Any) -> dict[str, list[str]]:
    """Real destinations that let S3 deliver (S3 validates every one on every PUT), by kind."""
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=emulator.endpoint)

    tag = uuid.uuid4().hex[:8]
    return {
        "LambdaFunctionConfigurations": [dest.function(client, f"prop-fn{i}-{tag}") for i in range(6)],
        "QueueConfigurations": [dest.queue(client, f"prop-q{i}-{tag}") for i in range(7)],
        "TopicConfigurations": [dest.topic(client, f"prop-t{i}-{tag}") for i in range(7)],
    }


@st.composite
def foreign_documents(draw: Any, pool: dict[str, list[str]]) -> dict[str, Any]:
    """Someone else's valid document: each entry under its own ``x<n>/`` prefix, so that no two
    overlap (S3 refuses overlapping rules) and none overlaps ours under ``ours/``."""
    doc: dict[str, Any] = {}
    serial = 0
    for kind in config.KINDS:
        entries = []
        for _ in range(draw(st.integers(0, 2))):
            serial += 1
            entry: dict[str, Any] = {
                "Id": draw(st.sampled_from(["other", "gapfill-", "x"])) + str(serial),
                kind.api_arn: pool[kind.api_key][serial - 1],
                "Events": draw(EVENTS),
            }
            rules = [{"Name": "prefix", "Value": f"x{serial}/{draw(RULE_VALUES)}"}]
            if draw(st.booleans()):
                rules.append({"Name": "suffix", "Value": draw(RULE_VALUES)})
            entry["Filter"] = {"Key": {"FilterRules": rules}}
            entries.append(entry)
        if entries:
            doc[kind.api_key] = entries
    if draw(st.booleans()):
        doc["EventBridgeConfiguration"] = {}
    return doc


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    first_event=st.sampled_from(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]),
    prefix=RULE_VALUES,
    eventbridge=st.booleans(),
)
def test_random_foreign_configurations_survive_on_moto(
    cfn: LocalCloudFormation,
    aws: Client,
    pool: dict[str, list[str]],
    data: Any,
    first_event: str,
    prefix: str,
    eventbridge: bool,
) -> None:
    foreign = data.draw(foreign_documents(pool))
    bucket = dest.bucket(aws, f"prop-{uuid.uuid4().hex[:12]}")
    if foreign:
        aws("s3").put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=foreign)
    queue = pool["QueueConfigurations"][-1]
    ours = {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}}
    block: dict[str, Any] = {"QueueConfigurations": [{"Event": first_event, "Queue": queue, "Filter": ours}]}
    if eventbridge:
        block["EventBridgeConfiguration"] = {"EventBridgeEnabled": True}
    props = {"BucketName": bucket, "NotificationConfiguration": block}
    logical = f"Prop{uuid.uuid4().hex[:8]}"
    created = _ok(cfn.create(TYPE, props, logical_id=logical))
    _assert_others_intact(aws, bucket, foreign)
    changed = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            **block,
            "TopicConfigurations": [
                {
                    "Event": "s3:ObjectCreated:Put",
                    "Topic": pool["TopicConfigurations"][-1],
                    "Filter": {"S3Key": {"Rules": [{"Name": "Prefix", "Value": f"ours/{prefix}"}]}},
                }
            ],
        },
    }
    if first_event == "s3:ObjectCreated:*":  # ours/... under ours/ for the same events: refused
        changed["NotificationConfiguration"]["TopicConfigurations"][0]["Event"] = "s3:ObjectRestore:Post"
    updated = _ok(cfn.update(TYPE, created.physical_id, changed, props, logical_id=logical))
    assert len(updated.data["ConfigurationIds"].split(",")) == 2
    _assert_others_intact(aws, bucket, foreign)
    _ok(cfn.delete(TYPE, created.physical_id, changed, logical_id=logical))
    left = _semantic(foreign)
    left["eventbridge"] = left["eventbridge"] or eventbridge  # never switched off by us
    assert _semantic(dest.read(aws, bucket)) == left


def test_validation_retries_continue_in_a_re_invocation(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    """A short Lambda timeout hands the retries over to a new invocation, which finishes."""
    bucket, others = _bucket_with_others(aws, unique)
    queue = dest.queue(aws, unique("slower-policy"))
    s3_notifications.fail_validation(queue, times=6)
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": queue,
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
                }
            ]
        },
    }
    cfn.function_timeout = 3.0
    created = _ok(cfn.create(TYPE, props))
    assert created.invocations >= 2
    assert s3_notifications.validation_attempts(queue) == 7
    assert created.data["ConfigurationIds"] in _semantic(dest.read(aws, bucket))["entries"]
    _assert_others_intact(aws, bucket, others)


def test_two_resources_on_one_bucket_leave_each_other_alone(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    bucket, others = _bucket_with_others(aws, unique)
    queue = dest.queue(aws, unique("shared-q"))
    # Two logical ids, one queue: ids derive from the owner too, so ownership never mixes.
    block = {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": queue,
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
            }
        ]
    }
    first_props = {"BucketName": bucket, "NotificationConfiguration": block}
    first = _ok(cfn.create(TYPE, first_props, logical_id="First"))
    second_block = {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectRemoved:*",
                "Queue": queue,
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}},
            }
        ]
    }
    second_props = {"BucketName": bucket, "NotificationConfiguration": second_block}
    second = _ok(cfn.create(TYPE, second_props, logical_id="Second"))
    assert first.physical_id != second.physical_id
    _ok(cfn.delete(TYPE, first.physical_id, first_props, logical_id="First"))
    present = _semantic(dest.read(aws, bucket))["entries"]
    assert second.data["ConfigurationIds"] in present
    assert first.data["ConfigurationIds"] not in present
    _assert_others_intact(aws, bucket, others)
    _ok(cfn.delete(TYPE, second.physical_id, second_props, logical_id="Second"))
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)


def test_a_merge_s3_would_refuse_is_refused_before_the_put_naming_both(
    cfn: LocalCloudFormation, aws: Client, unique: Any
) -> None:
    """Their queue takes s3:ObjectCreated:Put under in/ ending .csv; ours would take every
    creation under in/2024/: one upload would match both, which S3 refuses."""
    bucket, _ = _bucket_with_others(aws, unique)
    queue = dest.queue(aws, unique("clash-q"))
    rules = {"S3Key": {"Rules": [{"Name": "prefix", "Value": "in/2024/"}]}}
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": queue, "Filter": rules}]
        },
    }
    before = dest.read(aws, bucket)
    failed = _failed(cfn.create(TYPE, props))
    assert "NotificationConfiguration.QueueConfigurations[0] (Id gapfill-" in failed.reason
    assert "someone else's notification 'their-queue'" in failed.reason
    assert ids.is_failed_create_id(failed.physical_id)
    assert dest.read(aws, bucket) == before


def _break_their_topic(aws: Client, others: dict[str, Any]) -> str:
    """Someone else deletes the topic their notification names: S3 now fails every validated
    PUT of this bucket's document on it."""
    topic = str(others["TopicConfigurations"][0]["TopicArn"])
    aws("sns").delete_topic(TopicArn=topic)
    return topic


def test_someone_elses_broken_destination_never_blocks_our_delete(
    cfn: LocalCloudFormation, aws: Client, unique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAPFILL_S3_VALIDATION_ATTEMPTS", "3")
    bucket, others = _bucket_with_others(aws, unique)
    props = {"BucketName": bucket, "NotificationConfiguration": _ours(aws, unique)}
    created = _ok(cfn.create(TYPE, props))
    topic = _break_their_topic(aws, others)
    deleted = _ok(cfn.delete(TYPE, created.physical_id, props))
    assert deleted.invocations == 1
    # Theirs written back exactly as S3 held it (their broken entry included); ours gone.
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)
    assert topic in str(dest.read(aws, bucket)["TopicConfigurations"])


def test_someone_elses_broken_destination_still_fails_our_create_as_s3_does(
    cfn: LocalCloudFormation, aws: Client, unique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation is skipped only for a Delete, whose document holds nothing new."""
    monkeypatch.setenv("GAPFILL_S3_VALIDATION_ATTEMPTS", "2")
    bucket, others = _bucket_with_others(aws, unique)
    topic = _break_their_topic(aws, others)
    props = {"BucketName": bucket, "NotificationConfiguration": _ours(aws, unique)}
    failed = _failed(cfn.create(TYPE, props))
    assert "Unable to validate the following destination configurations" in failed.reason
    assert topic in failed.reason
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)


def test_a_create_whose_first_write_landed_never_fails_with_the_made_nothing_marker(
    cfn: LocalCloudFormation, aws: Client, unique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our write lands; another writer's stale copy then removes it and our queue stops passing
    S3's validation, so the settle rewrite is refused to the end. The FAILED answer carries the
    real physical id (our first write was on the bucket), never the made-nothing marker."""
    import threading

    monkeypatch.setenv("GAPFILL_S3_VALIDATION_ATTEMPTS", "2")
    bucket, others = _bucket_with_others(aws, unique)
    queue = dest.queue(aws, unique("late-fail-q"))
    ours = {"S3Key": {"Rules": [{"Name": "prefix", "Value": "ours/"}]}}
    props = {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": queue, "Filter": ours}]
        },
    }
    s3 = aws("s3")

    def stale_writer() -> None:
        for _ in range(2000):
            if queue in str(dest.read(aws, bucket)):
                s3_notifications.fail_validation(queue)
                s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=others)
                return
            threading.Event().wait(0.002)

    thread = threading.Thread(target=stale_writer)
    thread.start()
    failed = _failed(cfn.create(TYPE, props))
    thread.join()
    assert "Unable to validate the following destination configurations" in failed.reason
    assert not ids.is_failed_create_id(failed.physical_id)
    assert failed.physical_id.startswith(f"{bucket}/")
    _ok(cfn.delete(TYPE, failed.physical_id, props))
    assert _semantic(dest.read(aws, bucket)) == _semantic(others)
