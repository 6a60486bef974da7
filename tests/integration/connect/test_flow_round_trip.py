"""Round trip: flows made in one emulated instance are exported (``gapfill flows export``),
templated (``gapfill flows template --instance``), deployed into a second instance through
``Custom::ConnectContactFlow`` (the local protocol runner), and come out equivalent: the same
structure, every reference pointing at the second instance's resource of the same name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gapfill import flowexport
from gapfill.cli import main
from providers.connect import arns
from tests.contract.suite import assert_one_valid_response
from tests.integration.connect.connect_setup import make_instance

TYPE = "Custom::ConnectContactFlow"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:crm-lookup"


def lex_alias(aws: Any, unique: Any) -> tuple[str, str]:
    """A Lex V2 bot with one alias: ``(bot name, alias ARN)``."""
    lex = aws("lexv2-models")
    name = unique("MenuBot")
    bot = lex.create_bot(
        botName=name,
        roleArn="arn:aws:iam::123456789012:role/lex",
        dataPrivacy={"childDirected": False},
        idleSessionTTLInSeconds=300,
    )["botId"]
    alias = lex.create_bot_alias(botAliasName="live", botId=bot)["botAliasId"]
    return name, f"arn:aws:lex:us-east-1:123456789012:bot-alias/{bot}/{alias}"


def furnish(aws: Any, unique: Any, module_name: str) -> tuple[str, str, dict[str, str]]:
    """An instance holding what the flows use; ``(id, arn, kind -> ARN)``."""
    instance_id, instance_arn = make_instance(aws, unique)
    connect = aws("connect")
    hours = connect.create_hours_of_operation(
        InstanceId=instance_id, Name="Support Hours", TimeZone="UTC", Config=[]
    )["HoursOfOperationArn"]
    queue = connect.create_queue(
        InstanceId=instance_id, Name="Support", HoursOfOperationId=hours.rsplit("/", 1)[1]
    )["QueueArn"]
    module = connect.create_contact_flow_module(
        InstanceId=instance_id,
        Name=module_name,
        Content=json.dumps({"Version": "2019-10-30", "StartAction": "x", "Actions": []}),
    )["Arn"]
    connect.associate_lambda_function(InstanceId=instance_id, FunctionArn=LAMBDA)
    prompt = next(
        p["Arn"]
        for p in connect.list_prompts(InstanceId=instance_id)["PromptSummaryList"]
        if p["Name"] == "Beep.wav"
    )
    return instance_id, instance_arn, {"hours": hours, "queue": queue, "module": module, "prompt": prompt}


def step(identifier: str, kind: str, parameters: dict[str, Any], nxt: str = "end") -> dict[str, Any]:
    return {
        "Identifier": identifier,
        "Type": kind,
        "Parameters": parameters,
        "Transitions": {"NextAction": nxt},
    }


def main_flow(refs: dict[str, str], music_arn: str, alias_arn: str) -> dict[str, Any]:
    return {
        "Version": "2019-10-30",
        "StartAction": "hook",
        "Actions": [
            step("hook", "UpdateContactEventHooks", {"EventHooks": {"CustomerQueue": music_arn}}, "hours"),
            step("hours", "CheckHoursOfOperation", {"HoursOfOperationId": refs["hours"]}, "prompt"),
            step("prompt", "MessageParticipant", {"PromptId": refs["prompt"]}, "module"),
            step("module", "InvokeFlowModule", {"FlowModuleId": refs["module"].rsplit("/", 1)[1]}, "lambda"),
            step("lambda", "InvokeLambdaFunction", {"LambdaFunctionARN": LAMBDA}, "lex"),
            step(
                "lex",
                "ConnectParticipantWithLexBot",
                {"Text": "Hi", "LexV2Bot": {"AliasArn": alias_arn}},
                "queue",
            ),
            step("queue", "UpdateContactTargetQueue", {"QueueId": refs["queue"]}),
            {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
        ],
    }


MUSIC = {
    "Version": "2019-10-30",
    "StartAction": "loop",
    "Actions": [
        {
            "Identifier": "loop",
            "Type": "MessageParticipantIteratively",
            "Parameters": {"Messages": [{"Text": "Please hold."}]},
            "Transitions": {},
        }
    ],
}


def by_name(document: dict[str, Any], names: dict[str, str]) -> str:
    """The flow with every reference replaced by the name it has in its instance."""
    text = json.dumps(document, sort_keys=True)
    for value in sorted(names, key=len, reverse=True):
        text = text.replace(value, "<" + names[value] + ">")
    return text


def test_flows_exported_templated_and_deployed_elsewhere_are_equivalent(
    cfn: Any, aws: Any, unique: Any, emulator: Any, tmp_path: Path
) -> None:
    connect, lex = aws("connect"), aws("lexv2-models")
    module_name = unique("Lookup")
    bot_name, alias_arn = lex_alias(aws, unique)
    source_id, source_arn, source_refs = furnish(aws, unique, module_name)
    target_id, target_arn, _ = furnish(aws, unique, module_name)
    connect.associate_bot(InstanceId=source_id, LexV2Bot={"AliasArn": alias_arn})
    music = connect.create_contact_flow(
        InstanceId=source_id, Name="Queue music", Type="CUSTOMER_QUEUE", Content=json.dumps(MUSIC)
    )["ContactFlowArn"]
    original = main_flow(source_refs, music, alias_arn)
    connect.create_contact_flow(
        InstanceId=source_id, Name="Main", Type="CONTACT_FLOW", Content=json.dumps(original)
    )

    where = ["--instance", source_arn, "--endpoint-url", emulator.endpoint]
    assert main(["flows", "export", *where, "--out", str(tmp_path / "export")]) == 0
    exported = tmp_path / "export" / "Main.json"
    assert json.loads(exported.read_text())["Type"] == "CONTACT_FLOW"
    assert main(["flows", "template", *where, "--out", str(tmp_path / "t"), str(exported)]) == 0
    templated = json.loads((tmp_path / "t" / "Main.json").read_text())
    text = json.dumps(templated)
    for placeholder in (
        "${Queue:Support}",
        "${Hours:Support Hours}",
        "${Prompt:Beep.wav}",
        "${Flow:Queue music}",
        f"${{Module:{module_name}}}",
        "${Lambda:crm-lookup}",
        f"${{LexBot:{bot_name}/live}}",
    ):
        assert placeholder in text, placeholder
    assert source_id not in text

    music_answer = cfn.create(
        TYPE, {"InstanceArn": target_arn, "Name": "Queue music", "Type": "CUSTOMER_QUEUE", "Content": MUSIC}
    )
    assert_one_valid_response(music_answer, "SUCCESS")
    main_props = {
        "InstanceArn": target_arn,
        "Name": "Main",
        "Type": "CONTACT_FLOW",
        "Content": json.dumps(templated),
    }
    refused = assert_one_valid_response(cfn.create(TYPE, main_props), "FAILED")["Reason"]
    assert f"Lex V2 bot alias not associated with instance {target_id}: {alias_arn}" in refused
    answer = cfn.create(TYPE, {**main_props, "AssociateLexBots": "true"})
    assert_one_valid_response(answer, "SUCCESS")

    ids = arns.flow_ids(answer.physical_id)
    assert ids
    assert ids[0] == target_id
    deployed = json.loads(
        connect.describe_contact_flow(InstanceId=target_id, ContactFlowId=ids[1])["ContactFlow"]["Content"]
    )
    assert source_id not in json.dumps(deployed)
    source_names = flowexport.live_names(connect, lex, source_id)
    target_names = flowexport.live_names(connect, lex, target_id)
    assert by_name(deployed, target_names) == by_name(original, source_names)
    bots = connect.list_bots(InstanceId=target_id, LexVersion="V2")["LexBots"]
    assert bots == [{"LexV2Bot": {"AliasArn": alias_arn}}], "the bot the flow needs was associated"
