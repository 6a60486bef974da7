"""The Flow language validator (gapfill.emulator.connect.flow_language) against AWS's
documented rules: every documented-invalid case refused with its rule, real-looking content
accepted, references read from action parameters only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gapfill.emulator import documented
from gapfill.emulator.connect import flow_language as fl
from tests.unit.connect.flow_cases import CASES, Case, base

EXPORTED = Path(__file__).parents[2] / "fixtures" / "flows" / "exported-main.json"


def exported() -> dict[str, Any]:
    return dict(json.loads(EXPORTED.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_documented_invalid_flow_is_refused_with_its_rule(case: Case) -> None:
    problems = fl.validate(case.content, case.flow_type)
    matching = [p for p in problems if p.rule == case.rule and case.fragment in p.message]
    assert matching, [p.text() for p in problems]
    assert matching[0].identifier == case.identifier
    assert documented.catalogue(), "rules are registered"
    assert case.rule in {r.id for r in documented.catalogue()}


def test_at_least_26_documented_invalid_cases_with_distinct_rules() -> None:
    assert len(CASES) >= 26
    assert len({c.rule for c in CASES}) >= 10


def test_valid_flows_have_no_problems() -> None:
    assert fl.validate(json.dumps(base()), "CONTACT_FLOW") == []
    assert fl.validate(exported(), "CONTACT_FLOW") == []


def test_metadata_is_free_form_and_never_a_reference() -> None:
    document = exported()
    foreign = json.dumps(document["Metadata"])
    assert "arn:aws:connect:" in foreign
    assert "arn:aws:lambda:" in foreign
    found = fl.references(document)
    assert {r.kind for r in found} == {"lambda", "operating-hours", "queue", "contact-flow", "prompt"}
    assert all(r.parameter.startswith("Parameters.") for r in found)
    # The queue ARN copied into a contact attribute is free text, not a reference.
    attributes = next(a for a in document["Actions"] if a["Type"] == "UpdateContactAttributes")
    assert not [r for r in found if r.identifier == attributes["Identifier"]]


def test_dynamic_values_are_not_references() -> None:
    document = base()
    document["Actions"][0] = {
        **document["Actions"][0],
        "Type": "UpdateContactTargetQueue",
        "Parameters": {"QueueId": "$.Attributes.queue"},
    }
    assert fl.validate(document, "CONTACT_FLOW") == []
    assert fl.references(document) == []


def test_nested_reference_paths() -> None:
    document = base()
    document["Actions"][0] = {
        "Identifier": "loop",
        "Type": "MessageParticipantIteratively",
        "Parameters": {"Messages": [{"Text": "Please hold"}, {"PromptId": "p-1"}, {"PromptId": "p-2"}]},
        "Transitions": {"NextAction": "bye"},
    }
    document["StartAction"] = "loop"
    assert fl.validate(document, "CUSTOMER_QUEUE") == []
    assert [(r.parameter, r.value) for r in fl.references(document)] == [
        ("Parameters.Messages[1].PromptId", "p-1"),
        ("Parameters.Messages[2].PromptId", "p-2"),
    ]


def test_flow_types_come_from_the_model_and_campaign_is_not_restricted() -> None:
    assert "CAMPAIGN" in fl.flow_types()
    assert set(fl.flow_types()) >= fl.CLASSIC
    document = base()
    document["Actions"][0]["Type"] = "MessageParticipantIteratively"
    assert fl.validate(document, "CAMPAIGN") == []
    assert fl.validate(document, None) == [], "without a flow type no per-type rule applies"


def test_aws_problems_fit_botocore_problems_shape() -> None:
    problems = [fl.Problem("r", "m" * 400, f"a{i}") for i in range(70)]
    rendered = fl.aws_problems(problems)
    assert len(rendered) == 50
    assert all(set(p) == {"message"} and len(p["message"]) <= 256 for p in rendered)
    assert rendered[0]["message"].startswith("Action a0: ")


def test_every_action_type_names_its_documentation_page() -> None:
    for kind, spec in fl.ACTIONS.items():
        assert spec.page, kind
        assert " " not in spec.page, kind
        assert spec.allowed <= fl.CLASSIC, kind


def test_the_docs_page_lists_every_flow_rule() -> None:
    page = (Path(__file__).parents[3] / "docs" / "flow-language.md").read_text(encoding="utf-8")
    for rule in documented.catalogue():
        if rule.id.startswith("connect.flow."):
            assert f"`{rule.id}`" in page, f"docs/flow-language.md does not list {rule.id}"
