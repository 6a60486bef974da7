"""``gapfill package``: build the Lambda zips without Docker.

Writes ``build/lambda/gapfill-providers.zip`` (the CodeUri of packaging/template.yaml) and
one zip per runtime function the stacks deploy, ``build/lambda/functions/<name>.zip``
(chat_usage, agent_directory), each with a JSON manifest beside it; prints a size summary
per zip, and fails when a Lambda limit would be broken or a function imports something its
zip would not hold. Two builds of the same tree are byte-identical.

``--providers`` or ``--functions`` builds only that part; without either, everything the
stacks need is built.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gapfill.bundling import zipbuild


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "package",
        help="build the providers' and the runtime functions' reproducible Lambda zips (no Docker needed)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=zipbuild.DEFAULT_OUTPUT,
        metavar="DIR",
        help=f"directory for {zipbuild.ZIP_NAME} (default: build/lambda)",
    )
    parser.add_argument(
        "--arch",
        choices=sorted(zipbuild.PLATFORMS),
        default="arm64",
        help="Lambda architecture the compiled wheels are for (default: arm64)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=zipbuild.DEFAULT_CACHE,
        metavar="DIR",
        help="wheel cache (default: build/wheels); a warm cache needs no network",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--providers", action="store_true", help="build only the providers' zip")
    which.add_argument(
        "--functions",
        action="store_true",
        help="build only the runtime functions' zips (build/lambda/functions/)",
    )
    parser.add_argument(
        "--python-version",
        default=zipbuild.PYTHON_VERSION,
        help=argparse.SUPPRESS,  # for tests that run the zip on the host's interpreter
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    results: list[zipbuild.BuildResult] = []
    options = {
        "output_dir": args.output,
        "arch": args.arch,
        "cache": args.cache,
        "python_version": args.python_version,
    }
    try:
        if not getattr(args, "functions", False):
            results.append(zipbuild.build(**options))
        if not getattr(args, "providers", False):
            results.extend(zipbuild.build_functions(**options))
    except zipbuild.BuildError as exc:
        for result in results:
            print(result.summary())
        print(f"gapfill package: {exc}", file=sys.stderr)
        return 1
    print("\n\n".join(result.summary() for result in results))
    return 0
