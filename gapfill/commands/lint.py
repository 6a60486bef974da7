"""``gapfill lint [PATHS]``: cfn-lint with gapfill's Custom:: schema rules, nested stacks included."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="lint templates with cfn-lint and the Custom:: schema rules",
        description=(
            "Run cfn-lint on the templates (default: templates/) and their local nested stacks, "
            "checking every Custom:: resource against schemas/. Exit code 2 on errors, 4 on warnings."
        ),
    )
    parser.add_argument("paths", nargs="*", default=["templates"], help="template files or folders")
    parser.add_argument("--schemas", type=Path, default=None, help="schema folder (default: schemas/)")
    parser.add_argument("--region", action="append", default=None, help="region(s) to lint for")
    parser.add_argument("--ignore-checks", nargs="+", default=None, metavar="RULE", help="rule ids to skip")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gapfill.lint import exit_code, lint_paths

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"gapfill lint: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    findings = lint_paths(
        args.paths, schema_dir=args.schemas, regions=args.region, ignore_checks=args.ignore_checks
    )
    for finding in findings:
        print(finding)
    code = exit_code(findings)
    if not findings:
        print("gapfill lint: no problems found", file=sys.stderr)
    return code
