"""``aws cloudformation package`` semantics, without the AWS calls.

Local paths in a template (a nested stack's ``TemplateURL``, a function's ``Code`` or
``CodeUri``, a layer's content) are replaced by the S3 locations they will be uploaded to,
recursively for nested templates. Keys are content addressed
(``<prefix>/<sha256>.<ext>``): an unchanged artefact keeps its key, so re-deploying uploads
nothing and CloudFormation sees no change, while any change yields a new key and therefore a
real update (a nested template's key changes when anything below it changes, since its text
carries its children's keys). Directories are zipped reproducibly.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapfill.bundling import zipbuild
from gapfill.local.template import load


class PackageError(ValueError):
    """A local artefact a template names cannot be found or used."""


#: (resource type, property) -> what the local path is and how the S3 location is written.
#:   "template": a nested template, replaced by its https URL
#:   "code-s3":  a zip, replaced by {S3Bucket, S3Key}
#:   "code-uri": a zip, replaced by s3://bucket/key (SAM's form)
LOCAL_PATH_PROPERTIES: dict[tuple[str, str], str] = {
    ("AWS::CloudFormation::Stack", "TemplateURL"): "template",
    ("AWS::Serverless::Application", "Location"): "template",
    ("AWS::Lambda::Function", "Code"): "code-s3",
    ("AWS::Lambda::LayerVersion", "Content"): "code-s3",
    ("AWS::Serverless::Function", "CodeUri"): "code-uri",
    ("AWS::Serverless::LayerVersion", "ContentUri"): "code-uri",
}


def template_url(bucket: str, region: str, key: str) -> str:
    """The https URL CloudFormation accepts for a template in S3 (regional virtual host)."""
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{bucket}.s3.{region}.{domain}/{key}"


def _is_remote(value: str) -> bool:
    return value.startswith(("s3://", "https://", "http://"))


@dataclass
class Packager:
    """Collects what must be uploaded; :meth:`package` returns the rewritten root template."""

    bucket: str
    region: str
    prefix: str = "gapfill"
    #: key -> bytes, in the order they were produced (children before parents).
    uploads: dict[str, bytes] = field(default_factory=dict)
    #: key -> local path it came from, for the progress output.
    sources: dict[str, str] = field(default_factory=dict)

    def key_for(self, data: bytes, ext: str) -> str:
        return f"{self.prefix}/{hashlib.sha256(data).hexdigest()}.{ext}"

    def _add(self, data: bytes, ext: str, source: Path) -> str:
        key = self.key_for(data, ext)
        self.uploads[key] = data
        self.sources[key] = str(source)
        return key

    def add_file(self, path: Path) -> str:
        """Add a built artefact (a function zip) as it is; returns its content-addressed key."""
        return self._add(path.read_bytes(), path.suffix.lstrip(".") or "bin", path)

    def package(self, path: Path) -> dict[str, Any]:
        """Rewrite ``path`` (and everything below it) to S3 locations; returns the template."""
        return self._package(path.resolve(), ())

    def package_and_add(self, path: Path) -> str:
        """Package ``path`` and add the root template itself; returns its https URL."""
        body = self.render(self.package(path))
        return template_url(self.bucket, self.region, self._add(body, "template", path))

    @staticmethod
    def render(template: Mapping[str, Any]) -> bytes:
        return json.dumps(template, indent=1, sort_keys=False).encode()

    def _package(self, path: Path, stack: tuple[Path, ...]) -> dict[str, Any]:
        if path in stack:
            raise PackageError(f"{path.name} includes itself through nested stacks")
        if not path.is_file():
            raise PackageError(f"template {path} does not exist")
        template = copy.deepcopy(load(path))
        for logical_id, resource in (template.get("Resources") or {}).items():
            if not isinstance(resource, dict):
                continue
            props = resource.get("Properties")
            if not isinstance(props, dict):
                continue
            for (rtype, prop), kind in LOCAL_PATH_PROPERTIES.items():
                value = props.get(prop)
                if resource.get("Type") != rtype or not isinstance(value, str) or _is_remote(value):
                    continue
                local = (path.parent / value).resolve()
                where = f"{path.name}: {logical_id}.{prop}"
                if not local.exists():
                    raise PackageError(f"{where}: {value} does not exist")
                if kind == "template":
                    child = self._package(local, (*stack, path))
                    key = self._add(self.render(child), "template", local)
                    props[prop] = template_url(self.bucket, self.region, key)
                    continue
                key = self._add(self._zip(local, where), "zip", local)
                props[prop] = (
                    {"S3Bucket": self.bucket, "S3Key": key}
                    if kind == "code-s3"
                    else f"s3://{self.bucket}/{key}"
                )
        return template

    @staticmethod
    def _zip(local: Path, where: str) -> bytes:
        if local.is_file():
            if local.suffix not in (".zip", ".jar"):
                raise PackageError(f"{where}: {local.name} is neither a directory nor a zip")
            return local.read_bytes()
        entries = {
            name: file
            for file in sorted(local.rglob("*"))
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc"
            for name in [file.relative_to(local).as_posix()]
        }
        if not entries:
            raise PackageError(f"{where}: {local} is empty")
        with tempfile.TemporaryDirectory(prefix="gapfill-package-") as tmp:
            out = Path(tmp) / "code.zip"
            zipbuild.write_zip(entries, out)
            return out.read_bytes()
