"""``Custom::S3Objects`` against moto server over HTTP: sources, headers, ownership."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from gapfill.local.protocol import LocalCloudFormation

TYPE = "Custom::S3Objects"


@pytest.fixture
def bucket(aws: Callable[[str], Any], unique: Callable[[str], str]) -> str:
    name = unique("site")
    aws("s3").create_bucket(Bucket=name)
    aws("s3").put_object(Bucket=name, Key="site/theirs.js", Body=b"someone else's")
    return name


def site_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def keys(aws: Any, bucket: str, prefix: str = "") -> set[str]:
    listing = aws("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return {entry["Key"] for entry in listing.get("Contents", [])}


def test_publishes_a_zipped_static_site_with_types_and_cache_headers(
    cfn: LocalCloudFormation, aws: Any, bucket: str
) -> None:
    artefacts = bucket + "-artefacts"
    aws("s3").create_bucket(Bucket=artefacts)
    files = {"index.html": b"<h1>QR</h1>", "assets/app.js": b"run()", "assets/logo.svg": b"<svg/>"}
    aws("s3").put_object(Bucket=artefacts, Key="site.zip", Body=site_zip(files))
    aws("s3").put_object(Bucket=artefacts, Key="robots.txt", Body=b"User-agent: *")
    props = {
        "Bucket": bucket,
        "Prefix": "site/",
        "Archive": {
            "Bucket": artefacts,
            "Key": "site.zip",
            "CacheControlByExtension": {".js": "public, max-age=31536000, immutable"},
        },
        "Objects": [{"Key": "robots.txt", "Source": {"Bucket": artefacts, "Key": "robots.txt"}}],
    }
    answer = cfn.create(TYPE, props)
    assert answer.ok, answer.reason
    assert answer.data["ObjectCount"] == 4
    s3 = aws("s3")
    page = s3.get_object(Bucket=bucket, Key="site/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == "no-cache"
    script = s3.get_object(Bucket=bucket, Key="site/assets/app.js")
    assert script["ContentType"] == "text/javascript; charset=utf-8"
    assert script["CacheControl"] == "public, max-age=31536000, immutable"
    assert s3.get_object(Bucket=bucket, Key="site/assets/logo.svg")["ContentType"].startswith("image/svg+xml")
    robots = s3.get_object(Bucket=bucket, Key="site/robots.txt")
    assert robots["Body"].read() == b"User-agent: *"
    assert robots["ContentType"] == "text/plain; charset=utf-8"
    assert cfn.delete(TYPE, answer.physical_id, props).ok
    assert keys(aws, bucket) == {"site/theirs.js"}


def test_update_removes_only_its_own_stale_objects(cfn: LocalCloudFormation, aws: Any, bucket: str) -> None:
    props = {
        "Bucket": bucket,
        "Prefix": "site/",
        "Objects": [{"Key": "a.txt", "Content": "a"}, {"Key": "b.txt", "Content": "b"}],
    }
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    # Someone overwrites b.txt: from then on it is theirs.
    aws("s3").put_object(Bucket=bucket, Key="site/b.txt", Body=b"their b")
    new_props = {**props, "Objects": [{"Key": "c.txt", "Content": "c"}]}
    updated = cfn.update(TYPE, created.physical_id, new_props, props)
    assert updated.ok, updated.reason
    assert updated.physical_id == created.physical_id
    assert keys(aws, bucket, "site/") == {"site/b.txt", "site/c.txt", "site/theirs.js"}
    assert aws("s3").get_object(Bucket=bucket, Key="site/b.txt")["Body"].read() == b"their b"
    assert cfn.delete(TYPE, created.physical_id, new_props).ok
    assert keys(aws, bucket, "site/") == {"site/b.txt", "site/theirs.js"}


def test_refuses_to_overwrite_a_foreign_object_unless_asked(
    cfn: LocalCloudFormation, aws: Any, bucket: str
) -> None:
    props = {
        "Bucket": bucket,
        "Prefix": "site/",
        "Objects": [{"Key": "new.txt", "Content": "n"}, {"Key": "theirs.js", "Content": "mine"}],
    }
    refused = cfn.create(TYPE, props)
    assert not refused.ok
    assert "site/theirs.js" in refused.reason
    assert "ReplaceExisting" in refused.reason
    assert keys(aws, bucket) == {"site/theirs.js"}, "a refused create wrote something"
    taken = cfn.create(TYPE, {**props, "ReplaceExisting": True})
    assert taken.ok, taken.reason
    assert aws("s3").get_object(Bucket=bucket, Key="site/theirs.js")["Body"].read() == b"mine"
    assert cfn.delete(TYPE, taken.physical_id, props).ok
    assert keys(aws, bucket) == set()


def test_delete_works_from_the_physical_id_alone(cfn: LocalCloudFormation, aws: Any, bucket: str) -> None:
    props = {"Bucket": bucket, "Objects": [{"Key": "x/y.txt", "Content": "y"}]}
    created = cfn.create(TYPE, props)
    assert created.ok, created.reason
    assert cfn.delete(TYPE, created.physical_id, {"Objects": "not even a list"}).ok
    assert keys(aws, bucket) == {"site/theirs.js"}


def test_an_archive_member_that_climbs_out_is_refused(
    cfn: LocalCloudFormation, aws: Any, bucket: str
) -> None:
    aws("s3").put_object(Bucket=bucket, Key="evil.zip", Body=site_zip({"../escape.html": b"x"}))
    answer = cfn.create(
        TYPE, {"Bucket": bucket, "Prefix": "site/", "Archive": {"Bucket": bucket, "Key": "evil.zip"}}
    )
    assert not answer.ok
    assert "Archive: member '../escape.html'" in answer.reason
