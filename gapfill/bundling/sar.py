"""Publishing the providers to the AWS Serverless Application Repository (SAR).

What ``sam package`` plus ``sam publish`` do, for this one template: upload the zip, the
LICENSE and the README to an S3 bucket SAR can read, rewrite the template's local paths to
those S3 locations, then create the application (first release) or a new application version
with the packaged template as its body, as ``sam publish`` sends it. SAR versions are
immutable, so publishing a version that exists is refused by SAR (ConflictException) and
reported as such.

The pure parts (the packaged text, the request parameters, the bucket policy check) are
functions that tests call directly; :func:`publish` is the thin layer of AWS calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gapfill.bundling import samtemplate

REPO = samtemplate.REPO
LICENSE = REPO / "LICENSE"
README = REPO / "README.md"
SAR_PRINCIPAL = "serverlessrepo.amazonaws.com"
#: Template lines ``gapfill sam-template`` writes with local paths (relative to packaging/).
LOCAL_PATHS = {
    "CodeUri": samtemplate.CODE_URI,
    "LicenseUrl": "../LICENSE",
    "ReadmeUrl": "../README.md",
}


class PublishError(Exception):
    """Publishing cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Artefacts:
    """Where the packaged template's local paths point once uploaded (``s3://`` URIs)."""

    code: str
    license: str
    readme: str


def metadata(template_text: str) -> dict[str, Any]:
    """The template's ``AWS::ServerlessRepo::Application`` metadata."""
    from gapfill.local.template import loads

    found = loads(template_text).get("Metadata", {}).get("AWS::ServerlessRepo::Application")
    if not isinstance(found, dict):
        raise PublishError("the template has no Metadata AWS::ServerlessRepo::Application")
    return found


def packaged(template_text: str, artefacts: Artefacts) -> str:
    """The template with its local paths replaced by the uploaded locations."""
    replacements = {"CodeUri": artefacts.code, "LicenseUrl": artefacts.license, "ReadmeUrl": artefacts.readme}
    lines = []
    counts = dict.fromkeys(replacements, 0)
    for line in template_text.splitlines(keepends=True):
        out = line
        for key, local in LOCAL_PATHS.items():
            if line.strip() == f"{key}: {local}":
                out = line.replace(local, replacements[key])
                counts[key] += 1
        lines.append(out)
    missing = [key for key, count in counts.items() if count == 0]
    if missing:
        raise PublishError(f"the template has no local {', '.join(missing)} to package")
    return "".join(lines)


def without_listing(template_text: str) -> str:
    """The template as deployed from SAR: its ``AWS::ServerlessRepo::Application`` block goes to
    the listing, not into the body (``sam publish`` strips it the same way)."""
    lines, skipping = [], False
    for line in template_text.splitlines(keepends=True):
        if line.rstrip() == "  AWS::ServerlessRepo::Application:":
            skipping = True
            continue
        if skipping and (line.startswith("    ") or not line.strip()):
            continue
        skipping = False
        lines.append(line)
    return "".join(lines)


def check_manifest(manifest: Mapping[str, Any], version: str, architecture: str) -> None:
    """The zip is the release being published, for the architecture the template defaults to."""
    if manifest.get("version") != version:
        raise PublishError(
            f"the zip is version {manifest.get('version')!r}, the template {version}: run `gapfill package`"
        )
    if manifest.get("arch") != architecture:
        raise PublishError(
            f"the zip is for {manifest.get('arch')}, the template's Architecture default is {architecture}: "
            f"run `gapfill package --arch {architecture}`"
        )


def bucket_readable_by_sar(policy_text: str | None, bucket: str) -> bool:
    """Whether the bucket policy lets SAR read the artefacts (s3:GetObject for its principal)."""
    if not policy_text:
        return False
    for statement in json.loads(policy_text).get("Statement", []):
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if (
            statement.get("Effect") == "Allow"
            and SAR_PRINCIPAL in services
            and any(a in ("s3:GetObject", "s3:*") for a in actions)
            and any(
                r in (f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}/gapfill-sar/*") for r in resources
            )
        ):
            return True
    return False


def required_policy(bucket: str, account: str) -> dict[str, Any]:
    """The statement SAR needs (https://docs.aws.amazon.com/serverlessrepo/latest/devguide/serverlessrepo-how-to-publish.html)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": SAR_PRINCIPAL},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }


def create_request(meta: Mapping[str, Any], template_body: str) -> dict[str, Any]:
    """CreateApplication's parameters (botocore's serverlessrepo model names)."""
    keys = (
        "Name",
        "Description",
        "Author",
        "SpdxLicenseId",
        "LicenseUrl",
        "ReadmeUrl",
        "Labels",
        "HomePageUrl",
        "SemanticVersion",
        "SourceCodeUrl",
    )
    return {**{key: meta[key] for key in keys if key in meta}, "TemplateBody": template_body}


def version_request(meta: Mapping[str, Any], application_id: str, template_body: str) -> dict[str, Any]:
    return {
        "ApplicationId": application_id,
        "SemanticVersion": meta["SemanticVersion"],
        "SourceCodeUrl": meta["SourceCodeUrl"],
        "TemplateBody": template_body,
    }


def update_request(meta: Mapping[str, Any], application_id: str) -> dict[str, Any]:
    """UpdateApplication: the listing follows the new release's metadata."""
    keys = ("Description", "Author", "ReadmeUrl", "Labels", "HomePageUrl")
    return {"ApplicationId": application_id, **{key: meta[key] for key in keys if key in meta}}


def application_id(partition: str, region: str, account: str, name: str) -> str:
    """SAR's ApplicationId is the application's ARN."""
    return f"arn:{partition}:serverlessrepo:{region}:{account}:applications/{name}"


def _key(prefix: str, path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return f"{prefix}/{digest}-{path.name}"


def upload(s3: Any, bucket: str, version: str, zip_path: Path, template_text: str) -> str:
    """Upload the zip, LICENSE and README; returns the packaged template's text."""
    prefix = f"gapfill-sar/{version}"
    uris = {}
    for name, path in (("code", zip_path), ("license", LICENSE), ("readme", README)):
        key = _key(prefix, path)
        s3.upload_file(str(path), bucket, key)
        uris[name] = f"s3://{bucket}/{key}"
    return packaged(template_text, Artefacts(**uris))


def listing(packaged_text: str) -> tuple[dict[str, Any], str]:
    """(the metadata for the listing, the template body) of a packaged template."""
    return metadata(packaged_text), without_listing(packaged_text)


def publish_calls(
    sar: Any, meta: Mapping[str, Any], template_body: str, app_id: str, say: Callable[[str], None]
) -> str:
    """Create the application, or a version of it; returns the ApplicationId."""
    try:
        made = sar.create_application(**create_request(meta, template_body))
        say(f"created application {made['ApplicationId']} at {meta['SemanticVersion']}")
        return str(made["ApplicationId"])
    except sar.exceptions.ConflictException:
        pass
    sar.update_application(**update_request(meta, app_id))
    try:
        sar.create_application_version(**version_request(meta, app_id, template_body))
    except sar.exceptions.ConflictException:
        raise PublishError(
            f"{app_id} already has version {meta['SemanticVersion']}; SAR versions are immutable: "
            "raise providers.__version__ (CHANGELOG.md) and publish again"
        ) from None
    say(f"published version {meta['SemanticVersion']} of {app_id}")
    return app_id
