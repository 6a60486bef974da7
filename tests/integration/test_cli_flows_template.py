"""``gapfill flows template``/``export`` from the command line: output shapes, the ready YAML
resource, the legacy format refused with a hint, what was left listed, the corpus mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from gapfill.cli import main
from tests.unit.connect.test_flow_template import QUEUE, export

LEGACY = {"modules": [{"id": "a", "type": "PlayPrompt", "branches": []}], "version": "1", "start": "a"}


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_describe_output_becomes_a_ready_yaml_resource(tmp_path: Path, capsys: Any) -> None:
    described = {
        "ContactFlow": {"Name": "Main line", "Type": "CONTACT_FLOW", "Content": json.dumps(export())}
    }
    path = write(tmp_path, "main.json", described)
    assert main(["flows", "template", "--yaml", str(path)]) == 0
    captured = capsys.readouterr()
    resource = yaml.safe_load(captured.out)["MainLineFlow"]
    assert resource["Type"] == "Custom::ConnectContactFlow"
    props = resource["Properties"]
    assert (props["Name"], props["Type"]) == ("Main line", "CONTACT_FLOW")
    content = json.loads(props["Content"])
    assert content["Actions"][0]["Parameters"]["QueueId"] == "${Queue:Support}"
    assert f"{path}: 9 reference(s) rewritten, 0 left" in captured.err


def test_what_is_left_is_listed_and_fails(tmp_path: Path, capsys: Any) -> None:
    document = export()
    del document["Metadata"]["ActionMetadata"]["q"]
    path = write(tmp_path, "flow.json", document)
    assert main(["flows", "template", "--out", str(tmp_path / "out"), str(path)]) == 1
    err = capsys.readouterr().err
    assert f"action q Parameters.QueueId: {QUEUE}: no name for it in the export's Metadata" in err
    assert (tmp_path / "out" / "flow.json").is_file()


def test_legacy_format_and_usage_errors(tmp_path: Path, capsys: Any) -> None:
    assert main(["flows", "template", str(write(tmp_path, "old.json", LEGACY))]) == 1
    err = capsys.readouterr().err
    assert "legacy console export format" in err
    assert "Missing required field" not in err
    assert main(["flows", "template"]) == 2
    assert main(["flows", "template", str(tmp_path / "missing.json")]) == 2
    assert main(["flows", "template", "--local", str(tmp_path / "old.json")]) == 2
    assert main(["flows", "export", "--out", str(tmp_path)]) == 2


def test_corpus_mode_counts_and_fails_only_on_arns_metadata_names(tmp_path: Path, capsys: Any) -> None:
    write(tmp_path, "good.json", export())
    write(tmp_path, "old.json", LEGACY)
    ambiguous = export()
    ambiguous["Actions"].append(
        {"Identifier": "q2", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": QUEUE}}
    )
    ambiguous["Metadata"]["ActionMetadata"]["q2"] = {"parameters": {"QueueId": {"displayName": "Sales"}}}
    write(tmp_path, "ambiguous.json", ambiguous)
    assert main(["flows", "template", "--corpus", str(tmp_path), "--report"]) == 0
    out = capsys.readouterr().out
    assert "corpus: 3 files, 1 not convertible" in out
    assert "Connect ARNs in Parameters: 12 of 13 rewritten" in out
    assert "left 1: Metadata names it in 2 ways: 'Sales', 'Support'" in out


def test_yaml_for_a_default_flow_adopts_it(tmp_path: Path, capsys: Any) -> None:
    path = write(tmp_path, "hold.json", {"Name": "Default agent hold", "Content": json.dumps(export())})
    assert main(["flows", "template", "--yaml", "--adopt", "--type", "AGENT_HOLD", str(path)]) == 0
    props = yaml.safe_load(capsys.readouterr().out)["DefaultAgentHoldFlow"]["Properties"]
    assert props["AdoptExisting"] is True
    assert props["Type"] == "AGENT_HOLD"


def test_an_unknown_instance_is_a_clear_error(tmp_path: Path, capsys: Any, emulator: Any) -> None:
    missing = "arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-4000-8000-000000000000"
    where = ["--instance", missing, "--endpoint-url", emulator.endpoint]
    assert main(["flows", "export", *where, "--out", str(tmp_path)]) == 1
    assert main(["flows", "template", *where, str(write(tmp_path, "f.json", export()))]) == 1
    err = capsys.readouterr().err
    assert f"gapfill flows export: {missing}: " in err
    assert f"gapfill flows template: {missing}: " in err
    assert "ResourceNotFoundException" in err
