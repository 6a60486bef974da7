"""``gapfill flows template FILE...`` and ``gapfill flows export --instance ARN``.

``template`` turns exported flows (Flow-language content, a DescribeContactFlow answer, a
``{Name, Type, Content}`` file) into content for ``Custom::ConnectContactFlow``: every queue,
flow, prompt, hours, flow module, agent, Lambda function and Lex V2 bot alias that an action
names by ARN or id becomes a placeholder (``${Queue:Support}``), named from the export's
Metadata or, with ``--instance ARN`` (the exporting instance; ``--local``/``--endpoint-url``
for an emulator), from that instance. What cannot be named is listed on stderr, with why;
the exit code is then 1. ``--yaml`` prints a ready template resource instead of content;
``--out DIR`` writes one file per flow. ``--corpus DIR --report`` runs over a folder of
exports and fails if any Connect ARN that Metadata names is left.

``export`` writes an instance's flows (or ``--name NAME``) as ``{Name, Type, Description,
Content}`` files into ``--out DIR`` (one flow to stdout without it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gapfill import flowexport, flowtemplate, versioning


def register(actions: Any) -> None:
    template = actions.add_parser("template", help="exported flows -> portable content", description=__doc__)
    template.formatter_class = argparse.RawDescriptionHelpFormatter
    template.add_argument("files", nargs="*", type=Path, metavar="FILE", help="exported flow files")
    template.add_argument("--yaml", action="store_true", help="print a Custom::ConnectContactFlow resource")
    template.add_argument(
        "--type", dest="flow_type", help="with --yaml: the flow type, if the file does not say"
    )
    template.add_argument(
        "--adopt", action="store_true", help="with --yaml: AdoptExisting: true (an instance's default flows)"
    )
    template.add_argument("--out", type=Path, metavar="DIR", help="write one file per flow here")
    template.add_argument("--corpus", type=Path, metavar="DIR", help="report over every *.json in DIR")
    template.add_argument("--report", action="store_true", help="with --corpus: list every ARN left")
    _target(template, "name things from this (the exporting) instance")
    template.set_defaults(func=run_template)
    export = actions.add_parser("export", help="fetch flows from an instance", description=__doc__)
    export.formatter_class = argparse.RawDescriptionHelpFormatter
    export.add_argument("--name", help="only the flow with this name")
    export.add_argument(
        "--out", type=Path, metavar="DIR", help="write one {Name, Type, Content} file per flow"
    )
    _target(export, "the instance to export from (required)")
    export.set_defaults(func=run_export)


def _target(parser: argparse.ArgumentParser, instance_help: str) -> None:
    parser.add_argument("--instance", metavar="ARN", help=instance_help)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--local", action="store_true", help="the embedded emulator")
    where.add_argument("--endpoint-url", help="an emulator already running (e.g. from `gapfill emulator`)")


@contextlib.contextmanager
def _clients(args: argparse.Namespace) -> Iterator[tuple[Any, Any]]:
    """Connect and Lex V2 clients in the instance's region (through the emulator if asked)."""
    import boto3

    emulator = None
    if args.local:
        from gapfill.emulator import start_emulator

        emulator = start_emulator()
    region = args.instance.split(":")[3] if args.instance.count(":") >= 5 else "us-east-1"
    try:
        with emulator.applied() if emulator else contextlib.nullcontext():
            yield (
                boto3.client("connect", region_name=region, endpoint_url=args.endpoint_url),
                boto3.client("lexv2-models", region_name=region, endpoint_url=args.endpoint_url),
            )
    finally:
        if emulator is not None:
            emulator.stop()


def _instance_id(arn: str) -> str:
    return arn.rsplit("instance/", 1)[-1].split("/", 1)[0]


