"""The AWS-free parts of the instance, contact flow and phone number providers:
placeholder parsing and resolution, content normalisation, problem summaries, attribute
diffing, ARNs and tags."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.connect import arns, flow_content, instance_attributes, placeholders
from providers.connect.placeholders import Placeholder, PlaceholderError

INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555"
QUEUE = INSTANCE + "/queue/q1"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:lookup"


# -- placeholders -------------------------------------------------------------------------


def test_find_collects_distinct_placeholders_in_string_values_only() -> None:
    document = {
        "Actions": [
            {"Parameters": {"QueueId": "${Queue:Support}", "Text": "Hi ${Name}, ${Name}"}},
            {"Parameters": {"ContactFlowId": "${ContactFlow:Disconnect}", "Beep": "${Prompt:Beep.wav}"}},
        ],
        "${Queue:InAKey}": 5,
    }
    assert placeholders.find(document) == [
        Placeholder("", "Name"),
        Placeholder("Flow", "Disconnect"),
        Placeholder("Prompt", "Beep.wav"),
        Placeholder("Queue", "Support"),
    ]


def test_escaped_placeholders_stay_literal() -> None:
    document = {"Text": "$${Queue:Support} and ${Queue:Support}"}
    assert placeholders.find(document) == [Placeholder("Queue", "Support")]
    out = placeholders.substitute(document, {Placeholder("Queue", "Support"): QUEUE})
    assert out == {"Text": "${Queue:Support} and " + QUEUE}


def test_unknown_kind_is_reported_with_the_known_ones() -> None:
    with pytest.raises(PlaceholderError) as excinfo:
        placeholders.find({"a": "${Queu:Support}", "b": "${Robot:Bob}"})
    message = str(excinfo.value)
    assert "${Queu:Support}: unknown placeholder kind 'Queu'" in message
    assert "${Robot:Bob}" in message
    assert "Queue, Flow, Prompt, Hours, Lambda, Module, Agent, LexBot" in message


def test_lowercase_prefix_is_a_plain_substitution_name() -> None:
    assert placeholders.find({"a": "${aws:region}"}) == [Placeholder("", "aws:region")]


def catalog(kind: str) -> dict[str, str]:
    return {
        "Queue": {"BasicQueue": QUEUE, "Support": INSTANCE + "/queue/q2"},
        "Flow": {},
        "Lambda": {LAMBDA: LAMBDA, "arn:aws:lambda:us-east-1:123456789012:function:other:live": "x"},
    }.get(kind, {})


def test_resolve_names_and_lambda_forms() -> None:
    wanted = [
        Placeholder("Queue", "Support"),
        Placeholder("Lambda", "lookup"),
        Placeholder("Lambda", LAMBDA),
        Placeholder("", "Team"),
    ]
    values = placeholders.resolve(wanted, catalog, {"Team": "Tier 1"})
    assert values == {
        wanted[0]: INSTANCE + "/queue/q2",
        wanted[1]: LAMBDA,
        wanted[2]: LAMBDA,
        wanted[3]: "Tier 1",
    }


def test_resolve_reports_every_failure_naming_the_placeholder_and_the_choices() -> None:
    wanted = [
        Placeholder("Queue", "Sales"),
        Placeholder("Flow", "Disconnect"),
        Placeholder("Lambda", "nope"),
        Placeholder("", "Missing"),
    ]
    with pytest.raises(PlaceholderError) as excinfo:
        placeholders.resolve(wanted, catalog, {})
    problems = excinfo.value.problems
    assert (
        problems[0]
        == "${Queue:Sales}: no queue named 'Sales' in the instance (available: BasicQueue, Support)"
    )
    assert (
        problems[1]
        == "${Flow:Disconnect}: no contact flow named 'Disconnect' in the instance (the instance has no contact flows)"
    )
    assert problems[2].startswith(
        "${Lambda:nope}: no Lambda function named 'nope' associated with the instance"
    )
    assert problems[3] == "${Missing}: not in Substitutions"


def test_catalog_is_asked_once_per_kind() -> None:
    asked: list[str] = []

    def counting(kind: str) -> dict[str, str]:
        asked.append(kind)
        return catalog(kind)

    placeholders.resolve([Placeholder("Queue", "Support"), Placeholder("Queue", "BasicQueue")], counting, {})
    assert asked == ["Queue"]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_substituted_values_never_break_json(value: str) -> None:
    document = {"Text": "say ${Greeting}!"}
    out = placeholders.substitute(document, {Placeholder("", "Greeting"): value})
    assert json.loads(flow_content.render(out)) == {"Text": f"say {value}!"}


# -- content ------------------------------------------------------------------------------


def test_normalise_accepts_strings_bytes_and_objects() -> None:
    flow = {"Version": "2019-10-30", "StartAction": "a", "Actions": []}
    assert flow_content.normalise(json.dumps(flow)) == flow
    assert flow_content.normalise(json.dumps(flow).encode()) == flow
    assert flow_content.normalise(flow) == flow


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{nope", "Content: is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (None, "must be a JSON object"),
        (b"\xff", "not UTF-8"),
    ],
)
def test_normalise_names_the_source(content: object, needle: str) -> None:
    with pytest.raises(flow_content.ContentError) as excinfo:
        flow_content.normalise(content, "Content")
    assert needle in str(excinfo.value)


def test_render_is_compact_and_same_content_ignores_formatting() -> None:
    flow = {"b": 1, "a": [1, 2]}
    rendered = flow_content.render(flow)
    assert rendered == '{"b":1,"a":[1,2]}'
    assert flow_content.same_content(json.dumps(flow, indent=4), rendered)
    assert not flow_content.same_content(None, rendered)
    assert not flow_content.same_content('{"b":2,"a":[1,2]}', rendered)


def test_problems_reason_lists_all_when_they_fit() -> None:
    reason = flow_content.problems_reason("CreateContactFlow", [{"message": "one"}, {"message": "two"}])
    assert reason == "CreateContactFlow: 2 problems: 1) one; 2) two"


def test_problems_reason_trims_and_counts_the_rest() -> None:
    problems = [{"message": f"Queue arn:aws:connect:...:queue/{i:04d} does not exist"} for i in range(500)]
    reason = flow_content.problems_reason("CreateContactFlow", problems, budget=600)
    assert len(reason) <= 600
    assert reason.startswith("CreateContactFlow: 500 problems: 1) Queue")
    assert reason.endswith("more")
    shown = reason.count(" does not exist")
    assert f"and {500 - shown} more" in reason


def test_problems_reason_trims_one_huge_problem() -> None:
    reason = flow_content.problems_reason("X", [{"message": "y" * 10_000}], budget=300)
    assert len(reason) <= 300
    assert "1) yyy" in reason


def test_problems_reason_without_details() -> None:
    assert flow_content.problems_reason("X", []) == "X: AWS gave no details"


# -- instance attributes ------------------------------------------------------------------


def test_every_connect_attribute_type_has_a_template_name() -> None:
    import gzip
    from pathlib import Path

    import botocore

    model_path = Path(botocore.__file__).parent / "data" / "connect" / "2017-08-08" / "service-2.json.gz"
    model = json.loads(gzip.decompress(model_path.read_bytes()))
    assert sorted(instance_attributes.ATTRIBUTES.values()) == sorted(
        model["shapes"]["InstanceAttributeType"]["enum"]
    )


def test_desired_maps_names_and_booleans() -> None:
    wanted = instance_attributes.desired({"InboundCalls": True, "ContactLens": "false", "EarlyMedia": False})
    assert wanted == {"INBOUND_CALLS": "true", "CONTACT_LENS": "false", "EARLY_MEDIA": "false"}


def test_changes_only_where_values_differ_and_leave_undeclared_alone() -> None:
    actual = instance_attributes.current(
        [
            {"AttributeType": "CONTACT_LENS", "Value": "TRUE"},
            {"AttributeType": "EARLY_MEDIA", "Value": "false"},
            {"AttributeType": "MESSAGE_STREAMING", "Value": "true"},
        ]
    )
    wanted = {"CONTACT_LENS": "true", "EARLY_MEDIA": "true", "CONTACTFLOW_LOGS": "true"}
    assert instance_attributes.changes(wanted, actual) == {"CONTACTFLOW_LOGS": "true", "EARLY_MEDIA": "true"}


# -- ARNs and tags ------------------------------------------------------------------------


def test_arn_parsing() -> None:
    flow = INSTANCE + "/contact-flow/f1"
    assert arns.instance_id(INSTANCE) == "11111111-2222-3333-4444-555555555555"
    assert arns.instance_id(flow) == "11111111-2222-3333-4444-555555555555"
    assert arns.instance_arn(flow) == INSTANCE
    assert arns.flow_ids(flow) == ("11111111-2222-3333-4444-555555555555", "f1")
    assert arns.flow_ids(QUEUE) is None
    assert arns.phone_number_id("arn:aws:connect:us-east-1:123456789012:phone-number/p-1") == "p-1"
    assert arns.phone_number_id(INSTANCE) is None
    assert arns.instance_id("gapfill-create-failed-abc") is None


def test_ccp_url() -> None:
    assert arns.ccp_url("https://x.my.connect.aws") == "https://x.my.connect.aws/ccp-v2/"
    assert arns.ccp_url("https://x.my.connect.aws/") == "https://x.my.connect.aws/ccp-v2/"
    assert arns.ccp_url(None) == ""


def test_tag_changes_touch_only_declared_keys() -> None:
    old = arns.tag_map([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    new = arns.tag_map([{"Key": "a", "Value": "1"}, {"Key": "c", "Value": "3"}])
    assert arns.tag_changes(old, new) == ({"c": "3"}, ["b"])
    assert arns.tag_map({"x": 1}) == {"x": "1"}
    assert arns.tag_map(None) == {}


def test_skipped_top_level_keys_are_neither_searched_nor_substituted() -> None:
    document = {
        "Actions": [{"Parameters": {"QueueId": "${Queue:Support}"}}],
        "Metadata": {"queue": {"id": '${var.queues["x"]}', "text": "${Queue:Support}"}},
    }
    assert placeholders.find(document, skip=("Metadata",)) == [Placeholder("Queue", "Support")]
    out = placeholders.substitute(document, {Placeholder("Queue", "Support"): QUEUE}, skip=("Metadata",))
    assert out["Actions"][0]["Parameters"]["QueueId"] == QUEUE
    assert out["Metadata"] == document["Metadata"]
    assert list(out) == list(document)


def test_physical_id_readers_refuse_what_is_not_a_well_formed_aws_arn() -> None:
    """The strict readers share parse_arn's splitter; an empty or non-numeric account, a
    foreign partition or an id with other characters is never taken for a physical id."""
    iid = "11111111-2222-3333-4444-555555555555"
    assert arns.instance_id(f"arn:aws-cn:connect:cn-north-1:123456789012:instance/{iid}") == iid
    for bad in (
        f"arn:aws:connect:us-east-1::instance/{iid}",
        f"arn:aws:connect:us-east-1:12345678901x:instance/{iid}",
        f"arn:xyz:connect:us-east-1:123456789012:instance/{iid}",
        "arn:aws:connect:us-east-1:123456789012:instance/a b",
        f"arn:aws:connect:US-EAST-1:123456789012:instance/{iid}",
    ):
        assert arns.instance_id(bad) is None, bad
    assert arns.parse_arn(f"arn:aws:connect:us-east-1::instance/{iid}") is not None  # lenient reader
    assert arns.instance_arn(f"arn:aws:connect:us-east-1:123456789012:instance/{iid}/") == (
        f"arn:aws:connect:us-east-1:123456789012:instance/{iid}"
    )
    assert arns.flow_ids(f"arn:aws:connect:us-east-1:123456789012:instance/{iid}/contact-flow/f1/x") is None
    assert arns.phone_number_id("arn:aws:connect:us-east-1:123456789012:phone-number/p-1/x") is None
