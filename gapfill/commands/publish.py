"""``gapfill publish``: the providers in the AWS Serverless Application Repository.

Checks that ``packaging/template.yaml`` is what the generator makes and that the zip
(``gapfill package``) is the same version for the template's default architecture, uploads
the zip, LICENSE and README to ``--bucket`` (whose policy must let
``serverlessrepo.amazonaws.com`` read them; the policy to add is printed otherwise), writes the
packaged template to ``--output``, lints it (cfn-lint runs the SAM translator), and creates the
application or a new version of it. ``--dry-run`` stops before the Serverless Application
Repository calls. The same steps with the SAM CLI are in docs/deploy.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gapfill.bundling import samtemplate, zipbuild

DEFAULT_OUTPUT = samtemplate.REPO / "build" / "sar"


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "publish",
        help="publish the providers to the Serverless Application Repository",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--bucket", required=True, help="S3 bucket for the artefacts (SAR must be able to read it)"
    )
    parser.add_argument(
        "--region", required=True, help="region to publish in (named explicitly, as deploys are)"
    )
    parser.add_argument("--profile", help="AWS CLI profile for the credentials")
    parser.add_argument(
        "--zip",
        type=Path,
        default=zipbuild.DEFAULT_OUTPUT / zipbuild.ZIP_NAME,
        help="the providers' zip, its manifest beside it (default: build/lambda/gapfill-providers.zip)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where the packaged template goes"
    )
    parser.add_argument("--dry-run", action="store_true", help="upload and package, but do not call SAR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gapfill.bundling import sar

    try:
        return _publish(args, sar)
    except sar.PublishError as exc:
        print(f"gapfill publish: {exc}", file=sys.stderr)
        return 1


def _check_tree(zip_path: Path) -> tuple[str, dict[str, Any]]:
    from gapfill.bundling import sar
    from gapfill.local.template import loads

    text = samtemplate.TEMPLATE_PATH.read_text(encoding="utf-8")
    if text != samtemplate.generate():
        raise sar.PublishError("packaging/template.yaml is out of date: run `gapfill sam-template`")
    meta = sar.metadata(text)
    manifest_path = zip_path.parent / zipbuild.MANIFEST_NAME
    if not zip_path.is_file() or not manifest_path.is_file():
        raise sar.PublishError(f"no zip and manifest at {zip_path}: run `gapfill package`")
    architecture = str(loads(text)["Parameters"]["Architecture"]["Default"])
    sar.check_manifest(
        json.loads(manifest_path.read_text(encoding="utf-8")), meta["SemanticVersion"], architecture
    )
    return text, meta


def _publish(args: argparse.Namespace, sar: Any) -> int:
    import boto3

    text, meta = _check_tree(args.zip)
    session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
    identity = session.client("sts").get_caller_identity()
    account, partition = identity["Account"], identity["Arn"].split(":")[1]
    s3 = session.client("s3")
    try:
        policy = s3.get_bucket_policy(Bucket=args.bucket)["Policy"]
    except s3.exceptions.ClientError:
        policy = None
    if not sar.bucket_readable_by_sar(policy, args.bucket):
        raise sar.PublishError(
            f"bucket {args.bucket} does not let {sar.SAR_PRINCIPAL} read its objects; add to its policy:\n"
            + json.dumps(sar.required_policy(args.bucket, account), indent=2)
        )
    body = sar.upload(s3, args.bucket, meta["SemanticVersion"], args.zip, text)
    args.output.mkdir(parents=True, exist_ok=True)
    packaged_path = args.output / "template.yaml"
    packaged_path.write_text(body, encoding="utf-8")
    from cfnlint.api import lint_file

    findings = [str(match) for match in lint_file(packaged_path)]
    if findings:
        raise sar.PublishError("the packaged template fails cfn-lint:\n  " + "\n  ".join(findings))
    print(f"packaged {meta['Name']} {meta['SemanticVersion']}: {packaged_path} (cfn-lint clean)")
    app_id = sar.application_id(partition, args.region, account, meta["Name"])
    if args.dry_run:
        print(
            f"dry run: would create {meta['Name']} or publish version {meta['SemanticVersion']} of {app_id}"
        )
        return 0
    listed, template_body = sar.listing(body)
    sar.publish_calls(session.client("serverlessrepo"), listed, template_body, app_id, print)
    return 0
