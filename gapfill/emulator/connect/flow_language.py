"""The Amazon Connect Flow language, validated as AWS documents it; pure, no AWS state.

AWS describes flow content in the "Flow language" pages of the Amazon Connect API reference:
a JSON object with ``Version`` "2019-10-30", a ``StartAction`` naming one of its ``Actions``,
free-form ``Metadata``, and at most 250 actions, each with an ``Identifier`` (at most 50
characters, some characters and names forbidden), a documented ``Type``, ``Parameters`` and
``Transitions`` whose every ``NextAction`` names an action of the flow. Each action's page
says in which flow types it may be used and which of its parameters hold an ARN or an id.

This module turns those pages into checks. :func:`validate` lists every problem (not just
the first) as :class:`Problem`; :func:`aws_problems` renders them in the shape of
``InvalidContactFlowException.problems`` (botocore's ``Problems``: at most 50
``ProblemDetail`` items, ``message`` at most 256 characters). :func:`references` lists the
values the language puts in reference parameters, so that a caller holding an instance (the
emulator, ``gapfill flows check --instance``) can check that each exists; ``Metadata`` and
free text (attribute values, prompt text) are never read as references. Every rule is
registered in :mod:`gapfill.emulator.documented` with the page it comes from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from gapfill.emulator import documented

_API = "https://docs.aws.amazon.com/connect/latest/APIReference/"
_OPS = ("CreateContactFlow", "UpdateContactFlowContent")

RULE_CONTENT_LENGTH = documented.rule(
    id="connect.flow.content-length",
    service="connect",
    operations=_OPS,
    source=_API + "API_CreateContactFlow.html",
    fact="Content: Length Constraints: Minimum length of 1. Maximum length of 256000.",
)
RULE_JSON = documented.rule(
    id="connect.flow.json-object",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-example.html",
    fact="Flow content is a JSON string that represents the flow: one object with Version, "
    "StartAction, Metadata and Actions.",
)
RULE_VERSION = documented.rule(
    id="connect.flow.version",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-example.html",
    fact="Version is a string; currently the only supported version is 2019-10-30.",
)
RULE_START = documented.rule(
    id="connect.flow.start-action",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-example.html",
    fact="StartAction is the first action to run; its value must match the Identifier of an "
    "action in the Actions list.",
)
RULE_METADATA = documented.rule(
    id="connect.flow.metadata-free-form",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-example.html",
    fact="Metadata is an object that may be filled in with data as desired: it is never read "
    "for references or validated beyond being an object.",
)
RULE_ACTIONS = documented.rule(
    id="connect.flow.actions",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-example.html",
    fact="Actions is a list of individual Action objects; a single flow may have no more than "
    "250 actions defined.",
)
RULE_IDENTIFIER = documented.rule(
    id="connect.flow.identifier",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-actions.html",
    fact="An action's Identifier must be unique among the actions of the flow and can be up to "
    "50 characters long; the characters % : ( \\ / ) = $ , ; [ ] { } and the strings __proto__, "
    "constructor, __defineGetter__, __defineSetter__, toString, hasOwnProperty, isPrototypeOf, "
    "propertyIsEnumerable, toLocaleString and valueOf are not allowed.",
)
RULE_TYPE = documented.rule(
    id="connect.flow.action-type",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-actions.html",
    fact="An action's Type must be one of the allowable types, each documented on its own page "
    "(participant actions, flow control actions, contact actions, interactions).",
)
RULE_FLOW_TYPE = documented.rule(
    id="connect.flow.action-per-flow-type",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-actions.html",
    fact="Each action's page states under Restrictions the flow types it is supported in "
    "(e.g. MessageParticipantIteratively: customer queue, customer hold and agent hold flows; "
    "DequeueContactAndTransferToQueue: only the customer queue flow).",
)
RULE_SHAPES = documented.rule(
    id="connect.flow.action-shapes",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-actions.html",
    fact="Parameters is an object and Transitions an object whose NextAction is a string, "
    "Errors a list of {ErrorType, NextAction} and Conditions a list of {NextAction, Condition}.",
)
RULE_TRANSITIONS = documented.rule(
    id="connect.flow.transition-targets",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-actions.html",
    fact="NextAction (of the Transitions, of each Errors entry and of each Conditions entry) "
    "contains the Identifier of the action to run next.",
)
RULE_CONDITIONS = documented.rule(
    id="connect.flow.conditions",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-actions.html",
    fact="A Condition object has an Operator (Equals, TextStartsWith, TextEndsWith, "
    "TextContains, NumberGreaterThan, NumberGreaterOrEqualTo, NumberLessThan, "
    "NumberLessOrEqualTo) and a list of Operands; conditions nest at most five deep and hold "
    "at most 50 sub-conditions.",
)
RULE_EVENT_HOOKS = documented.rule(
    id="connect.flow.event-hooks-one-entry",
    service="connect",
    operations=_OPS,
    source=_API + "contact-actions-updatecontacteventhooks.html",
    fact="UpdateContactEventHooks: EventHooks holds the event hook to be set; only one entry "
    "may be present in this map, its value a flow ID or ARN.",
)
RULE_REFERENCES = documented.rule(
    id="connect.flow.references",
    service="connect",
    operations=_OPS,
    source=_API + "flow-language-actions-parameter-restrictions.html",
    fact="Parameters such as QueueId, ContactFlowId, PromptId, HoursOfOperationId, "
    "LambdaFunctionARN and FlowModuleId take an ID or ARN defined statically or as a single "
    "JSONPath identifier ($.…); a static one must name a resource of the instance when the flow "
    "is published.",
)
RULE_SAVED = documented.rule(
    id="connect.flow.saved-not-validated",
    service="connect",
    operations=_OPS,
    source=_API + "API_CreateContactFlow.html",
    fact="Status: the PUBLISHED status will initiate validation on the content; the SAVED status "
    "does not initiate validation of the content.",
)

VERSION = "2019-10-30"
MAX_ACTIONS = 250
MAX_IDENTIFIER = 50
MIN_CONTENT, MAX_CONTENT = 1, 256_000
MAX_CONDITION_DEPTH, MAX_SUB_CONDITIONS = 5, 50
_FORBIDDEN_CHARS = set("%:(\\/)=$,;[]{}")
_RESERVED = frozenset(
    {
        "__proto__",
        "constructor",
        "__defineGetter__",
        "__defineSetter__",
        "toString",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "valueOf",
    }
)
OPERATORS = frozenset(
    {
        "Equals",
        "TextStartsWith",
        "TextEndsWith",
        "TextContains",
        "NumberGreaterThan",
        "NumberGreaterOrEqualTo",
        "NumberLessThan",
        "NumberLessOrEqualTo",
    }
)


@cache
def flow_types() -> tuple[str, ...]:
    """Every flow type botocore's model knows (the ``ContactFlowType`` enum)."""
    from botocore.loaders import Loader

    shapes = Loader().load_service_model("connect", "service-2")["shapes"]
    return tuple(shapes["ContactFlowType"]["enum"])


