"""Lex V2 bot aliases named for ``${LexBot:Bot}`` and ``${LexBot:Bot/Alias}``, and the
association with the instance that a flow using one needs.

A flow's ``ConnectParticipantWithLexBot`` names a bot alias by ARN, and Connect only lets an
instance use bots associated with it (AssociateBot). Names come from Lex V2 itself (ListBots,
ListBotAliases, in the instance's account and region): ``Bot/Alias`` names one alias;
``Bot`` alone names the bot's alias associated with the instance when exactly one is, or its
only alias. A flow may only use an alias associated with the instance: one that is not is
refused, unless the template asks (``AssociateLexBots: true``) and it is then associated
(AssociateBot, which also changes Connect's service-linked role and the alias's resource
policy) and checked with ListBots. An association is never removed by a flow: other flows,
or the console, may rely on it, and removing it would break them (nothing lost).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from providers.connect.arns import parse_arn


def names(aliases: Iterable[tuple[str, str, str]], associated: Iterable[str]) -> dict[str, str]:
    """``Bot/Alias`` and unambiguous ``Bot`` -> alias ARN, from ``(bot, alias, arn)`` triples."""
    found: dict[str, str] = {}
    by_bot: dict[str, list[str]] = {}
    for bot, alias, arn in aliases:
        found[f"{bot}/{alias}"] = arn
        by_bot.setdefault(bot, []).append(arn)
    linked = set(associated)
    for bot, arns in by_bot.items():
        chosen = [a for a in arns if a in linked]
        if len(chosen) == 1:
            found.setdefault(bot, chosen[0])
        elif not chosen and len(arns) == 1:
            found.setdefault(bot, arns[0])
    return found


def associated(connect: Any, instance_id: str) -> list[str]:
    """Lex V2 bot alias ARNs associated with the instance."""
    arns: list[str] = []
    for page in connect.get_paginator("list_bots").paginate(InstanceId=instance_id, LexVersion="V2"):
        arns += [str(b["LexV2Bot"]["AliasArn"]) for b in page.get("LexBots", []) if b.get("LexV2Bot")]
    return arns


def catalog(connect: Any, lex: Any, instance_arn: str) -> dict[str, str]:
    """Every name a ``${LexBot:...}`` placeholder may use in this instance -> alias ARN."""
    parsed = parse_arn(instance_arn)
    if parsed is None:
        return {}
    prefix = f"arn:aws:lex:{parsed.region}:{parsed.account}:bot-alias"
    triples = []
    for bot in _pages(lex, "list_bots", "botSummaries", {}):
        for alias in _pages(lex, "list_bot_aliases", "botAliasSummaries", {"botId": bot["botId"]}):
            arn = f"{prefix}/{bot['botId']}/{alias['botAliasId']}"
            triples.append((str(bot["botName"]), str(alias["botAliasName"]), arn))
    return names(triples, associated(connect, parsed.instance_id))


def _pages(client: Any, operation: str, key: str, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = getattr(client, operation)(**args, **({"nextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return items


def ensure_associated(
    connect: Any, instance_id: str, alias_arns: Iterable[str], associate: bool
) -> list[str]:
    """Associate the aliases the instance lacks (only if ``associate``); the ones it had to
    associate. Raises RuntimeError naming every alias left unassociated."""
    have = set(associated(connect, instance_id))
    missing = sorted(set(alias_arns) - have)
    if missing and not associate:
        raise RuntimeError(
            f"Lex V2 bot alias not associated with instance {instance_id}: {', '.join(missing)}; "
            "associate it (AWS::Connect::IntegrationAssociation, IntegrationType LEX_BOT) or set "
            "AssociateLexBots: true"
        )
    for arn in missing:
        try:
            connect.associate_bot(InstanceId=instance_id, LexV2Bot={"AliasArn": arn})
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") != "ResourceConflictException":
                raise  # a conflict is a concurrent association of the same alias: fine
    if missing:
        absent = sorted(set(missing) - set(associated(connect, instance_id)))
        if absent:
            raise RuntimeError(f"Lex V2 bot alias not associated after AssociateBot: {', '.join(absent)}")
    return missing
