"""``gapfill flows check FILE...``: contact flow files checked as AWS documents the Flow language.

Without an AWS account: every problem is printed with its action identifier (Version,
StartAction, Identifier rules, documented action types and the flow types they may run in,
transitions to actions that exist, at most 250 actions, content length). With ``--instance
ARN`` it also looks every ID or ARN the flow's action parameters hold up in that instance
(through ``--endpoint-url``, ``--local`` for the embedded emulator, or the AWS account your
environment is configured for). ``--corpus DIR`` checks a folder of real exported flows
listed in its ``SOURCES.tsv`` and fails on any false rejection. Exit code 1 on problems.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gapfill import flowcheck
from gapfill.commands import flows_template


def register(sub: Any) -> None:
    parser = sub.add_parser("flows", help="check, template and export contact flows", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    actions = parser.add_subparsers(dest="flows_command", metavar="ACTION")
    check = actions.add_parser("check", help="validate flow files", description=__doc__)
    check.formatter_class = argparse.RawDescriptionHelpFormatter
    check.add_argument("files", nargs="*", type=Path, metavar="FILE", help="flow content JSON files")
    check.add_argument("--type", dest="flow_type", help="flow type, e.g. CONTACT_FLOW (else from the file)")
    check.add_argument(
        "--corpus", type=Path, metavar="DIR", help="a folder with SOURCES.tsv (id, flow_type, note)"
    )
    check.add_argument("--instance", metavar="ARN", help="also check every reference exists in this instance")
    target = check.add_mutually_exclusive_group()
    target.add_argument(
        "--local", action="store_true", help="use the embedded emulator (a new instance if none)"
    )
    target.add_argument("--endpoint-url", help="an emulator already running (e.g. from `gapfill emulator`)")
    check.set_defaults(func=run)
    flows_template.register(actions)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


def run(args: argparse.Namespace) -> int:
    if args.flow_type and args.flow_type not in flowcheck.flow_language.flow_types():
        known = ", ".join(flowcheck.flow_language.flow_types())
        print(f"gapfill flows check: --type {args.flow_type} is not a flow type ({known})", file=sys.stderr)
        return 2
    if args.endpoint_url and not args.instance:
        print("gapfill flows check: --endpoint-url needs --instance ARN", file=sys.stderr)
        return 2
    if args.corpus:
        return _corpus(args.corpus)
    if not args.files:
        print("gapfill flows check: give FILE... or --corpus DIR", file=sys.stderr)
        return 2
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"gapfill flows check: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    flows = [flowcheck.load(path, args.flow_type) for path in args.files]
    results = [flowcheck.check_language(flow) for flow in flows]
    if args.instance or args.local:
        results += _instance_results(args, flows)
    return _report(results, len(flows))


def _instance_results(args: argparse.Namespace, flows: list[flowcheck.FlowFile]) -> list[flowcheck.Result]:
    import contextlib

    import boto3

    emulator = None
    if args.local:
        from gapfill.emulator import start_emulator

        emulator = start_emulator()
    region = args.instance.split(":")[3] if args.instance and args.instance.count(":") >= 5 else "us-east-1"
    with emulator.applied() if emulator else contextlib.nullcontext():
        try:
            connect = boto3.client("connect", region_name=region, endpoint_url=args.endpoint_url)
            instance = args.instance or _scratch_instance(connect)
            instance_id = instance.rsplit("instance/", 1)[-1].split("/", 1)[0]
            catalog = flowcheck.connect_catalog(connect, instance_id)
            return [flowcheck.check_references(flow, instance_id, catalog) for flow in flows]
        finally:
            if emulator is not None:
                emulator.stop()


def _scratch_instance(connect: Any) -> str:
    """With --local and no --instance: a new emulated instance holding AWS's defaults."""
    created = connect.create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias="flows-check",
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    print(f"embedded emulator: checking against a new instance {created['Arn']}", file=sys.stderr)
    return str(created["Arn"])


def _report(results: list[flowcheck.Result], files: int) -> int:
    bad = sorted({r.path for r in results if r.problems})
    for result in results:
        for finding in result.findings:
            print(
                finding if finding.problem else f"{finding} (note)",
                file=sys.stdout if finding.problem else sys.stderr,
            )
    count = sum(len(r.problems) for r in results)
    print(
        f"gapfill flows check: {files} file(s), {len(bad)} with problems, {count} problem(s)", file=sys.stderr
    )
    return 1 if count else 0


def _corpus(folder: Path) -> int:
    if not (folder / "SOURCES.tsv").is_file():
        print(f"gapfill flows check: {folder} has no SOURCES.tsv", file=sys.stderr)
        return 2
    entries = flowcheck.corpus(folder)
    checked = rejected = 0
    for entry in entries:
        if entry.excluded:
            print(f"{entry.id}: excluded ({entry.note}): {entry.excluded}")
            continue
        checked += 1
        result = flowcheck.check_language(flowcheck.load(entry.path, entry.flow_type))
        if result.problems:
            rejected += 1
            for finding in result.problems:
                print(f"{entry.id}: REJECTED: {finding}")
        else:
            print(f"{entry.id}: accepted ({entry.flow_type})")
    excluded = len(entries) - checked
    print(
        f"corpus: {checked - rejected} of {checked} flows accepted, {rejected} false rejection(s); "
        f"{excluded} of {len(entries)} excluded as not Flow-language content"
    )
    return 1 if rejected else 0