# Flow-type families as the Restrictions sections name them.
CONTACT = frozenset({"CONTACT_FLOW"})
TRANSFER = frozenset({"AGENT_TRANSFER", "QUEUE_TRANSFER"})
WHISPER = frozenset({"CUSTOMER_WHISPER", "AGENT_WHISPER", "OUTBOUND_WHISPER"})
HOLD = frozenset({"CUSTOMER_HOLD", "AGENT_HOLD"})
QUEUE = frozenset({"CUSTOMER_QUEUE"})
#: The flow types the Restrictions sections speak of. Types outside it (CAMPAIGN, added
#: later) are never refused by a restriction: the pages say nothing about them.
CLASSIC = CONTACT | TRANSFER | WHISPER | HOLD | QUEUE


@dataclass(frozen=True)
class ActionSpec:
    """One documented action type: its page, where it may run, its reference parameters."""

    page: str
    allowed: frozenset[str] = CLASSIC
    #: (parameter path, reference kind); ``a.b`` descends objects, ``a[].b`` lists, ``a.*`` values
    refs: tuple[tuple[str, str], ...] = ()

    def refused_in(self, flow_type: str) -> bool:
        return flow_type in CLASSIC and flow_type not in self.allowed


_QUEUE_OR_AGENT = (("QueueId", "queue"), ("AgentId", "agent"))
_PROMPT = (("PromptId", "prompt"),)

