"""The pure parts of ``Custom::S3Objects``: content types, keys, archive safety, uniqueness."""

from __future__ import annotations

import io
import zipfile

import pytest

from providers.core.errors import ProviderError
from providers.s3_objects import sources


def test_content_types_are_guessed_with_a_charset_for_text() -> None:
    assert sources.content_type_for("a/index.html") == "text/html; charset=utf-8"
    assert sources.content_type_for("app.js") == "text/javascript; charset=utf-8"
    assert sources.content_type_for("logo.png") == "image/png"
    assert sources.content_type_for("blob.unknownext") == "application/octet-stream"
    assert sources.content_type_for("x.html", "text/plain") == "text/plain"


def test_keys_join_the_prefix_as_a_folder() -> None:
    assert sources.join_key("", "a.txt") == "a.txt"
    assert sources.join_key("site/", "a.txt") == "site/a.txt"
    assert sources.join_key("site", "a.txt") == "site/a.txt"


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "a\\b", "a//b"])
def test_archive_members_that_escape_are_refused(name: str) -> None:
    with pytest.raises(ProviderError, match="not a plain relative path"):
        sources.safe_member(name)


def test_archive_folders_are_skipped_and_cache_rules_apply_by_extension() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("assets/", b"")
        archive.writestr("assets/app.JS", b"x")
        archive.writestr("index.html", b"<p>")
    items = sources.archive_items(buffer.getvalue(), "web/", "no-cache", {".js": "max-age=9"})
    by_key = {item.key: item for item in items}
    assert set(by_key) == {"web/assets/app.JS", "web/index.html"}
    assert by_key["web/assets/app.JS"].cache_control == "max-age=9"
    assert by_key["web/index.html"].cache_control == "no-cache"


def test_one_source_per_object_and_one_object_per_key() -> None:
    with pytest.raises(ProviderError, match=r"Objects\[0\]: give exactly one"):
        sources.inline_items([{"Key": "a", "Content": "x", "Source": {"Bucket": "b", "Key": "k"}}], "", "c")
    items = sources.inline_items(
        [{"Key": "a", "Content": "x"}, {"Key": "a", "ContentBase64": "eA=="}], "", "c"
    )
    with pytest.raises(ProviderError, match=r"Objects\[1\]: key 'a' is also written by Objects\[0\]"):
        sources.check_unique(items)


def test_the_digest_changes_with_any_etag() -> None:
    assert sources.digest({"a": "1", "b": "2"}) == sources.digest({"b": "2", "a": "1"})
    assert sources.digest({"a": "1", "b": "2"}) != sources.digest({"a": "1", "b": "3"})
