"""``gapfill invoke``: run one provider through the real protocol and print the response.

CloudFormation's side is played locally (a loopback ResponseURL); the provider's AWS calls
go to the embedded emulator (``--local``), to an emulator you started
(``--endpoint-url``), or to the AWS account your environment is configured for.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REQUESTS = ("Create", "Update", "Delete")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "invoke",
        help="run one custom resource request through the protocol and print the response",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("type", metavar="TYPE", help="resource type, e.g. Custom::S3BucketNotification")
    parser.add_argument("--request", choices=REQUESTS, required=True, help="CloudFormation request type")
    parser.add_argument("--properties", default="{}", help="ResourceProperties as JSON, or @file.json")
    parser.add_argument("--old-properties", help="OldResourceProperties for Update (JSON or @file)")
    parser.add_argument("--physical-id", help="PhysicalResourceId for Update and Delete")
    parser.add_argument("--logical-id", default="Resource", help="LogicalResourceId (default: Resource)")
    parser.add_argument("--request-id", help="RequestId (default: random); repeat one to test idempotency")
    parser.add_argument("--stack-name", default="gapfill-invoke", help="stack name used to build the StackId")
    parser.add_argument("--function-timeout", type=float, default=900.0, help="Lambda timeout to emulate (s)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--local", action="store_true", help="start the embedded emulator and run against it")
    target.add_argument("--endpoint-url", help="an emulator already running (e.g. from `gapfill emulator`)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="with --local: keep the emulator serving afterwards (Ctrl-C stops)",
    )
    parser.set_defaults(func=run)


def load_json(value: str | None, what: str) -> dict[str, Any]:
    """Parse ``value`` as JSON or, when it starts with ``@``, as the JSON in that file."""
    if value is None:
        return {}
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"gapfill invoke: {what} is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise SystemExit(f"gapfill invoke: {what} must be a JSON object")
    return parsed


def _checked_inputs(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The request's properties (and old properties), refused before anything starts."""
    properties = load_json(args.properties, "--properties")
    old = load_json(args.old_properties, "--old-properties") if args.old_properties else None
    if args.request in ("Update", "Delete") and not args.physical_id:
        raise SystemExit(f"gapfill invoke: --physical-id is required for {args.request}")
    if args.request == "Update" and old is None:
        raise SystemExit("gapfill invoke: --old-properties is required for Update")
    return properties, old


def _target(args: argparse.Namespace, properties: dict[str, Any]) -> Any:
    """Start the embedded emulator (``--local``) or point at ``--endpoint-url``; the emulator or None."""
    if args.local:
        from gapfill.emulator import start_emulator
        from gapfill.local.prerequisites import ensure_for

        emulator = start_emulator()
        os.environ.update(emulator.env())
        print(f"embedded emulator: {emulator.endpoint}", file=sys.stderr)
        for line in ensure_for(args.type, properties):
            print(f"prepared in the emulator: {line}", file=sys.stderr)
        return emulator
    if args.endpoint_url:
        from gapfill.emulator.server import EMULATOR_ENV

        for key, value in EMULATOR_ENV.items():
            os.environ.setdefault(key, value)
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    return None


def _send(args: argparse.Namespace, properties: dict[str, Any], old: dict[str, Any] | None) -> Any:
    from gapfill.local.protocol import LocalCloudFormation

    with LocalCloudFormation(stack_name=args.stack_name, function_timeout=args.function_timeout) as cfn:
        kw: dict[str, Any] = {"logical_id": args.logical_id}
        if args.request_id:
            kw["request_id"] = args.request_id
        event = cfn.event(
            args.request, args.type, properties, physical_id=args.physical_id, old_properties=old, **kw
        )
        return cfn.send(event)


def _show_state(
    args: argparse.Namespace, emulator: Any, physical_id: str, properties: dict[str, Any]
) -> None:
    """What the resource is in the emulator now (``--local``), and serve on with ``--keep``."""
    from gapfill.local.prerequisites import describe

    state = describe(args.type, physical_id, properties)
    if state is not None:
        print("state in the emulator:", file=sys.stderr)
        print(json.dumps(state, indent=2, default=str), file=sys.stderr)
    if args.keep:
        from gapfill.local.serve import wait_until_interrupted

        print(f"emulator still serving on {emulator.endpoint}; Ctrl-C to stop", file=sys.stderr)
        wait_until_interrupted()


def run(args: argparse.Namespace) -> int:
    properties, old = _checked_inputs(args)
    emulator = _target(args, properties)
    try:
        answer = _send(args, properties, old)
        if not answer.puts:
            print(json.dumps({"Status": "NO RESPONSE", "Reason": "the handler sent no response"}, indent=2))
            return 1
        print(json.dumps(answer.body, indent=2))
        if emulator is not None:
            _show_state(args, emulator, answer.physical_id, properties)
        return 0 if answer.status == "SUCCESS" else 1
    finally:
        if emulator is not None:
            emulator.stop()
