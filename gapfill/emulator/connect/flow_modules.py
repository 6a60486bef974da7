"""Flow modules and Lex V2 bot associations of an instance.

Flow modules (CreateContactFlowModule, DescribeContactFlowModule, ListContactFlowModules,
DeleteContactFlowModule) are what ``InvokeFlowModule`` actions name by ``FlowModuleId``; bot
associations (AssociateBot, DisassociateBot, ListBots with ``LexVersion`` V2) are what lets a
flow's ``ConnectParticipantWithLexBot`` use a Lex V2 bot alias. Module content is stored as
given (JSON checked, the documented length); the flow modules page documents no further
validation the emulator could restate. Only Lex V2 associations are modelled: V1 bots use
other operations (AssociateLexBot) that the providers never call.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gapfill.emulator import documented
from gapfill.emulator.connect.errors import (
    DuplicateResourceException,
    InvalidParameterException,
    InvalidRequestException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from gapfill.emulator.connect.instances import (
    body,
    decoded_offset,
    max_results,
    new_id,
    page,
    path,
    query,
    slice_page,
)

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object

_API = "https://docs.aws.amazon.com/connect/latest/APIReference/"
RULE_MODULE_NAME = documented.rule(
    id="connect.flow-module.duplicate-name",
    service="connect",
    operations=("CreateContactFlowModule",),
    source=_API + "API_CreateContactFlowModule.html",
    fact="DuplicateResourceException (HTTP 409): a resource with the specified name already exists.",
)
RULE_BOT_CONFLICT = documented.rule(
    id="connect.bot.associate-conflict",
    service="connect",
    operations=("AssociateBot",),
    source=_API + "API_AssociateBot.html",
    fact="ResourceConflictException (HTTP 409): a resource already has that name (the bot alias is "
    "already associated with the instance).",
)
RULE_BOT_NOT_ASSOCIATED = documented.rule(
    id="connect.bot.disassociate-unknown",
    service="connect",
    operations=("DisassociateBot",),
    source=_API + "API_DisassociateBot.html",
    fact="ResourceNotFoundException (HTTP 404): the specified resource was not found.",
)
RULE_BOT_ALIAS_ARN = documented.rule(
    id="connect.bot.alias-arn",
    service="connect",
    operations=("AssociateBot",),
    source=_API + "API_LexV2Bot.html",
    fact="LexV2Bot.AliasArn is the Amazon Resource Name (ARN) of the Amazon Lex V2 bot alias; "
    "a request that is not valid is InvalidRequestException (API_AssociateBot.html).",
)
#: Bot and alias ids are 10 alphanumerics (lexv2-models model, ``Id`` and ``BotAliasId``,
#: which also allows the test alias ``TSTALIASID``).
_ALIAS_ARN = re.compile(
    r"^arn:aws[-a-z]*:lex:[-a-z0-9]+:\d{12}:bot-alias/[0-9a-zA-Z]{10}/(TSTALIASID|[0-9a-zA-Z]{10})$"
)
MAX_MODULE_CONTENT = 256000
#: ListBots' MaxResults bounds and default (connect model, ``MaxResult25``).
BOTS_PAGE_LIMIT = 25


def bots_page(
    arns: list[str], next_token: str | None, max_results: int | None
) -> tuple[list[str], str | None]:
    """One page of ListBots. A bad MaxResults or NextToken is InvalidRequestException: ListBots
    documents no InvalidParameterException (connect model)."""
    size = BOTS_PAGE_LIMIT if max_results is None else max_results
    start = decoded_offset(next_token)
    if not 1 <= size <= BOTS_PAGE_LIMIT or start is None:
        raise InvalidRequestException(
            f"MaxResults must be 1 to {BOTS_PAGE_LIMIT} and NextToken one ListBots gave"
        )
    return slice_page(arns, start, size)


@dataclass
class Module:
    id: str
    arn: str
    name: str
    description: str
    content: str
    state: str = "ACTIVE"
    status: str = "PUBLISHED"

    def summary(self) -> dict[str, Any]:
        return {"Id": self.id, "Arn": self.arn, "Name": self.name, "State": self.state}

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "Content": self.content,
            "Description": self.description,
            "Status": self.status,
            "FlowModuleContentSha256": hashlib.sha256(self.content.encode()).hexdigest(),
        }


class Backend(_Base):
    def init_state(self) -> None:
        #: instance id -> module id -> Module
        self.flow_modules: dict[str, dict[str, Module]] = {}
        #: instance id -> associated Lex V2 bot alias ARNs, in association order
        self.bot_associations: dict[str, list[str]] = {}

    def modules_of(self, instance_id: str) -> dict[str, Module]:
        instance = self.connect_ready(instance_id)
        return self.flow_modules.setdefault(instance.id, {})

    def get_module(self, instance_id: str, module_id: str) -> Module:
        module = self.modules_of(instance_id).get(module_id.removesuffix(":$SAVED").rsplit("/", 1)[-1])
        if module is None:
            raise ResourceNotFoundException(f"Flow module not found: {module_id}")
        return module

    def create_flow_module(self, instance_id: str, params: dict[str, Any]) -> Module:
        modules = self.modules_of(instance_id)
        name, content = str(params.get("Name") or ""), params.get("Content")
        if not isinstance(content, str) or not 1 <= len(content) <= MAX_MODULE_CONTENT:
            raise InvalidParameterException(f"Content must be 1 to {MAX_MODULE_CONTENT} characters long")
        try:
            json.loads(content)
        except ValueError:
            raise InvalidParameterException("Content is not valid JSON") from None
        instance = self.connect_ready(instance_id)
        with self.state_lock:
            if any(m.name == name for m in modules.values()):
                raise DuplicateResourceException(f"A flow module named {name} already exists")
            module_id = new_id()
            module = Module(
                module_id,
                self.resource_arn(instance.id, "flow-module", module_id),
                name,
                str(params.get("Description") or ""),
                content,
            )
            modules[module_id] = module
        if params.get("Tags"):
            self.tag_resource(module.arn, params["Tags"])
        return module

    def delete_flow_module(self, instance_id: str, module_id: str) -> None:
        module = self.get_module(instance_id, module_id)
        with self.state_lock:
            self.modules_of(instance_id).pop(module.id, None)

    def bots_of(self, instance_id: str) -> list[str]:
        instance = self.connect_ready(instance_id)
        return self.bot_associations.setdefault(instance.id, [])

    def associate_bot(self, instance_id: str, alias_arn: str) -> None:
        if not _ALIAS_ARN.match(alias_arn):
            raise InvalidRequestException(f"LexV2Bot.AliasArn is not a Lex V2 bot alias ARN: {alias_arn}")
        bots = self.bots_of(instance_id)
        with self.state_lock:
            if alias_arn in bots:
                raise ResourceConflictException(f"The bot alias {alias_arn} is already associated")
            bots.append(alias_arn)

    def disassociate_bot(self, instance_id: str, alias_arn: str) -> None:
        bots = self.bots_of(instance_id)
        with self.state_lock:
            if alias_arn not in bots:
                raise ResourceNotFoundException(f"The bot alias {alias_arn} is not associated")
            bots.remove(alias_arn)


class Responses(_Base):
    def create_contact_flow_module(self) -> str:
        module = self.connect_backend.create_flow_module(path(self, "InstanceId"), body(self))
        return json.dumps({"Id": module.id, "Arn": module.arn})

    def describe_contact_flow_module(self) -> str:
        module = self.connect_backend.get_module(path(self, "InstanceId"), path(self, "ContactFlowModuleId"))
        data = module.describe()
        data["Tags"] = self.connect_backend.list_tags_for_resource(module.arn)
        return json.dumps({"ContactFlowModule": data})

    def list_contact_flow_modules(self) -> str:
        modules = self.connect_backend.modules_of(path(self, "InstanceId")).values()
        state = query(self, "state")
        items = sorted((m for m in modules if not state or m.state == state), key=lambda m: (m.name, m.id))
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 100, 1000)
        return json.dumps({"ContactFlowModulesSummaryList": [m.summary() for m in chunk], "NextToken": token})

    def delete_contact_flow_module(self) -> str:
        self.connect_backend.delete_flow_module(path(self, "InstanceId"), path(self, "ContactFlowModuleId"))
        return "{}"

    def associate_bot(self) -> str:
        alias = str((body(self).get("LexV2Bot") or {}).get("AliasArn") or "")
        self.connect_backend.associate_bot(path(self, "InstanceId"), alias)
        return "{}"

    def disassociate_bot(self) -> str:
        alias = str((body(self).get("LexV2Bot") or {}).get("AliasArn") or "")
        self.connect_backend.disassociate_bot(path(self, "InstanceId"), alias)
        return "{}"

    def list_bots(self) -> str:
        instance_id = path(self, "InstanceId")
        version = query(self, "lexVersion")
        bots = self.connect_backend.bots_of(instance_id) if version == "V2" else []
        chunk, token = bots_page(bots, query(self, "nextToken"), max_results(self))
        return json.dumps({"LexBots": [{"LexV2Bot": {"AliasArn": arn}} for arn in chunk], "NextToken": token})
