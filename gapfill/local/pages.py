"""The pages the local job's resources published, copied from the emulator to the output folder
so that they can be opened in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gapfill.local.deployment import LocalDeployment


def write_pages(deployment: LocalDeployment, output: Path) -> list[Path]:
    """Copy every page the created resources published (their type's ``PUBLISHED_PAGE``) from
    the emulator to ``output``."""
    import boto3

    from providers import handler

    written: list[Path] = []
    s3 = boto3.client("s3")
    for custom in deployment.created:
        where = handler.resolve(custom.resource_type).PUBLISHED_PAGE
        if where is None:
            continue
        bucket, key = (custom.properties.get(name) for name in where)
        if not bucket or not key:
            continue
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.ClientError:
            continue
        target = output / Path(str(key)).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.append(target)
    return written
