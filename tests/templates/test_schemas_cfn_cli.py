"""Every schema in schemas/ passes cloudformation-cli's own resource-schema loader.

cloudformation-cli pins versions that clash with the project's, so it lives in its own venv
(.tools/cfn-cli, made by scripts/tool-venvs.sh) and is driven through a subprocess.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CFN_CLI_PYTHON = REPO / ".tools" / "cfn-cli" / "bin" / "python"
SCHEMAS = sorted((REPO / "schemas").glob("*.json"))

pytestmark = pytest.mark.tools

#: Loads each file given on the command line; prints {path: {"error": ..., "warnings": [...]}}.
LOADER = r"""
import json, logging, sys
from rpdk.core.data_loaders import load_resource_spec
from rpdk.core.exceptions import SpecValidationError

class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []
    def emit(self, record):
        self.messages.append(record.getMessage())

results = {}
for path in sys.argv[1:]:
    collect = Collect()
    logging.getLogger().addHandler(collect)
    error = None
    try:
        with open(path, encoding="utf-8") as handle:
            load_resource_spec(handle)
    except SpecValidationError as exc:
        cause = exc.__cause__
        error = str(getattr(cause, "message", cause)) if cause is not None else str(exc)[:500]
    except Exception as exc:
        error = type(exc).__name__ + ": " + str(exc)
    finally:
        logging.getLogger().removeHandler(collect)
    results[path] = {"error": error, "warnings": collect.messages}
print(json.dumps(results))
"""


def load_with_cfn_cli(paths: list[Path]) -> dict[str, dict[str, Any]]:
    assert CFN_CLI_PYTHON.exists(), "run scripts/tool-venvs.sh (it makes .tools/cfn-cli)"
    proc = subprocess.run(
        [str(CFN_CLI_PYTHON), "-c", LOADER, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    return load_with_cfn_cli(SCHEMAS)


def test_there_are_schemas() -> None:
    assert SCHEMAS


@pytest.mark.parametrize("schema", SCHEMAS, ids=[p.stem for p in SCHEMAS])
def test_schema_passes_cloudformation_cli_loader(schema: Path, results: dict[str, dict[str, Any]]) -> None:
    outcome = results[str(schema)]
    assert outcome["error"] is None, f"{schema.name}: {outcome['error']}"


def test_loader_rejects_an_unknown_top_level_keyword(tmp_path: Path) -> None:
    """The check can fail: a schema with an extra top-level key is refused."""
    good = json.loads(SCHEMAS[0].read_text(encoding="utf-8"))
    bad = tmp_path / "Bad.json"
    bad.write_text(json.dumps({**good, "examples": [{"a": 1}]}), encoding="utf-8")
    outcome = load_with_cfn_cli([bad])[str(bad)]
    assert outcome["error"] is not None
    assert "examples" in outcome["error"]
