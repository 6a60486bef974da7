"""``gapfill drift``: each gapfill resource's live state against what its stack last asked for."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "drift",
        help="compare gapfill resources with what their stack last asked for",
        description=(
            "Read every gapfill resource of a deployed stack (--stack, nested stacks followed) or of "
            "the local main job (--local, after 'gapfill deploy --local --keep') and print, per "
            "property that differs, what the stack asked for and what is live: IN_SYNC, MODIFIED or "
            "DELETED (UNKNOWN when a resource cannot be read). Exit 0 only when all are in sync. "
            "Write-only and password-like values are masked. See docs/drift.md."
        ),
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", metavar="NAME", help="a deployed stack (name or id)")
    where.add_argument("--local", action="store_true", help="the resources 'gapfill deploy --local' recorded")
    parser.add_argument("--region", default=None, help="with --stack: the stack's region")
    parser.add_argument(
        "--record",
        type=Path,
        default=None,
        help="with --local: the record to read (default: .gapfill/local/deployed.json)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from gapfill.drift.check import check_all
    from gapfill.drift.compare import exit_code, render, summary

    try:
        targets, region, notes = _local(args) if args.local else _stack(args)
    except (OSError, LookupError, ValueError, ClientError, BotoCoreError) as exc:
        print(f"gapfill drift: {exc}", file=sys.stderr)
        return 2
    if args.local:
        from gapfill.drift.local import role_signer

        # As each provider's role: an in-process emulator holds the reads to the shipped policy.
        rows = list(check_all(targets, region, role_signer))
    else:
        rows = list(check_all(targets, region))
    print(render(rows))
    for note in notes:
        print(f"note: {note}")
    print(f"\n{len(targets)} gapfill resources: {summary(rows)}")
    return exit_code(rows)


def _local(args: argparse.Namespace) -> tuple[list[Any], str, list[str]]:
    import urllib.request

    from gapfill.drift.local import DEFAULT_OUTPUT, RECORD_NAME, read_record

    path = args.record or DEFAULT_OUTPUT / RECORD_NAME
    if not path.is_file():
        raise OSError(f"no record at {path}: run 'gapfill deploy --local --keep' first")
    endpoint, targets = read_record(path)
    try:
        urllib.request.urlopen(endpoint, timeout=2).close()  # noqa: S310 - the recorded loopback endpoint
    except OSError as exc:
        if not hasattr(exc, "code"):  # an HTTP error status still means something is serving
            raise OSError(
                f"no emulator serving at {endpoint}: keep 'gapfill deploy --local --keep' running"
            ) from exc
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from providers.core.aws import reset_clients

    reset_clients()
    return targets, "us-east-1", []


def _stack(args: argparse.Namespace) -> tuple[list[Any], str | None, list[str]]:
    import boto3

    from gapfill.drift.stack import StackWalk
    from providers import handler
    from providers.core import reading

    region = args.region or boto3.session.Session().region_name

    def attributes(target: Any) -> dict[str, Any]:
        origin = reading.Origin(target.stack_id, target.logical_id)
        live = reading.read(
            target.resource_type,
            target.physical_id,
            handler.resolve,
            region,
            origin=origin,
            hints=target.properties,
        )
        return dict(live.attributes) if live else {}

    walk = StackWalk(boto3.client("cloudformation", region_name=region), attributes)
    walk.walk(args.stack)
    return walk.targets, region, walk.notes
