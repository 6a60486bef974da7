"""What a ``Custom::S3Objects`` resource asks to write, as plain data (no AWS calls).

The properties name objects three ways (inline text or base64, a copy of an object in the
deployment artefact bucket, or the members of a zip archive such as a built static site);
this module turns them into one list of :class:`Item` with final keys, content types and
cache headers, and refuses what would be ambiguous or unsafe (two sources for one object,
two objects for one key, archive members that climb out of the prefix, zip bombs) with a
reason naming the property.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import mimetypes
import posixpath
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.core.errors import ProviderError

#: An archive is read into memory; the Lambda's memory bounds what is sensible.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
#: Expanded size and member count caps protect against zip bombs and runaway deploys.
MAX_EXPANDED_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 5000
DEFAULT_TYPE = "application/octet-stream"
_SOURCES = ("Content", "ContentBase64", "Source")
#: Types mimetypes does not know on every platform, and text types that need a charset.
_EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".map": "application/json",
    ".txt": "text/plain",
}
_CHARSET_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "image/svg+xml",
    "application/manifest+json",
)


@dataclass(frozen=True)
class Item:
    """One object to write: its final key and either bytes or a copy source."""

    key: str
    content_type: str
    cache_control: str
    body: bytes | None = None
    copy_source: tuple[str, str] | None = None
    origin: str = ""  # the property that asked for it, for reasons


def content_type_for(key: str, given: str | None = None) -> str:
    """The Content-Type to store: the one given, else guessed from the key's extension."""
    if given:
        return given
    ext = posixpath.splitext(key)[1].lower()
    guessed = _EXTRA_TYPES.get(ext) or mimetypes.guess_type(key, strict=False)[0] or DEFAULT_TYPE
    if guessed.startswith(_CHARSET_TYPES) and "charset" not in guessed:
        return f"{guessed}; charset=utf-8"
    return guessed


def join_key(prefix: str, name: str) -> str:
    """``Prefix`` + member name; the prefix is taken as a folder when it does not end in /."""
    if not prefix:
        return name
    return prefix + name if prefix.endswith("/") else f"{prefix}/{name}"


def safe_member(name: str) -> str | None:
    """The member's relative path, or None for a folder entry; refuses paths that escape."""
    if name.endswith("/"):
        return None
    if "\\" in name or name.startswith("/") or any(p in ("..", "") for p in name.split("/")):
        raise ProviderError(f"Archive: member {name!r} is not a plain relative path; refusing the archive")
    return name


def inline_items(objects: Iterable[Mapping[str, Any]], prefix: str, cache_control: str) -> list[Item]:
    """``Objects`` entries as items; exactly one of Content, ContentBase64 and Source each."""
    items = []
    for index, obj in enumerate(objects):
        where = f"Objects[{index}]"
        given = [name for name in _SOURCES if obj.get(name) is not None]
        if len(given) != 1:
            raise ProviderError(
                f"{where}: give exactly one of Content, ContentBase64 and Source (got {given or 'none'})"
            )
        key = join_key(prefix, str(obj["Key"]))
        body, copy_source = _source_of(obj, given[0], where)
        items.append(
            Item(
                key=key,
                content_type=content_type_for(key, obj.get("ContentType")),
                cache_control=str(obj.get("CacheControl") or cache_control),
                body=body,
                copy_source=copy_source,
                origin=where,
            )
        )
    return items


def _source_of(obj: Mapping[str, Any], kind: str, where: str) -> tuple[bytes | None, tuple[str, str] | None]:
    """(bytes to write, or the (bucket, key) to copy) for one ``Objects`` entry."""
    if kind == "Source":
        return None, (str(obj["Source"]["Bucket"]), str(obj["Source"]["Key"]))
    if kind == "ContentBase64":
        try:
            return base64.b64decode(str(obj["ContentBase64"]), validate=True), None
        except (binascii.Error, ValueError) as exc:
            raise ProviderError(f"{where}.ContentBase64: not valid base64") from exc
    return str(obj["Content"]).encode("utf-8"), None


def archive_items(data: bytes, prefix: str, cache_control: str, rules: Mapping[str, str]) -> list[Item]:
    """The members of a zip archive as items under ``prefix``, within the size caps."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ProviderError("Archive: the object is not a zip archive") from exc
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise ProviderError(f"Archive: {len(members)} files, more than the {MAX_MEMBERS} allowed")
    if sum(info.file_size for info in members) > MAX_EXPANDED_BYTES:
        raise ProviderError(f"Archive: expands to more than {MAX_EXPANDED_BYTES} bytes; refusing it")
    items = []
    for info in members:
        name = safe_member(info.filename)
        if name is None:
            continue
        key = join_key(prefix, name)
        ext = posixpath.splitext(name)[1].lower()
        items.append(
            Item(
                key=key,
                content_type=content_type_for(key),
                cache_control=rules.get(ext, cache_control),
                body=archive.read(info),
                origin=f"Archive member {name}",
            )
        )
    return items


def check_unique(items: Iterable[Item]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        if item.key in seen:
            raise ProviderError(f"{item.origin}: key {item.key!r} is also written by {seen[item.key]}")
        seen[item.key] = item.origin


def digest(etags: Mapping[str, str]) -> str:
    """A short fingerprint of what was written (key and ETag of every object)."""
    material = "\n".join(f"{key}\t{etags[key]}" for key in sorted(etags))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def common_prefix(*prefixes: str) -> str:
    """The longest prefix shared by all, for one listing that covers old and new objects."""
    return posixpath.commonprefix(list(prefixes)) if prefixes else ""
