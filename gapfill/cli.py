"""The ``gapfill`` command line: emulator, invoke, deploy, lint, package, docs."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from gapfill import __version__
from gapfill.commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gapfill",
        description=(
            "CloudFormation custom resources for the gaps around Amazon Connect, S3 notifications, "
            "Firehose encryption and generated pages: run them locally, lint templates, build and deploy."
        ),
    )
    parser.add_argument("--version", action="version", version=f"gapfill {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time (it is replaced by test capture)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _logs_to_stderr() -> None:
    """Provider logs go to stderr so that what a command prints on stdout can be piped."""
    import logging

    from providers.core.log import logger

    for handler in logging.getLogger(logger.name).handlers:
        # Only the handler powertools made for stdout; handlers others attached stay as they are.
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__):
            handler.stream = _CurrentStderr()  # not setStream: that flushes the old stream, maybe closed


def main(argv: Sequence[str] | None = None) -> int:
    _logs_to_stderr()
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
