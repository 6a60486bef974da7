"""The AWS side of ``gapfill flows export`` and ``gapfill flows template --instance``: flows
fetched from an instance in the ``{Name, Type, Description, Content}`` shape, and the names
of everything a flow can refer to in that instance (id and ARN -> name).

Thin on purpose: the rewriting is :mod:`gapfill.flowtemplate`'s, and works without AWS.
"""

from __future__ import annotations

from typing import Any

#: Connect list operation, summary key, name field, for every kind a placeholder names.
_LISTS = (
    ("list_queues", "QueueSummaryList", "Name"),
    ("list_contact_flows", "ContactFlowSummaryList", "Name"),
    ("list_prompts", "PromptSummaryList", "Name"),
    ("list_hours_of_operations", "HoursOfOperationSummaryList", "Name"),
    ("list_contact_flow_modules", "ContactFlowModulesSummaryList", "Name"),
    ("list_users", "UserSummaryList", "Username"),
)


def live_names(connect: Any, lex: Any, instance_id: str) -> dict[str, str]:
    """id and ARN -> name of every queue, flow, prompt, hours, module, agent and associated
    Lex V2 bot alias (``Bot/Alias``) in the instance; a kind that cannot be listed (access
    denied, say) is skipped, an instance that does not exist is an error."""
    names: dict[str, str] = {}
    for operation, key, field in _LISTS:
        try:
            for page in connect.get_paginator(operation).paginate(InstanceId=instance_id):
                for item in page.get(key, []):
                    names[str(item["Id"])] = names[str(item["Arn"])] = str(item[field])
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code is None or code == "ResourceNotFoundException":
                raise
    names.update(_lex_names(connect, lex, instance_id))
    return names


def _lex_names(connect: Any, lex: Any, instance_id: str) -> dict[str, str]:
    names: dict[str, str] = {}
    try:
        pages = list(connect.get_paginator("list_bots").paginate(InstanceId=instance_id, LexVersion="V2"))
    except Exception as exc:
        if not hasattr(exc, "response"):
            raise
        return names
    for page in pages:
        for bot in page.get("LexBots", []):
            alias_arn = str(bot.get("LexV2Bot", {}).get("AliasArn", ""))
            bot_id, _, alias_id = alias_arn.rpartition("bot-alias/")[2].partition("/")
            try:
                bot_name = lex.describe_bot(botId=bot_id)["botName"]
                alias_name = lex.describe_bot_alias(botId=bot_id, botAliasId=alias_id)["botAliasName"]
            except Exception as exc:
                if not hasattr(exc, "response"):
                    raise
                continue
            names[alias_arn] = f"{bot_name}/{alias_name}"
    return names


def export_flows(connect: Any, instance_id: str, name: str | None = None) -> list[dict[str, Any]]:
    """Every flow of the instance (or the one named), as ``{Name, Type, Description, Content}``:
    its published content, or its saved content when it was never published."""
    flows = []
    for page in connect.get_paginator("list_contact_flows").paginate(InstanceId=instance_id):
        for summary in page.get("ContactFlowSummaryList", []):
            if name is None or summary["Name"] == name:
                flows.append(_describe(connect, instance_id, str(summary["Id"])))
    return flows


def _describe(connect: Any, instance_id: str, flow_id: str) -> dict[str, Any]:
    try:
        flow = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id)["ContactFlow"]
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") != "ContactFlowNotPublishedException":
            raise
        flow = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow_id + ":$SAVED")[
            "ContactFlow"
        ]
    return {
        "Name": flow["Name"],
        "Type": flow["Type"],
        "Description": flow.get("Description", ""),
        "Content": flow["Content"],
    }
