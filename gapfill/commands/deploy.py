"""``gapfill deploy``: deploy the providers stack, then the stack templates.

Real account (default): builds the providers' zip and the runtime functions' zips, uploads
them and the templates (nested ones included) to a deployment bucket, passes the functions'
code location to the root template (FunctionCodeBucket, FunctionCodeKey,
AgentDirectoryFunctionCodeKey, unless the parameter file sets them), and creates or updates
the providers stack and then the root template through change sets, printing stack events
as they happen and the reason of the first failure. It refuses to run without an explicit
target: ``--region`` and ``--account-id`` are required and the credentials must belong to
that account.

  gapfill deploy --region eu-west-2 --account-id 123456789012 \\
      --parameters templates/parameters/prod.json

``--local`` plays the same templates against the embedded emulator instead (no AWS
account, no credentials); ``--rehearse`` and ``--keep`` belong to that mode.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = REPO / "templates" / "main.yaml"
PROVIDERS_TEMPLATE = REPO / "packaging" / "template.yaml"


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "deploy",
        help="deploy the providers and the stacks to an AWS account (or --local to the emulator)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--local", action="store_true", help="deploy to the embedded emulator instead")
    parser.add_argument(
        "--rehearse", action="store_true", help="with --local: also play an update and a delete"
    )
    parser.add_argument(
        "--keep", action="store_true", help="with --local: keep the emulator serving afterwards"
    )
    parser.add_argument(
        "--output", type=Path, metavar="DIR", help="where to write outputs (pages, stack outputs)"
    )
    parser.add_argument(
        "--parameters", type=Path, metavar="FILE", help="parameter file for the root template"
    )
    parser.add_argument(
        "--template", type=Path, metavar="FILE", help="root template (default templates/main.yaml)"
    )
    parser.add_argument("--region", help="AWS region to deploy to (required without --local)")
    parser.add_argument(
        "--account-id", help="AWS account the credentials must belong to (required without --local)"
    )
    parser.add_argument("--profile", help="AWS named profile for the credentials")
    parser.add_argument(
        "--providers-stack",
        default="gapfill-providers",
        metavar="NAME",
        help="providers stack name (default gapfill-providers); exports <NAME>-v<MAJOR>-<Type>-ServiceToken",
    )
    parser.add_argument(
        "--stack-name", default="gapfill", metavar="NAME", help="root stack name (default gapfill)"
    )
    parser.add_argument(
        "--deployment-bucket",
        metavar="NAME",
        help="bucket for the zip and templates (default gapfill-deploy-<account>-<region>, made if missing)",
    )
    parser.add_argument(
        "--arch", choices=("arm64", "x86_64"), default="arm64", help="providers' Lambda architecture"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--providers-only", action="store_true", help="deploy only the providers stack")
    which.add_argument("--skip-providers", action="store_true", help="deploy only the root template")
    parser.add_argument("--poll-seconds", type=float, default=5.0, help=argparse.SUPPRESS)
    parser.add_argument("--build-dir", type=Path, default=None, help=argparse.SUPPRESS)  # for tests
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.local:
        from gapfill.local.job import main as local_main

        return int(local_main(args) or 0)
    problem = check_real_target(args)
    if problem:
        print(f"gapfill deploy: {problem}", file=sys.stderr)
        return 2
    import boto3

    from gapfill.deploy.runner import Deployer

    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    deployer = Deployer(session, out=lambda line: print(line, flush=True), poll_seconds=args.poll_seconds)
    return deploy_real(args, deployer)


def check_real_target(args: argparse.Namespace) -> str | None:
    """Why the arguments do not name an explicit target (None when they do)."""
    if args.rehearse or args.keep:
        return "--rehearse and --keep only apply with --local"
    if not args.region:
        return "--region is required (gapfill never deploys to an implicit region); or use --local"
    if not re.fullmatch(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d", args.region):
        return f"--region '{args.region}' is not an AWS region name"
    if not args.account_id:
        return (
            "--account-id is required: it is checked against the credentials' account before anything "
            "is changed; or use --local"
        )
    if not re.fullmatch(r"\d{12}", args.account_id):
        return "--account-id must be the 12-digit account number"
    if not args.providers_only and args.parameters is None:
        return "--parameters FILE is required for the root template (or --providers-only)"
    return None


def deploy_real(args: argparse.Namespace, deployer: Any) -> int:
    """The whole sequence against whatever ``deployer.session`` points at."""
    from gapfill.bundling import zipbuild
    from gapfill.deploy import params
    from gapfill.deploy.artifacts import PackageError
    from gapfill.deploy.runner import DeployError, default_bucket
    from providers.core import tag_keys

    tags = {tag_keys.DEPLOYED_BY: "gapfill deploy"}
    try:
        account = deployer.verify_identity(args.account_id)
        bucket = args.deployment_bucket or default_bucket(account, args.region)
        deployer.ensure_bucket(bucket, create=args.deployment_bucket is None)
        # Read, check and build everything before changing anything.
        stacks = None if args.providers_only else _prepare_stacks(args, deployer, bucket)
        if not args.skip_providers and not _deploy_providers(args, deployer, bucket, tags):
            return 1
        if stacks is not None and not _deploy_stacks(args, deployer, bucket, stacks, tags):
            return 1
    except (DeployError, PackageError, params.ParameterError, zipbuild.BuildError) as exc:
        print(f"gapfill deploy: {exc}", file=sys.stderr)
        return 2 if type(exc).__name__ == "IdentityMismatchError" else 1
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        (args.output / "stack-outputs.json").write_text(deployer.outputs_json() + "\n", encoding="utf-8")
        deployer.out(f"stack outputs written to {args.output / 'stack-outputs.json'}")
    return 0


def _prepare_stacks(args: argparse.Namespace, deployer: Any, bucket: str) -> tuple[Any, dict[str, str]]:
    """The functions' packager (zips built) and the root stack's parameter values, checked."""
    from gapfill.bundling import zipbuild
    from gapfill.deploy import functions, params
    from gapfill.deploy.artifacts import Packager
    from gapfill.local.template import load

    template = load(args.template or DEFAULT_TEMPLATE)
    given = params.load(args.parameters)
    fill = {"ProvidersStackName": args.providers_stack, "DeploymentBucket": bucket}
    function_plan = functions.plan(template, given, bucket)
    function_packager = Packager(bucket, args.region, prefix=functions.PREFIX)
    zips: dict[str, Path] = {}
    if function_plan.function_names:
        build_dir = getattr(args, "build_dir", None) or zipbuild.DEFAULT_OUTPUT
        for result in zipbuild.build_functions(
            output_dir=build_dir, arch=functions.FUNCTION_ARCH, names=function_plan.function_names
        ):
            deployer.out(result.summary())
            zips[result.path.stem] = result.path
    fill.update(functions.fill(function_plan, function_packager, zips))
    return function_packager, params.fit(template, given, fill)


def _deploy_providers(args: argparse.Namespace, deployer: Any, bucket: str, tags: dict[str, str]) -> bool:
    from gapfill.bundling import zipbuild
    from gapfill.deploy import params
    from gapfill.deploy.artifacts import Packager

    build_dir = getattr(args, "build_dir", None) or zipbuild.DEFAULT_OUTPUT
    result = zipbuild.build(output_dir=build_dir, arch=args.arch)
    deployer.out(result.summary())
    packager = Packager(bucket, args.region, prefix="gapfill/providers")
    url = packager.package_and_add(PROVIDERS_TEMPLATE)
    deployer.upload(packager)
    return bool(
        deployer.deploy_stack(
            args.providers_stack, url, params.as_cfn({"Architecture": args.arch}), tags=tags
        )
    )


def _deploy_stacks(
    args: argparse.Namespace,
    deployer: Any,
    bucket: str,
    stacks: tuple[Any, dict[str, str]],
    tags: dict[str, str],
) -> bool:
    from gapfill.deploy import params
    from gapfill.deploy.artifacts import Packager

    function_packager, root_values = stacks
    deployer.upload(function_packager)
    packager = Packager(bucket, args.region, prefix=f"gapfill/stacks/{args.stack_name}")
    url = packager.package_and_add(args.template or DEFAULT_TEMPLATE)
    deployer.upload(packager)
    return bool(deployer.deploy_stack(args.stack_name, url, params.as_cfn(root_values), tags=tags))