#: Documented action types -> spec. Restrictions are those of each action's page.
ACTIONS: dict[str, ActionSpec] = {
    # Participant actions
    "ConnectParticipantWithLexBot": ActionSpec(
        "participant-actions-connectparticipantwithlexbot",
        CONTACT | TRANSFER | QUEUE,
        (*_PROMPT, ("LexV2Bot.AliasArn", "lex-bot-alias")),
    ),
    "DisconnectParticipant": ActionSpec("participant-actions-disconnectparticipant"),
    "GetParticipantInput": ActionSpec(
        "participant-actions-getparticipantinput", CONTACT | TRANSFER | QUEUE, _PROMPT
    ),
    "MessageParticipant": ActionSpec(
        "participant-actions-messageparticipant", CONTACT | TRANSFER | WHISPER | QUEUE, _PROMPT
    ),
    "MessageParticipantIteratively": ActionSpec(
        "participant-actions-messageparticipantiteratively",
        QUEUE | HOLD,
        (("Messages[].PromptId", "prompt"),),
    ),
    "ShowView": ActionSpec(
        "participant-actions-showview",
        CLASSIC - {"CUSTOMER_HOLD", "CUSTOMER_WHISPER", "OUTBOUND_WHISPER"},
        (("ViewResource.Id", "view"),),
    ),
    "TransferParticipantToThirdParty": ActionSpec(
        "participant-actions-transferparticipanttothirdparty", CONTACT | TRANSFER | QUEUE
    ),
    # Flow control actions
    "CheckHoursOfOperation": ActionSpec(
        "flow-control-actions-checkhoursofoperation",
        CONTACT | TRANSFER | QUEUE,
        (("HoursOfOperationId", "operating-hours"),),
    ),
    "CheckMetricData": ActionSpec(
        "flow-control-actions-checkmetricdata", CONTACT | TRANSFER | QUEUE, _QUEUE_OR_AGENT
    ),
    "CheckOutboundCallStatus": ActionSpec("flow-control-actions-checkoutboundcallstatus"),
    "CheckVoiceId": ActionSpec("flow-control-actions-checkvoiceid"),
    "Compare": ActionSpec("flow-control-actions-compare"),
    "DistributeByPercentage": ActionSpec(
        "flow-control-actions-distributebypercentage", CONTACT | TRANSFER | QUEUE
    ),
    "EndFlowExecution": ActionSpec("flow-control-actions-endflowexecution", WHISPER | QUEUE),
    "GetMetricData": ActionSpec("flow-control-actions-getmetricdata", CLASSIC, _QUEUE_OR_AGENT),
    "Loop": ActionSpec("flow-control-actions-loop"),
    "StartVoiceIdStream": ActionSpec("flow-control-actions-startvoiceidstream"),
    "TransferToFlow": ActionSpec(
        "flow-control-actions-transfertoflow", CONTACT | TRANSFER, (("ContactFlowId", "contact-flow"),)
    ),
    "UpdateFlowAttributes": ActionSpec("flow-control-actions-updateflowattributes"),
    "UpdateFlowLoggingBehavior": ActionSpec("flow-control-actions-updateflowloggingbehavior"),
    "UpdateRoutingCriteria": ActionSpec("flow-control-actions-updateroutingcriteria"),
    "Wait": ActionSpec("flow-control-actions-wait"),
    # Contact actions
    "CompleteOutboundCall": ActionSpec("contact-actions-completeoutboundcall"),
    "CreateCase": ActionSpec("createcase"),
    "CreateTask": ActionSpec("createtask"),
    "CreateWisdomSession": ActionSpec("createwisdomsession"),
    "DequeueContactAndTransferToQueue": ActionSpec(
        "contact-actions-dequeuecontactandtransfertoqueue", QUEUE, _QUEUE_OR_AGENT
    ),
    "EndFlowModuleExecution": ActionSpec("endflowmoduleexecution"),
    "GetCase": ActionSpec("getcase"),
    "InvokeFlowModule": ActionSpec(
        "flow-language-actions-invoke-flow-module", CLASSIC, (("FlowModuleId", "flow-module"),)
    ),
    "ResumeContact": ActionSpec("contact-actions-updatecontactresumecontact"),
    "StartOutboundChatContact": ActionSpec("contact-actions-startoutboundchatcontact"),
    "TagContact": ActionSpec("contact-actions-tagcontact"),
    "TransferContactToAgent": ActionSpec("contact-actions-transfercontacttoagent", TRANSFER),
    "TransferContactToQueue": ActionSpec("contact-actions-transfercontacttoqueue", CONTACT | TRANSFER),
    "UnTagContact": ActionSpec("contact-actions-untagcontact"),
    "UpdateCase": ActionSpec("updatecase"),
    "UpdateContactAttributes": ActionSpec("contact-actions-updatecontactattributes"),
    "UpdateContactCallbackNumber": ActionSpec(
        "contact-actions-updatecontactcallbacknumber", CONTACT | TRANSFER | QUEUE
    ),
    "UpdateContactData": ActionSpec("contact-actions-updatecontactdata"),
    "UpdateContactEventHooks": ActionSpec(
        "contact-actions-updatecontacteventhooks", CLASSIC, (("EventHooks.*", "contact-flow"),)
    ),
    "UpdateContactMediaProcessing": ActionSpec("contact-actions-updatecontactmediaprocessing"),
    "UpdateContactMediaStreamingBehavior": ActionSpec(
        "contact-actions-updatecontactmediastreamingbehavior", CONTACT | TRANSFER | WHISPER | QUEUE
    ),
    "UpdateContactRecordingAndAnalyticsBehavior": ActionSpec(
        "contact-actions-updatecontactrecordingandanalyticsbehavior"
    ),
    "UpdateContactRecordingBehavior": ActionSpec(
        "contact-actions-updatecontactrecordingbehavior",
        CONTACT | TRANSFER | QUEUE | {"OUTBOUND_WHISPER"},
    ),
    "UpdateContactRoutingBehavior": ActionSpec("contact-actions-updatecontactroutingbehavior", CONTACT),
    "UpdateContactTargetQueue": ActionSpec(
        "contact-actions-updatecontacttargetqueue", CONTACT | TRANSFER, _QUEUE_OR_AGENT
    ),
    "UpdateContactTextToSpeechVoice": ActionSpec("contact-actions-updatecontacttexttospeechvoice"),
    "UpdatePreviousContactParticipantState": ActionSpec(
        "contact-actions-updatepreviouscontactparticipantstate", CONTACT | TRANSFER
    ),
    # Interactions
    "AssociateContactToCustomerProfile": ActionSpec("interactions-associatecontacttocustomerprofile"),
    "CreateCallbackContact": ActionSpec(
        "interactions-createcallbackcontact", CONTACT | TRANSFER | QUEUE, _QUEUE_OR_AGENT
    ),
    "CreateCustomerProfile": ActionSpec("interactions-createcustomerprofile"),
    "GetCalculatedAttributesForCustomerProfile": ActionSpec(
        "interactions-getcalculatedattributesforcustomerprofile"
    ),
    "GetCustomerProfile": ActionSpec("interactions-getcustomerprofile"),
    "GetCustomerProfileObject": ActionSpec("interactions-getcustomerprofileobject"),
    "InvokeLambdaFunction": ActionSpec(
        "interactions-invokelambdafunction", CLASSIC, (("LambdaFunctionARN", "lambda"),)
    ),
    "UpdateCustomerProfile": ActionSpec("interactions-updatecustomerprofile"),
}


