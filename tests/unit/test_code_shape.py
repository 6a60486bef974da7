"""The shape the developers' guide asks of product code: functions short enough to read in one
screen (about 60 lines). Complexity is ruff's C901 (pyproject.toml); length has no ruff rule."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("providers", "gapfill", "functions")
MAX_LINES = 60


def long_functions(root: Path = ROOT, limit: int = MAX_LINES) -> list[str]:
    found = []
    for package in PRODUCT:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > limit:
                        found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_product_function_is_longer_than_sixty_lines() -> None:
    assert long_functions() == []


def test_the_scan_finds_a_long_function(tmp_path: Path) -> None:
    (tmp_path / "providers").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "providers" / "long.py").write_text(f"def long():\n{body}\n", encoding="utf-8")
    assert long_functions(tmp_path) == [f"providers/long.py:1 long ({MAX_LINES + 1} lines)"]
