"""Flows the Flow language documentation says are invalid, one documented rule each.

Each case is a (name, content, flow type, rule id, action identifier or None, message
fragment). Content is a JSON string (so that not-JSON and length cases fit); the unit tests
run them through the pure validator and the integration tests through CreateContactFlow.
"""

from __future__ import annotations

import copy
import json
from typing import Any, NamedTuple


class Case(NamedTuple):
    name: str
    content: str
    flow_type: str
    rule: str
    identifier: str | None
    fragment: str


def base() -> dict[str, Any]:
    """A small valid inbound flow: say hello, then hang up."""
    return {
        "Version": "2019-10-30",
        "StartAction": "hello",
        "Metadata": {"entryPointPosition": {"x": 20, "y": 20}},
        "Actions": [
            {
                "Identifier": "hello",
                "Type": "MessageParticipant",
                "Parameters": {"Text": "Hello"},
                "Transitions": {
                    "NextAction": "bye",
                    "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}],
                },
            },
            {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
        ],
    }


def _with(change: Any) -> str:
    document = copy.deepcopy(base())
    change(document)
    return json.dumps(document)


def _hello(document: dict[str, Any]) -> dict[str, Any]:
    return dict(document["Actions"][0])


def _set(path: str, value: Any) -> Any:
    """A change that sets ``Actions[0].<path>`` (dots descend) to ``value``."""

    def change(document: dict[str, Any]) -> None:
        node = document["Actions"][0]
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return change


def _top(key: str, value: Any = None, delete: bool = False) -> Any:
    def change(document: dict[str, Any]) -> None:
        if delete:
            del document[key]
        else:
            document[key] = value

    return change


def _many_actions(document: dict[str, Any]) -> None:
    chain = [
        {
            "Identifier": f"step-{i}",
            "Type": "UpdateFlowLoggingBehavior",
            "Parameters": {"FlowLoggingBehavior": "Enabled"},
            "Transitions": {"NextAction": f"step-{i + 1}" if i < 250 else "hello"},
        }
        for i in range(1, 251)
    ]
    document["StartAction"] = "step-1"
    document["Actions"] = chain + document["Actions"]


def _rename_first(name: str) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["Actions"][0]["Identifier"] = name
        document["StartAction"] = name

    return change


def _duplicate(document: dict[str, Any]) -> None:
    document["Actions"][1]["Identifier"] = "hello"


def _nested(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = {"Operator": "Equals", "Operands": ["x"]}
    for _ in range(depth - 1):
        condition = {"Operator": "Equals", "Operands": [condition]}
    return condition


def _condition(condition: dict[str, Any]) -> Any:
    return _set("Transitions.Conditions", [{"NextAction": "bye", "Condition": condition}])


_L = "connect.flow."
CASES: list[Case] = [
    Case("empty content", "", "CONTACT_FLOW", _L + "content-length", None, "1 to 256000"),
    Case(
        "content over 256000 characters",
        json.dumps({**base(), "Metadata": {"n": "x" * 256_000}}),
        "CONTACT_FLOW",
        _L + "content-length",
        None,
        "1 to 256000",
    ),
    Case(
        "not JSON", '{"Version": "2019-10-30", ', "CONTACT_FLOW", _L + "json-object", None, "not valid JSON"
    ),
    Case("a JSON list", "[1, 2]", "CONTACT_FLOW", _L + "json-object", None, "JSON object"),
    Case("no Version", _with(_top("Version", delete=True)), "CONTACT_FLOW", _L + "version", None, "missing"),
    Case(
        "wrong Version",
        _with(_top("Version", "2020-01-01")),
        "CONTACT_FLOW",
        _L + "version",
        None,
        "2020-01-01",
    ),
    Case(
        "no StartAction",
        _with(_top("StartAction", delete=True)),
        "CONTACT_FLOW",
        _L + "start-action",
        None,
        "missing",
    ),
    Case(
        "StartAction to nothing",
        _with(_top("StartAction", "nowhere")),
        "CONTACT_FLOW",
        _L + "start-action",
        None,
        "nowhere",
    ),
    Case("no Actions", _with(_top("Actions", delete=True)), "CONTACT_FLOW", _L + "actions", None, "missing"),
    Case(
        "Actions not a list",
        _with(_top("Actions", {"hello": {}})),
        "CONTACT_FLOW",
        _L + "actions",
        None,
        "not a list",
    ),
    Case("more than 250 actions", _with(_many_actions), "CONTACT_FLOW", _L + "actions", None, "at most 250"),
    Case(
        "an action that is not an object",
        _with(lambda d: d["Actions"].append("oops")),
        "CONTACT_FLOW",
        _L + "actions",
        None,
        "Actions[2]",
    ),
    Case(
        "action without Identifier",
        _with(lambda d: d["Actions"][1].pop("Identifier")),
        "CONTACT_FLOW",
        _L + "identifier",
        None,
        "no Identifier",
    ),
    Case(
        "Identifier of 51 characters",
        _with(_rename_first("x" * 51)),
        "CONTACT_FLOW",
        _L + "identifier",
        "x" * 51,
        "at most 50",
    ),
    Case(
        "Identifier with a colon",
        _with(_rename_first("play:hello")),
        "CONTACT_FLOW",
        _L + "identifier",
        "play:hello",
        "not allowed: :",
    ),
    Case(
        "Identifier with a slash",
        _with(_rename_first("a/b")),
        "CONTACT_FLOW",
        _L + "identifier",
        "a/b",
        "not allowed: /",
    ),
    Case(
        "Identifier with braces",
        _with(_rename_first("{x}")),
        "CONTACT_FLOW",
        _L + "identifier",
        "{x}",
        "not allowed",
    ),
    Case(
        "Identifier __proto__",
        _with(_rename_first("__proto__")),
        "CONTACT_FLOW",
        _L + "identifier",
        "__proto__",
        "reserved",
    ),
    Case("duplicate Identifier", _with(_duplicate), "CONTACT_FLOW", _L + "identifier", "hello", "not unique"),
    Case(
        "action without Type",
        _with(lambda d: d["Actions"][0].pop("Type")),
        "CONTACT_FLOW",
        _L + "action-type",
        "hello",
        "missing",
    ),
    Case(
        "unknown action type",
        _with(_set("Type", "PlayPrompt")),
        "CONTACT_FLOW",
        _L + "action-type",
        "hello",
        "PlayPrompt",
    ),
    Case(
        "loop prompt in an inbound flow",
        _with(_set("Type", "MessageParticipantIteratively")),
        "CONTACT_FLOW",
        _L + "action-per-flow-type",
        "hello",
        "CONTACT_FLOW",
    ),
    Case(
        "dequeue outside a customer queue flow",
        _with(_set("Type", "DequeueContactAndTransferToQueue")),
        "QUEUE_TRANSFER",
        _L + "action-per-flow-type",
        "hello",
        "QUEUE_TRANSFER",
    ),
    Case(
        "play prompt in a hold flow",
        json.dumps(base()),
        "CUSTOMER_HOLD",
        _L + "action-per-flow-type",
        "hello",
        "CUSTOMER_HOLD",
    ),
    Case(
        "transfer to flow in a whisper flow",
        _with(_set("Type", "TransferToFlow")),
        "AGENT_WHISPER",
        _L + "action-per-flow-type",
        "hello",
        "AGENT_WHISPER",
    ),
    Case(
        "NextAction to nothing",
        _with(_set("Transitions.NextAction", "gone")),
        "CONTACT_FLOW",
        _L + "transition-targets",
        "hello",
        "gone",
    ),
    Case(
        "error branch to nothing",
        _with(_set("Transitions.Errors", [{"NextAction": "void", "ErrorType": "NoMatchingError"}])),
        "CONTACT_FLOW",
        _L + "transition-targets",
        "hello",
        "Errors[0].NextAction void",
    ),
    Case(
        "condition branch to nothing",
        _with(
            _set(
                "Transitions.Conditions",
                [{"NextAction": "nil", "Condition": {"Operator": "Equals", "Operands": ["1"]}}],
            )
        ),
        "CONTACT_FLOW",
        _L + "transition-targets",
        "hello",
        "Conditions[0].NextAction nil",
    ),
    Case(
        "error without ErrorType",
        _with(_set("Transitions.Errors", [{"NextAction": "bye"}])),
        "CONTACT_FLOW",
        _L + "action-shapes",
        "hello",
        "ErrorType",
    ),
    Case(
        "unknown operator",
        _with(_condition({"Operator": "Matches", "Operands": ["a.*"]})),
        "CONTACT_FLOW",
        _L + "conditions",
        "hello",
        "Matches",
    ),
    Case(
        "conditions six deep",
        _with(_condition(_nested(6))),
        "CONTACT_FLOW",
        _L + "conditions",
        "hello",
        "deeper than 5",
    ),
    Case(
        "Transitions not an object",
        _with(_set("Transitions", ["bye"])),
        "CONTACT_FLOW",
        _L + "action-shapes",
        "hello",
        "Transitions must be an object",
    ),
    Case(
        "Parameters not an object",
        _with(_set("Parameters", "Hello")),
        "CONTACT_FLOW",
        _L + "action-shapes",
        "hello",
        "Parameters must be an object",
    ),
    Case(
        "two event hooks in one action",
        _with(_set("Type", "UpdateContactEventHooks")),
        "CONTACT_FLOW",
        _L + "event-hooks-one-entry",
        "hello",
        "only one entry",
    ),
    Case(
        "Metadata not an object",
        _with(_top("Metadata", "exported")),
        "CONTACT_FLOW",
        _L + "metadata-free-form",
        None,
        "object",
    ),
]
# The event-hooks case needs two hooks in its Parameters.
_doc = json.loads(CASES[-2].content)
_doc["Actions"][0]["Parameters"] = {
    "EventHooks": {"CustomerQueue": "$.Attributes.a", "AgentWhisper": "$.Attributes.b"}
}
CASES[-2] = CASES[-2]._replace(content=json.dumps(_doc))
del _doc
