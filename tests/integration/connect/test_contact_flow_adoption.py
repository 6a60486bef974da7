"""``AdoptExisting``: an instance's default flow managed by ``Custom::ConnectContactFlow`` (its
content recorded as a flow version, replaced, restored on Delete, never deleted); and the
``${Module:...}``/``${LexBot:...}`` placeholders failing with the names available."""

from __future__ import annotations

import json
from typing import Any

from tests.contract.suite import assert_one_valid_response
from tests.integration.connect.connect_setup import make_instance

TYPE = "Custom::ConnectContactFlow"
HOLD = "Default agent hold"


def content(text: str) -> dict[str, Any]:
    return {
        "Version": "2019-10-30",
        "StartAction": "loop",
        "Actions": [
            {
                "Identifier": "loop",
                "Type": "MessageParticipantIteratively",
                "Parameters": {"Messages": [{"Text": text}]},
                "Transitions": {},
            }
        ],
    }


def hold_flow(aws: Any, instance_id: str) -> dict[str, Any]:
    connect = aws("connect")
    (summary,) = [
        f
        for f in connect.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
        if f["Name"] == HOLD
    ]
    return dict(
        connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=summary["Id"])["ContactFlow"]
    )


def test_default_flow_is_adopted_set_and_given_back_as_found(cfn: Any, aws: Any, unique: Any) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    found = hold_flow(aws, instance_id)
    props = {
        "InstanceArn": instance_arn,
        "Name": HOLD,
        "Type": "AGENT_HOLD",
        "AdoptExisting": "true",
        "Content": json.dumps(content("Hold on, agent")),
    }
    assert_one_valid_response(cfn.create(TYPE, {**props, "AdoptExisting": "false"}), "FAILED")
    answer = cfn.create(TYPE, props)
    assert_one_valid_response(answer, "SUCCESS")
    assert answer.physical_id == found["Arn"], "the default flow itself, not a new one"
    now = hold_flow(aws, instance_id)
    assert json.loads(now["Content"]) == content("Hold on, agent")

    updated = {**props, "Content": json.dumps(content("Still holding"))}
    assert_one_valid_response(cfn.update(TYPE, answer.physical_id, updated, props), "SUCCESS")
    assert json.loads(hold_flow(aws, instance_id)["Content"]) == content("Still holding")
    renamed = {**updated, "Name": "Not the default"}
    reason = assert_one_valid_response(cfn.update(TYPE, answer.physical_id, renamed, updated), "FAILED")[
        "Reason"
    ]
    assert "an adopted flow keeps its name" in reason

    # Delete works from the physical id alone (stale or missing properties), twice.
    for _ in range(2):
        assert_one_valid_response(cfn.delete(TYPE, answer.physical_id, {}), "SUCCESS")
        back = hold_flow(aws, instance_id)
        assert back["Content"] == found["Content"], "the content found at adoption is restored"
        assert back["Arn"] == found["Arn"], "an adopted flow is never deleted"


def test_adopting_needs_an_existing_flow_of_the_same_type_and_one_owner(
    cfn: Any, aws: Any, unique: Any
) -> None:
    _, instance_arn = make_instance(aws, unique)
    base = {"InstanceArn": instance_arn, "AdoptExisting": "true", "Content": content("x")}
    missing = cfn.create(TYPE, {**base, "Name": "No such flow", "Type": "CONTACT_FLOW"})
    assert (
        "AdoptExisting: no contact flow named 'No such flow'"
        in assert_one_valid_response(missing, "FAILED")["Reason"]
    )
    wrong = cfn.create(TYPE, {**base, "Name": HOLD, "Type": "CUSTOMER_HOLD"})
    assert "is of type AGENT_HOLD, not CUSTOMER_HOLD" in assert_one_valid_response(wrong, "FAILED")["Reason"]
    first = cfn.create(TYPE, {**base, "Name": HOLD, "Type": "AGENT_HOLD"})
    assert_one_valid_response(first, "SUCCESS")
    second = cfn.create(TYPE, {**base, "Name": HOLD, "Type": "AGENT_HOLD"})
    assert "already adopted by another resource" in assert_one_valid_response(second, "FAILED")["Reason"]


def test_module_and_lex_placeholders_resolve_or_name_what_is_available(
    cfn: Any, aws: Any, unique: Any
) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    module = connect.create_contact_flow_module(
        InstanceId=instance_id,
        Name="Lookup",
        Content=json.dumps({"Version": "2019-10-30", "StartAction": "x", "Actions": []}),
    )
    flow = {
        "Version": "2019-10-30",
        "StartAction": "m",
        "Actions": [
            {
                "Identifier": "m",
                "Type": "InvokeFlowModule",
                "Parameters": {"FlowModuleId": "${Module:Lookup}"},
                "Transitions": {"NextAction": "end"},
            },
            {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
        ],
    }
    props = {
        "InstanceArn": instance_arn,
        "Name": unique("mod"),
        "Type": "CONTACT_FLOW",
        "Content": json.dumps(flow),
    }
    answer = cfn.create(TYPE, props)
    assert_one_valid_response(answer, "SUCCESS")
    stored = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=answer.physical_id)[
        "ContactFlow"
    ]
    assert json.loads(stored["Content"])["Actions"][0]["Parameters"]["FlowModuleId"] == module["Arn"]

    flow["Actions"][0]["Parameters"]["FlowModuleId"] = "${Module:Lookp}"
    flow["Actions"].insert(
        1,
        {
            "Identifier": "lex",
            "Type": "ConnectParticipantWithLexBot",
            "Parameters": {"Text": "Hi", "LexV2Bot": {"AliasArn": "${LexBot:NoSuchBot}"}},
            "Transitions": {"NextAction": "end"},
        },
    )
    failed = cfn.create(TYPE, {**props, "Name": unique("bad"), "Content": json.dumps(flow)})
    reason = assert_one_valid_response(failed, "FAILED")["Reason"]
    assert "${Module:Lookp}: no flow module named 'Lookp' in the instance (available: Lookup)" in reason
    assert "${LexBot:NoSuchBot}: no Lex V2 bot alias named 'NoSuchBot'" in reason