def run_export(args: argparse.Namespace) -> int:
    if not args.instance:
        print("gapfill flows export: --instance ARN is required", file=sys.stderr)
        return 2
    if not args.out and not args.name:
        print("gapfill flows export: give --out DIR (or --name NAME for one flow on stdout)", file=sys.stderr)
        return 2
    try:
        with _clients(args) as (connect, _lex):
            flows = flowexport.export_flows(connect, _instance_id(args.instance), args.name)
    except Exception as exc:
        if not hasattr(exc, "response"):
            raise
        print(f"gapfill flows export: {args.instance}: {exc}", file=sys.stderr)
        return 1
    if not flows:
        print(
            f"gapfill flows export: no flow {'named ' + repr(args.name) + ' ' if args.name else ''}in "
            f"{args.instance}",
            file=sys.stderr,
        )
        return 1
    if not args.out:
        print(json.dumps(flows[0], indent=2, ensure_ascii=False))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for flow in flows:
        (args.out / f"{slug(flow['Name'])}.json").write_text(
            json.dumps(flow, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    print(f"gapfill flows export: {len(flows)} flow(s) written to {args.out}", file=sys.stderr)
    return 0


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "flow"


def run_template(args: argparse.Namespace) -> int:
    if args.corpus:
        return _corpus(args.corpus, args.report)
    if not args.files:
        print("gapfill flows template: give FILE... or --corpus DIR", file=sys.stderr)
        return 2
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"gapfill flows template: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    if (args.local or args.endpoint_url) and not args.instance:
        print("gapfill flows template: --local/--endpoint-url need --instance ARN", file=sys.stderr)
        return 2
    names: dict[str, str] = {}
    if args.instance:
        try:
            with _clients(args) as (connect, lex):
                names = flowexport.live_names(connect, lex, _instance_id(args.instance))
        except Exception as exc:
            if not hasattr(exc, "response"):
                raise
            print(f"gapfill flows template: {args.instance}: {exc}", file=sys.stderr)
            return 1
    status = 0
    for path in args.files:
        status = max(status, _one(path, names, args))
    return status


def _one(path: Path, names: dict[str, str], args: argparse.Namespace) -> int:
    try:
        export = flowtemplate.parse_export(path.read_text(encoding="utf-8"), str(path))
    except flowtemplate.ExportError as exc:
        print(f"gapfill flows template: {exc}", file=sys.stderr)
        return 1
    result = flowtemplate.template(export.content, names)
    export.flow_type = export.flow_type or args.flow_type
    text = (
        yaml_resource(export, result.content, path, args.adopt)
        if args.yaml
        else _content_text(result.content)
    )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / (path.stem + (".yaml" if args.yaml else ".json"))).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    left = [u for u in result.unnamed if not u.reason.startswith("an AWS-managed")]
    print(f"{path}: {len(result.rewritten)} reference(s) rewritten, {len(left)} left", file=sys.stderr)
    for item in left:
        print(f"  action {item.action} {item.parameter}: {item.value}: {item.reason}", file=sys.stderr)
    return 1 if left else 0


def _content_text(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def yaml_resource(
    export: flowtemplate.Export, content: dict[str, Any], path: Path, adopt: bool = False
) -> str:
    """A ``Custom::ConnectContactFlow`` resource for a template, content inline as a block."""
    import yaml

    class Literal(str):
        pass

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(
        Literal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    )
    name = export.name or path.stem
    props: dict[str, Any] = {
        "ServiceToken": {
            "Fn::ImportValue": {
                "Fn::Sub": "${ProvidersStackName}-"
                + versioning.current().alias
                + "-ConnectContactFlow-ServiceToken"
            }
        },
        "InstanceArn": {"Ref": "InstanceArn"},
        "Name": name,
        "Type": export.flow_type or "CONTACT_FLOW",
    }
    if export.description:
        props["Description"] = export.description
    if adopt:
        props["AdoptExisting"] = True
    props["Content"] = Literal(_content_text(content))
    logical = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part) or "Imported"
    resource = {f"{logical[:240]}Flow": {"Type": "Custom::ConnectContactFlow", "Properties": props}}
    return str(yaml.dump(resource, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100))


def _corpus(folder: Path, report: bool) -> int:
    files = sorted(folder.glob("*.json"))
    if not files:
        print(f"gapfill flows template: {folder} holds no *.json", file=sys.stderr)
        return 2
    totals = {"legacy": 0, "rewritten": 0, "arns": 0, "arns_rewritten": 0}
    reasons: dict[str, int] = {}
    failures: list[str] = []
    for path in files:
        failures += _corpus_file(path, report, totals, reasons)
    print(
        f"corpus: {len(files)} files, {totals['legacy']} not convertible; {totals['rewritten']} "
        f"references rewritten; Connect ARNs in Parameters: {totals['arns_rewritten']} of "
        f"{totals['arns']} rewritten"
    )
    for reason, count in sorted(reasons.items()):
        print(f"  left {count}: {reason}")
    for failure in failures:
        print(f"FAILED: {failure}: Metadata names this ARN but it was left", file=sys.stderr)
    return 1 if failures else 0


def _corpus_file(path: Path, report: bool, totals: dict[str, int], reasons: dict[str, int]) -> list[str]:
    """Count one export into ``totals``/``reasons``; the ARNs it wrongly left."""
    try:
        export = flowtemplate.parse_export(path.read_text(encoding="utf-8"), path.name)
    except flowtemplate.ExportError as exc:
        totals["legacy"] += 1
        print(f"{path.name}: not converted: {exc}")
        return []
    result = flowtemplate.template(export.content)
    rewritten = [r for r in result.rewritten if flowtemplate.CONNECT_ARN.match(r.value)]
    left = flowtemplate.left_arns(result)
    totals["rewritten"] += len(result.rewritten)
    totals["arns_rewritten"] += len(rewritten)
    totals["arns"] += len(rewritten) + len(left)
    for item in left:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
        if report:
            print(f"{path.name}: left: action {item.action} {item.parameter}: {item.reason}")
    return [
        f"{path.name}: action {u.action} {u.parameter}"
        for u in flowtemplate.named_left(export.content, result)
    ]
