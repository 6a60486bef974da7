"""``gapfill docs``: regenerate (or check) the reference pages from ``schemas/``."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("docs", help="generate docs/<Type>.md from schemas/ (and docs/examples/)")
    parser.add_argument(
        "--check", action="store_true", help="only report pages that are out of date (exit 1)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gapfill.docs.generate import ROOT, write

    stale = write(check=args.check)
    for path in stale:
        print(("out of date: " if args.check else "wrote ") + str(path.relative_to(ROOT)))
    if args.check and stale:
        print("run `gapfill docs` to regenerate")
        return 1
    return 0
