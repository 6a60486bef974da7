"""``gapfill flows check``: flow files checked against the documented Flow language without an
account, references checked in an instance (an emulator here), and the corpus mode that CI runs
over real exported flows (here over a small corpus written by the test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gapfill.cli import main
from tests.integration.connect.connect_setup import make_instance
from tests.unit.connect.flow_cases import CASES, base

ROOT = Path(__file__).resolve().parents[2]
EXPORTED = ROOT / "tests" / "fixtures" / "flows" / "exported-main.json"


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def test_valid_files_pass_and_problems_name_their_action(tmp_path: Path, capsys: Any) -> None:
    broken = base()
    broken["Actions"][0]["Type"] = "PlayPrompt"
    broken["Actions"][0]["Transitions"]["NextAction"] = "nowhere"
    bad = write(tmp_path, "bad.json", broken)
    good = write(tmp_path, "good.json", base())
    assert main(["flows", "check", "--type", "CONTACT_FLOW", str(good), str(EXPORTED)]) == 0
    assert main(["flows", "check", "--type", "CONTACT_FLOW", str(good), str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{bad}: action hello: Type PlayPrompt is not a documented action type" in out
    assert f"{bad}: action hello: Transitions.NextAction nowhere does not match any action Identifier" in out
    assert not [line for line in out if line.startswith(str(good))]


@pytest.mark.parametrize("case", CASES[:: max(1, len(CASES) // 8)], ids=lambda c: c.name)
def test_documented_invalid_cases_fail_the_check(tmp_path: Path, capsys: Any, case: Any) -> None:
    path = write(tmp_path, "case.json", case.content)
    assert main(["flows", "check", "--type", case.flow_type, str(path)]) == 1
    assert case.fragment in capsys.readouterr().out


def test_describe_envelope_gives_content_and_flow_type(tmp_path: Path, capsys: Any) -> None:
    loop = base()
    loop["Actions"][0]["Type"] = "MessageParticipantIteratively"
    envelope = {"ContactFlow": {"Name": "x", "Type": "CONTACT_FLOW", "Content": json.dumps(loop)}}
    path = write(tmp_path, "described.json", envelope)
    assert main(["flows", "check", str(path)]) == 1
    assert "not supported in flows of type CONTACT_FLOW" in capsys.readouterr().out
    envelope["ContactFlow"]["Type"] = "CUSTOMER_QUEUE"
    assert main(["flows", "check", str(write(tmp_path, "queue.json", envelope))]) == 0


def test_usage_errors(tmp_path: Path, capsys: Any) -> None:
    assert main(["flows", "check", str(tmp_path / "missing.json")]) == 2
    assert main(["flows", "check", "--type", "IVR", str(EXPORTED)]) == 2
    assert main(["flows", "check"]) == 2
    assert main(["flows", "check", "--endpoint-url", "http://127.0.0.1:1", str(EXPORTED)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_instance_check_names_foreign_and_missing_references(
    aws: Any, unique: Any, emulator: Any, capsys: Any
) -> None:
    _, instance_arn = make_instance(aws, unique)
    args = [
        "flows",
        "check",
        "--type",
        "CONTACT_FLOW",
        "--instance",
        instance_arn,
        "--endpoint-url",
        emulator.endpoint,
    ]
    assert main([*args, str(EXPORTED)]) == 1
    out = capsys.readouterr().out
    assert out.count("belongs to another instance") == 4
    assert "action 3e9d6285-cf4a-4bad-9e58-9a3c6bcd4f7a: Parameters.LambdaFunctionARN" in out
    assert "escalationQueueArn" not in out, "contact attribute values are free text"
    assert "Metadata" not in out


def test_instance_check_resolves_placeholders_by_name(
    tmp_path: Path, aws: Any, unique: Any, emulator: Any, capsys: Any
) -> None:
    instance_id, instance_arn = make_instance(aws, unique)
    flow = base()
    flow["Actions"].insert(
        0,
        {
            "Identifier": "queue",
            "Type": "UpdateContactTargetQueue",
            "Parameters": {"QueueId": "${Queue:Support}"},
            "Transitions": {"NextAction": "hello"},
        },
    )
    flow["StartAction"] = "queue"
    path = write(tmp_path, "placeholders.json", flow)
    args = ["flows", "check", "--instance", instance_arn, "--endpoint-url", emulator.endpoint, str(path)]
    assert main(args) == 1
    assert "${Queue:Support}: no queue in instance" in capsys.readouterr().out
    hours = aws("connect").list_hours_of_operations(InstanceId=instance_id)["HoursOfOperationSummaryList"][0]
    aws("connect").create_queue(InstanceId=instance_id, Name="Support", HoursOfOperationId=hours["Id"])
    assert main(args) == 0


def test_local_checks_against_a_new_emulated_instance(tmp_path: Path, capsys: Any) -> None:
    flow = base()
    flow["Actions"][0]["Parameters"] = {"PromptId": "${Prompt:Beep.wav}"}
    path = write(tmp_path, "beep.json", flow)
    assert main(["flows", "check", "--local", "--type", "CONTACT_FLOW", str(path)]) == 0
    assert "new instance" in capsys.readouterr().err


def _corpus(folder: Path, rows: list[tuple[str, str, str, Any]]) -> Path:
    lines = ["id\trepo\tcommit\tpath\tflow_type\tnote\tchars"]
    for flow_id, flow_type, note, document in rows:
        write(folder, f"{flow_id}.json", document)
        lines.append(f"{flow_id}\towner/repo\t0\tx.json\t{flow_type}\t{note}\t0")
    (folder / "SOURCES.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_corpus_mode_excludes_templates_and_legacy_exports_by_note(tmp_path: Path, capsys: Any) -> None:
    mustache = base()
    mustache["Actions"][0]["Parameters"] = {"PromptId": "{{prompts.Beep_wav.arn}}"}
    legacy = {"modules": [], "version": "1", "type": "contactFlow", "start": "x", "metadata": {}}
    folder = _corpus(
        tmp_path,
        [
            (
                "exported",
                "CONTACT_FLOW",
                "export:hardcoded-arns",
                json.loads(EXPORTED.read_text(encoding="utf-8")),
            ),
            ("rules", "CONTACT_FLOW", "template:{{mustache}}", mustache),
            ("cfn", "CONTACT_FLOW", "cfn-fn-sub:Main", base()),
            ("old", "CONTACT_FLOW", "legacy-console-export", legacy),
        ],
    )
    assert main(["flows", "check", "--corpus", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "exported: accepted (CONTACT_FLOW)" in out
    assert "rules: excluded (template:{{mustache}}): an unrendered template" in out
    assert "cfn: excluded (cfn-fn-sub:Main)" in out
    assert "old: excluded (legacy-console-export): the legacy console export format" in out
    assert "corpus: 1 of 1 flows accepted, 0 false rejection(s); 3 of 4 excluded" in out


def test_corpus_mode_fails_on_a_false_rejection(tmp_path: Path, capsys: Any) -> None:
    folder = _corpus(tmp_path, [("hold", "CUSTOMER_HOLD", "export", base())])
    assert main(["flows", "check", "--corpus", str(folder)]) == 1
    assert "hold: REJECTED:" in capsys.readouterr().out
