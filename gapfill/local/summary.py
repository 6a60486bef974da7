"""What the local job prints at the end: the table of every operation, the pages written, what
the rehearsal skipped, the count, and the exit code."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from gapfill.local.model import Row

if TYPE_CHECKING:
    from gapfill.local.deployment import LocalDeployment


def render_table(rows: list[Row]) -> str:
    """The final table: one line per operation, of every stack played."""
    headers = ("stack", "resource", "type", "operation", "status", "physical id", "code", "time")
    body = [
        (
            r.stack,
            r.logical_id,
            r.resource_type,
            r.operation,
            r.status,
            _clip(r.physical_id, 56),
            r.code_version or "-",
            f"{r.seconds:.2f}s",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join([line, "  ".join("-" * w for w in widths), *lines])


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def summary(
    deployments: list[LocalDeployment],
    pages: list[Path],
    errors: list[str],
    started: float,
    notes: list[str] | None = None,
) -> int:
    """Print the end of the job; the exit code: 2 when a template could not be played, 1 when an
    operation failed or none ran, else 0."""
    rows = [row for deployment in deployments for row in deployment.rows]
    if rows:
        print("\n" + render_table(rows), flush=True)
    for page in pages:
        print(
            f"\ngenerated page written to {page} — open it with: xdg-open {page} (or any browser)", flush=True
        )
    for deployment in deployments:
        for note in deployment.skipped:
            print(f"rehearsal: {note}", flush=True)
    for note in notes or []:
        print(f"rehearsal: {note}", flush=True)
    failed = [row for row in rows if row.status != "SUCCESS"]
    names = ", ".join(d.root_template.name for d in deployments) or "nothing"
    seconds = time.time() - started
    print(
        f"\n{len(rows) - len(failed)}/{len(rows)} operations succeeded ({names}) in {seconds:.1f}s",
        flush=True,
    )
    if errors:
        return 2
    return 1 if failed or not rows else 0


def print_iam_report(output: Path) -> None:
    """The calls the providers made, checked against each role's policy (written in full to
    ``output``)."""
    from gapfill.emulator.iam import report as iam_report

    print(f"\n{iam_report.table()}\n  (details: {iam_report.write(output / 'iam-report.json')})", flush=True)
