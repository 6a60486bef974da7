"""benchmarks/run.py --quick runs and prints every row of its table (times are never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_benchmarks_print_every_row() -> None:
    sys.path.insert(0, str(REPO))
    from benchmarks.run import ROWS

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GAPFILL_"))}
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )
    table = done.stdout.split("gapfill benchmarks (quick", 1)
    assert len(table) == 2, f"no table printed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    lines = table[1].splitlines()
    for row in ROWS:
        printed = [line for line in lines if line.startswith(row + " ")]
        assert len(printed) == 1, f"row {row!r} missing from:\n{table[1]}"
        assert " error " not in printed[0], printed[0]
    assert done.returncode == 0, done.stderr[-2000:]
