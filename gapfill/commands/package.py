"""``gapfill package``: build the providers' Lambda zip without Docker.

Writes ``build/lambda/gapfill-providers.zip`` (the CodeUri of packaging/template.yaml) and a
JSON manifest beside it, prints a size summary, and fails when a Lambda limit would be
broken. Two builds of the same tree are byte-identical.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gapfill.build import zipbuild


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "package",
        help="build the providers' reproducible Lambda zip (no Docker needed)",
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
    parser.add_argument(
        "--python-version",
        default=zipbuild.PYTHON_VERSION,
        help=argparse.SUPPRESS,  # for tests that run the zip on the host's interpreter
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        result = zipbuild.build(
            output_dir=args.output, arch=args.arch, cache=args.cache, python_version=args.python_version
        )
    except zipbuild.BuildError as exc:
        print(f"gapfill package: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0
