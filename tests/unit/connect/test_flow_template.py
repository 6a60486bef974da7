"""The pure rewrite of ``gapfill flows template``: exports in every shape, names from each of
the Metadata shapes real exports use, and what cannot be named reported with its reason.
Fixtures are written here, modelled on real exports (the suite never reads ../shared)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gapfill import flowtemplate as ft

INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-4333-8444-555555555555"
QUEUE = INSTANCE + "/queue/aaaaaaaa-0000-4000-8000-000000000001"
OTHER_QUEUE = INSTANCE + "/queue/aaaaaaaa-0000-4000-8000-000000000002"
FLOW = INSTANCE + "/contact-flow/bbbbbbbb-0000-4000-8000-000000000001"
PROMPT = INSTANCE + "/prompt/cccccccc-0000-4000-8000-000000000001"
HOURS = INSTANCE + "/operating-hours/dddddddd-0000-4000-8000-000000000001"
MODULE_ID = "eeeeeeee-0000-4000-8000-000000000001"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:crm-lookup"
LEX = "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST"


def action(identifier: str, kind: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"Identifier": identifier, "Type": kind, "Parameters": parameters, "Transitions": {}}


def export() -> dict[str, Any]:
    actions = [
        action("q", "UpdateContactTargetQueue", {"QueueId": QUEUE}),
        action("h", "CheckHoursOfOperation", {"HoursOfOperationId": HOURS}),
        action("p", "MessageParticipant", {"PromptId": PROMPT}),
        action("loop", "MessageParticipantIteratively", {"Messages": [{"Text": "hi"}, {"PromptId": PROMPT}]}),
        action("hook", "UpdateContactEventHooks", {"EventHooks": {"CustomerQueue": FLOW}}),
        action("m", "InvokeFlowModule", {"FlowModuleId": MODULE_ID}),
        action("l", "InvokeLambdaFunction", {"LambdaFunctionARN": LAMBDA}),
        action("lex", "ConnectParticipantWithLexBot", {"Text": "Hi", "LexV2Bot": {"AliasArn": LEX}}),
        action("attrs", "UpdateContactAttributes", {"Attributes": {"escalation": QUEUE}}),
        action("dyn", "TransferToFlow", {"ContactFlowId": "$.Attributes.next"}),
        action("end", "DisconnectParticipant", {}),
    ]
    metadata = {
        # newest console: parameters mirroring Parameters, with displayName
        "q": {"parameters": {"QueueId": {"displayName": "Support"}}, "queue": {"text": "Support"}},
        # {id, text} beside the ARN
        "h": {"Hours": {"id": HOURS, "text": "Support Hours"}},
        # one name per action under the kind's key
        "p": {"promptName": "Beep.wav"},
        "loop": {"audio": [{"type": "Prompt", "prompt": {"id": PROMPT, "text": "Beep.wav"}}]},
        # another tool rendered the id; the text is still the name
        "hook": {"contactFlow": {"id": '${var.flows["music"]}', "text": "Queue music"}},
        "m": {"contactFlowModuleName": "Lookup module"},
        "lex": {"lexV2BotName": "MenuBot"},
    }
    return {
        "Version": "2019-10-30",
        "StartAction": "q",
        "Metadata": {"entryPointPosition": {"x": 0, "y": 0}, "ActionMetadata": metadata},
        "Actions": actions,
    }


def params(content: dict[str, Any]) -> dict[str, Any]:
    return {a["Identifier"]: a["Parameters"] for a in content["Actions"]}


def test_every_metadata_shape_names_its_reference() -> None:
    result = ft.template(export())
    got = params(result.content)
    assert got["q"]["QueueId"] == "${Queue:Support}"
    assert got["h"]["HoursOfOperationId"] == "${Hours:Support Hours}"
    assert got["p"]["PromptId"] == "${Prompt:Beep.wav}"
    assert got["loop"]["Messages"][1]["PromptId"] == "${Prompt:Beep.wav}"
    assert got["hook"]["EventHooks"]["CustomerQueue"] == "${Flow:Queue music}"
    assert got["m"]["FlowModuleId"] == "${Module:Lookup module}"
    assert got["l"]["LambdaFunctionARN"] == "${Lambda:crm-lookup}"
    assert got["lex"]["LexV2Bot"]["AliasArn"] == "${LexBot:MenuBot}"
    # the same ARN copied into a contact attribute takes the name the flow gives it elsewhere
    assert got["attrs"]["Attributes"]["escalation"] == "${Queue:Support}"
    assert got["dyn"]["ContactFlowId"] == "$.Attributes.next", "JSONPath values are left alone"
    assert result.unnamed == []
    assert len(result.rewritten) == 9


def test_metadata_is_kept_as_exported_and_the_input_is_not_changed() -> None:
    original = export()
    snapshot = json.dumps(original, sort_keys=True)
    result = ft.template(original)
    assert json.dumps(original, sort_keys=True) == snapshot
    assert result.content["Metadata"] == original["Metadata"]


def test_live_names_win_over_metadata_and_unnamed_values_are_reported() -> None:
    document = export()
    del document["Metadata"]["ActionMetadata"]["q"]
    document["Actions"].append(action("other", "UpdateContactTargetQueue", {"QueueId": OTHER_QUEUE}))
    result = ft.template(document, {HOURS: "Live Hours"})
    got = params(result.content)
    assert got["h"]["HoursOfOperationId"] == "${Hours:Live Hours}"
    left = {(u.action, u.value): u.reason for u in result.unnamed}
    assert left[("other", OTHER_QUEUE)].startswith("no name for it in the export's Metadata")
    assert ("q", QUEUE) in left
    assert ("attrs", QUEUE) in left


def test_a_value_named_in_several_ways_is_left_and_says_so() -> None:
    document = export()
    document["Actions"].append(action("q2", "UpdateContactTargetQueue", {"QueueId": QUEUE}))
    document["Metadata"]["ActionMetadata"]["q2"] = {"parameters": {"QueueId": {"displayName": "Sales"}}}
    result = ft.template(document)
    got = params(result.content)
    assert got["q2"]["QueueId"] == "${Queue:Sales}"
    (attrs,) = [u for u in result.unnamed if u.action == "attrs"]
    assert attrs.reason == "Metadata names it in 2 ways: 'Sales', 'Support'"
    assert ft.named_left(document, result) == [], "ambiguous, so not a failure of the corpus check"


def test_unrendered_templates_views_and_fill_in_text_are_not_rewritten() -> None:
    document = export()
    document["Actions"] += [
        action("tpl", "TransferToFlow", {"ContactFlowId": "{{contactFlows.Error.arn}}"}),
        action(
            "sub",
            "UpdateContactTargetQueue",
            {"QueueId": "arn:aws:connect:${AWS::Region}:x:instance/y/queue/z"},
        ),
        action("view", "ShowView", {"ViewResource": {"Id": "arn:aws:connect:us-east-1:aws:view/form:1"}}),
        action("fill", "UpdateContactTargetQueue", {"AgentId": "SELECT AN AGENT"}),
    ]
    document["Metadata"]["ActionMetadata"]["tpl"] = {"ContactFlow": {"id": "x", "text": "Error"}}
    reasons = {u.action: u.reason for u in ft.template(document).unnamed}
    assert reasons["tpl"].startswith("unrendered template text")
    assert reasons["sub"].startswith("unrendered template text")
    assert reasons["view"].startswith("an AWS-managed view")
    assert reasons["fill"].startswith("not an ARN or id")


def test_the_corpus_check_fails_on_an_arn_metadata_names_but_the_rewrite_left() -> None:
    document = export()
    result = ft.template(document)
    # a rewrite that missed one: the independent check must see it
    result.rewritten = [r for r in result.rewritten if r.action != "h"]
    result.unnamed.append(ft.Unnamed("h", "Parameters.HoursOfOperationId", HOURS, "missed"))
    assert [u.action for u in ft.named_left(document, result)] == ["h"]


@pytest.mark.parametrize(
    "wrap",
    [
        lambda c: c,
        lambda c: {"ContactFlow": {"Name": "Main", "Type": "CONTACT_FLOW", "Content": json.dumps(c)}},
        lambda c: {"Name": "Main", "Type": "CONTACT_FLOW", "Description": "d", "Content": json.dumps(c)},
    ],
    ids=["content", "describe", "name-type-content"],
)
def test_every_export_shape_parses(wrap: Any) -> None:
    parsed = ft.parse_export(json.dumps(wrap(export())), "f.json")
    assert parsed.content["StartAction"] == "q"
    if parsed.shape != "content":
        assert (parsed.name, parsed.flow_type) == ("Main", "CONTACT_FLOW")


def test_legacy_console_format_is_refused_with_a_hint() -> None:
    legacy = {
        "modules": [{"id": "x", "type": "PlayPrompt"}],
        "version": "1",
        "type": "contactFlow",
        "start": "x",
    }
    with pytest.raises(ft.ExportError) as caught:
        ft.parse_export(json.dumps(legacy), "old.json")
    message = str(caught.value)
    assert "legacy console export format" in message
    assert "export it again" in message
    assert "Missing required field" not in message
    with pytest.raises(ft.ExportError, match="holds no flow"):
        ft.parse_export(json.dumps({"Name": "x"}), "x.json")


def test_lex_names_name_a_bot_alone_only_when_one_alias_fits() -> None:
    from providers.connect import lex_bots

    a1, a2, b1 = "arn:a/1", "arn:a/2", "arn:b/1"
    names = lex_bots.names([("A", "live", a1), ("A", "test", a2), ("B", "live", b1)], associated=[a2])
    assert names == {"A/live": a1, "A/test": a2, "B/live": b1, "A": a2, "B": b1}
    assert "A" not in lex_bots.names([("A", "live", a1), ("A", "test", a2)], associated=[])