@dataclass(frozen=True)
class Problem:
    """One thing AWS would refuse; ``identifier`` names the action when it is in one."""

    rule: str
    message: str
    identifier: str | None = None

    def text(self) -> str:
        return f"Action {self.identifier}: {self.message}" if self.identifier is not None else self.message


@dataclass(frozen=True)
class Reference:
    """A static ID or ARN in a reference parameter of an action."""

    identifier: str
    kind: str
    parameter: str
    value: str


def aws_problems(problems: list[Problem]) -> list[dict[str, str]]:
    """The ``problems`` of InvalidContactFlowException: at most 50, messages at most 256 chars."""
    return [{"message": p.text()[:256]} for p in problems[:50]]


def parse(content: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The content as a JSON object, or the problems that make it none."""
    if not MIN_CONTENT <= len(content) <= MAX_CONTENT:
        return None, [Problem(RULE_CONTENT_LENGTH.id, f"Content must be 1 to {MAX_CONTENT} characters long")]
    try:
        document = json.loads(content)
    except ValueError as exc:
        return None, [Problem(RULE_JSON.id, f"Content is not valid JSON: {exc}")]
    if not isinstance(document, dict):
        return None, [Problem(RULE_JSON.id, "Content must be a JSON object (a flow)")]
    return document, []


def validate(content: str | Mapping[str, Any], flow_type: str | None = None) -> list[Problem]:
    """Every documented problem of ``content`` (a JSON string or an already parsed object)."""
    if isinstance(content, str):
        document, problems = parse(content)
        if document is None:
            return problems
    else:
        document, problems = dict(content), []
    problems += _document_problems(document, flow_type)
    return problems


def _document_problems(document: dict[str, Any], flow_type: str | None) -> list[Problem]:
    problems: list[Problem] = []
    if document.get("Version") != VERSION:
        shown = json.dumps(document["Version"]) if "Version" in document else "missing"
        problems.append(Problem(RULE_VERSION.id, f"Version must be {VERSION!r} (got {shown})"))
    if "Metadata" in document and not isinstance(document["Metadata"], dict):
        problems.append(Problem(RULE_METADATA.id, "Metadata must be an object"))
    actions = document.get("Actions")
    if not isinstance(actions, list):
        what = "missing" if actions is None else "not a list"
        problems.append(Problem(RULE_ACTIONS.id, f"Actions is {what}: it must be a list of actions"))
        actions = []
    elif len(actions) > MAX_ACTIONS:
        problems.append(
            Problem(RULE_ACTIONS.id, f"A flow has at most {MAX_ACTIONS} actions; this one has {len(actions)}")
        )
    identifiers = _identifiers(actions, problems)
    start = document.get("StartAction")
    if not isinstance(start, str) or not start:
        problems.append(Problem(RULE_START.id, "StartAction is missing: it must name the first action"))
    elif start not in identifiers:
        problems.append(Problem(RULE_START.id, f"StartAction {start} does not match any action Identifier"))
    for index, action in enumerate(actions):
        if isinstance(action, dict):
            problems += _action_problems(index, action, identifiers, flow_type)
    return problems


def _identifiers(actions: list[Any], problems: list[Problem]) -> set[str]:
    seen: set[str] = set()
    for index, action in enumerate(actions):
        if not isinstance(action, dict):
            problems.append(Problem(RULE_ACTIONS.id, f"Actions[{index}] must be an object"))
            continue
        identifier = action.get("Identifier")
        if not isinstance(identifier, str) or not identifier:
            problems.append(Problem(RULE_IDENTIFIER.id, f"Actions[{index}] has no Identifier"))
            continue
        problems += [Problem(RULE_IDENTIFIER.id, m, identifier) for m in identifier_problems(identifier)]
        if identifier in seen:
            problems.append(Problem(RULE_IDENTIFIER.id, "Identifier is not unique in the flow", identifier))
        seen.add(identifier)
    return seen


def identifier_problems(identifier: str) -> list[str]:
    """What makes ``identifier`` not a valid action Identifier."""
    found = []
    if len(identifier) > MAX_IDENTIFIER:
        found.append(f"Identifier is {len(identifier)} characters long; at most {MAX_IDENTIFIER} are allowed")
    bad = sorted(set(identifier) & _FORBIDDEN_CHARS)
    if bad:
        found.append(f"Identifier contains characters that are not allowed: {' '.join(bad)}")
    if identifier in _RESERVED:
        found.append(f"Identifier {identifier} is a reserved name")
    return found


def _action_problems(
    index: int, action: dict[str, Any], identifiers: set[str], flow_type: str | None
) -> list[Problem]:
    name = action.get("Identifier")
    who = name if isinstance(name, str) and name else f"Actions[{index}]"
    kind = action.get("Type")
    problems: list[Problem] = []
    spec = ACTIONS.get(kind) if isinstance(kind, str) else None
    if not isinstance(kind, str) or not kind:
        problems.append(Problem(RULE_TYPE.id, "Type is missing", who))
    elif spec is None:
        problems.append(Problem(RULE_TYPE.id, f"Type {kind} is not a documented action type", who))
    elif flow_type is not None and spec.refused_in(flow_type):
        message = f"Type {kind} is not supported in flows of type {flow_type}"
        problems.append(Problem(RULE_FLOW_TYPE.id, message, who))
    parameters = action.get("Parameters", {})
    if not isinstance(parameters, dict):
        problems.append(Problem(RULE_SHAPES.id, "Parameters must be an object", who))
    elif kind == "UpdateContactEventHooks" and len(parameters.get("EventHooks") or {}) > 1:
        problems.append(Problem(RULE_EVENT_HOOKS.id, "EventHooks may hold only one entry", who))
    problems += [Problem(rule, message, who) for rule, message in _transition_problems(action, identifiers)]
    return problems


def _transition_problems(action: dict[str, Any], identifiers: set[str]) -> Iterator[tuple[str, str]]:
    transitions = action.get("Transitions", {})
    if not isinstance(transitions, dict):
        yield RULE_SHAPES.id, "Transitions must be an object"
        return
    if "NextAction" in transitions:
        yield from _target("Transitions.NextAction", transitions["NextAction"], identifiers)
    for key in ("Errors", "Conditions"):
        entries = transitions.get(key, [])
        if not isinstance(entries, list):
            yield RULE_SHAPES.id, f"Transitions.{key} must be a list"
            continue
        for position, entry in enumerate(entries):
            where = f"Transitions.{key}[{position}]"
            if not isinstance(entry, dict):
                yield RULE_SHAPES.id, f"{where} must be an object"
                continue
            yield from _target(f"{where}.NextAction", entry.get("NextAction"), identifiers)
            if key == "Errors" and not isinstance(entry.get("ErrorType"), str):
                yield RULE_SHAPES.id, f"{where}.ErrorType must be a string"
            if key == "Conditions":
                yield from _condition_problems(f"{where}.Condition", entry.get("Condition"), 1, [0])


def _target(where: str, value: Any, identifiers: set[str]) -> Iterator[tuple[str, str]]:
    if not isinstance(value, str) or not value:
        yield RULE_SHAPES.id, f"{where} must be the Identifier of an action"
    elif value not in identifiers:
        yield RULE_TRANSITIONS.id, f"{where} {value} does not match any action Identifier"


def _condition_problems(
    where: str, condition: Any, depth: int, count: list[int]
) -> Iterator[tuple[str, str]]:
    count[0] += 1
    if not isinstance(condition, dict):
        yield RULE_CONDITIONS.id, f"{where} must be an object with Operator and Operands"
        return
    if depth > MAX_CONDITION_DEPTH:
        yield RULE_CONDITIONS.id, f"{where} nests deeper than {MAX_CONDITION_DEPTH} conditions"
        return
    operator, operands = condition.get("Operator"), condition.get("Operands")
    if operator not in OPERATORS:
        yield RULE_CONDITIONS.id, f"{where}.Operator {operator} is not a documented operator"
    if not isinstance(operands, list):
        yield RULE_CONDITIONS.id, f"{where}.Operands must be a list"
        return
    for position, operand in enumerate(operands):
        if isinstance(operand, dict):
            yield from _condition_problems(f"{where}.Operands[{position}]", operand, depth + 1, count)
    if depth == 1 and count[0] - 1 > MAX_SUB_CONDITIONS:
        yield RULE_CONDITIONS.id, f"{where} holds more than {MAX_SUB_CONDITIONS} sub-conditions"


def is_dynamic(value: str) -> bool:
    """A JSONPath value (``$.Attributes.x``), resolved when the flow runs, not when it is saved."""
    return value.startswith(("$.", "$["))


def references(document: Mapping[str, Any]) -> list[Reference]:
    """Every static ID or ARN the flow's actions put in their reference parameters."""
    found: list[Reference] = []
    actions = document.get("Actions")
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict) or not isinstance(action.get("Parameters"), dict):
            continue
        spec = ACTIONS.get(str(action.get("Type")))
        for path, kind in spec.refs if spec else ():
            for where, value in _values(action["Parameters"], path.split(".")):
                if isinstance(value, str) and value and not is_dynamic(value):
                    found.append(Reference(str(action.get("Identifier")), kind, where, value))
    return found


def _values(node: Any, steps: list[str], where: str = "Parameters") -> Iterator[tuple[str, Any]]:
    if not steps:
        yield where, node
        return
    step, rest = steps[0], steps[1:]
    if not isinstance(node, dict):
        return
    if step == "*":
        for key, value in node.items():
            yield from _values(value, rest, f"{where}.{key}")
    elif step.endswith("[]"):
        items = node.get(step[:-2])
        for position, item in enumerate(items if isinstance(items, list) else []):
            yield from _values(item, rest, f"{where}.{step[:-2]}[{position}]")
    elif step in node:
        yield from _values(node[step], rest, f"{where}.{step}")


#: Connect resource ARN: instance id, resource kind, resource id.
_CONNECT_ARN = re.compile(
    r"^arn:aws[-a-z]*:connect:[-a-z0-9]+:\d{12}:instance/([-A-Za-z0-9]+)/([-a-z]+)/([-A-Za-z0-9]+)$"
)


def connect_arn(value: str) -> tuple[str, str, str] | None:
    """``(instance id, kind, resource id)`` of a Connect resource ARN, else None."""
    match = _CONNECT_ARN.match(value)
    return (match.group(1), match.group(2), match.group(3)) if match else None
