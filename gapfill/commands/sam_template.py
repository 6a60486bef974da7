"""``gapfill sam-template``: regenerate or verify packaging/template.yaml from schemas/
(and the table of what each provider's role may do in docs/deploy.md).

The providers' SAM template (functions, least-privilege roles, log groups, ServiceToken
exports) is derived from the schemas; run this after adding a schema or a permission, and
``--check`` in CI to catch a template that fell behind.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from gapfill.bundling import iam, samtemplate


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "sam-template",
        help="regenerate (or --check) packaging/template.yaml from schemas/",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--check", action="store_true", help="fail with a diff if the file is out of date")
    parser.add_argument("--schemas", type=Path, default=samtemplate.SCHEMA_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=samtemplate.TEMPLATE_PATH, help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=Path, default=samtemplate.DOCS_PATH, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    specs = samtemplate.load_specs(args.schemas)
    if not specs:
        print(f"gapfill sam-template: no schemas in {args.schemas}", file=sys.stderr)
        return 1
    for spec in specs:
        for action in iam.scoped_actions(spec.schema, spec.suffix):
            if iam.scope_for(action) is iam.UNSCOPED:
                print(
                    f"gapfill sam-template: warning: {spec.resource_type} needs {action}, which has no "
                    "scoping rule in gapfill/bundling/iam.py: granted on Resource '*'",
                    file=sys.stderr,
                )
    text = samtemplate.render(specs)
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    docs = args.docs.read_text(encoding="utf-8") if args.docs.exists() else ""
    new_docs = samtemplate.with_role_table(docs, specs)
    if args.check:
        if docs != new_docs:
            print(f"gapfill sam-template: the role table in {args.docs} is out of date", file=sys.stderr)
            return 1
        if current == text:
            print(f"{args.output} is up to date ({len(specs)} providers)")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{args.output} (committed)",
            tofile=f"{args.output} (from schemas/)",
        )
        sys.stderr.writelines(diff)
        print(
            f"gapfill sam-template: {args.output} is out of date; run `gapfill sam-template`",
            file=sys.stderr,
        )
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    if new_docs != docs:
        args.docs.write_text(new_docs, encoding="utf-8")
        print(f"updated the role table in {args.docs}")
    print(f"wrote {args.output} ({len(specs)} providers: {', '.join(s.suffix for s in specs)})")
    return 0
