"""``Custom::S3Objects``: put files into a bucket at deploy time, touching only its own.

The bucket usually holds other objects (a site bucket, an upload bucket), so every object
this resource writes carries a metadata marker with the resource's owner hash (stack id,
logical id, bucket). Ownership is read back from that marker, never from a prefix: Update
writes the new set and then removes only objects that still carry the marker and are no
longer wanted; Delete removes only objects that still carry it. An object someone else
wrote (or overwrote since) is never deleted, and a write over a key holding someone else's
object is refused before anything is written unless ``ReplaceExisting`` is true.

The physical id is ``s3objects://<bucket>/<owner>``: Delete finds its objects from the id
alone (it lists the bucket under the resource's Prefix when the properties are readable,
otherwise the whole bucket, and reads each object's marker). Bucket is createOnly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from providers.core import owned_objects
from providers.core.aws import error_code
from providers.core.errors import ProviderError, made
from providers.core.ids import short_hash
from providers.core.owned_objects import is_missing
from providers.core.provider import Provider, ReadResult, Result
from providers.s3_objects import sources
from providers.s3_objects.sources import Item

PID_PREFIX = "s3objects://"


def physical_id(bucket: str, owner: str) -> str:
    return f"{PID_PREFIX}{bucket}/{owner}"


def parse_physical_id(pid: str | None) -> tuple[str, str] | None:
    if not pid or not pid.startswith(PID_PREFIX):
        return None
    bucket, _, owner = pid[len(PID_PREFIX) :].partition("/")
    return (bucket, owner) if bucket and owner and "/" not in owner else None


def foreign_reason(keys: list[str], bucket: str) -> str:
    shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
    return (
        f"Objects: s3://{bucket} already holds {len(keys)} object(s) this resource did not write ({shown}); "
        "choose other keys or another Prefix, remove those objects, "
        "or set ReplaceExisting: true to take them over"
    )


def _file_view(content_type: str, cache_control: str, etag: str) -> dict[str, str]:
    return {"ContentType": content_type, "CacheControl": cache_control, "ETag": etag.strip('"')}


class S3Objects(Provider):
    resource_type = "Custom::S3Objects"
    #: Where the objects came from and how they were written: S3 keeps only the result, which
    #: read reports as ``Files`` (key -> content type, cache control, ETag).
    READ_VIEWS = ("Files",)
    NOT_READ = ("Prefix", "Objects", "Archive", "CacheControl", "ReplaceExisting")
    #: Rewriting the objects with another Cache-Control keeps every key: the rehearsal's change.
    REHEARSE_IN_PLACE = ("CacheControl",)

    def create(self) -> Result:
        return self._publish(previous_prefix=None)

    def update(self) -> Result:
        return self._publish(previous_prefix=str(self.old_properties.get("Prefix") or ""))

    def delete(self) -> None:
        parsed = parse_physical_id(self.physical_id)
        if parsed is None:
            return
        bucket, owner = parsed
        prefix = self.properties.get("Prefix")
        listing_prefix = prefix if isinstance(prefix, str) and bucket == self.properties.get("Bucket") else ""
        for key in self._owned_keys(bucket, owner, listing_prefix):
            self._delete_if_ours(bucket, key, owner)

    # -- steps --------------------------------------------------------------------------------
    def owner(self, bucket: str) -> str:
        return short_hash(self.request.stack_id, self.request.logical_id, bucket)

    def _items(self) -> list[Item]:
        props = self.properties
        prefix, cache = str(props.get("Prefix") or ""), str(props["CacheControl"])
        items = sources.inline_items(props.get("Objects") or [], prefix, cache)
        archive = props.get("Archive")
        if archive:
            data = self._read_archive(archive)
            rules = {
                str(k).lower(): str(v) for k, v in (archive.get("CacheControlByExtension") or {}).items()
            }
            items += sources.archive_items(data, prefix, cache, rules)
        if not items:
            raise ProviderError("Objects: give at least one object in Objects or an Archive")
        sources.check_unique(items)
        return items

    def _publish(self, previous_prefix: str | None) -> Result:
        bucket = str(self.properties["Bucket"])
        owner = self.owner(bucket)
        items = self._items()
        if not self.properties["ReplaceExisting"]:
            foreign = [item.key for item in items if self._foreign(bucket, item.key, owner)]
            if foreign:
                raise ProviderError(foreign_reason(foreign, bucket))
        pid = physical_id(bucket, owner)
        etags: dict[str, str] = {}
        with made(pid):
            for item in items:
                etags[item.key] = self._write(bucket, item, owner)
            if previous_prefix is not None and not self.replacing:
                wanted = set(etags)
                scope = sources.common_prefix(previous_prefix, str(self.properties.get("Prefix") or ""))
                for key in self._owned_keys(bucket, owner, scope):
                    if key not in wanted:
                        self._delete_if_ours(bucket, key, owner)
        return Result(pid, {"ObjectCount": len(etags), "Digest": sources.digest(etags)})

    def _write(self, bucket: str, item: Item, owner: str) -> str:
        s3 = self.client("s3")
        common = {
            "Bucket": bucket,
            "Key": item.key,
            "ContentType": item.content_type,
            "CacheControl": item.cache_control,
            "Metadata": owned_objects.marker(owner),
        }
        if item.copy_source is not None:
            src_bucket, src_key = item.copy_source
            try:
                reply = s3.copy_object(
                    CopySource={"Bucket": src_bucket, "Key": src_key}, MetadataDirective="REPLACE", **common
                )
            except Exception as exc:
                if is_missing(exc):
                    raise ProviderError(
                        f"{item.origin}.Source: s3://{src_bucket}/{src_key} does not exist"
                    ) from exc
                raise
            return str(reply.get("CopyObjectResult", {}).get("ETag", "")).strip('"')
        reply = s3.put_object(Body=item.body or b"", **common)
        return str(reply.get("ETag", "")).strip('"')

    def _read_archive(self, archive: Mapping[str, Any]) -> bytes:
        where = f"s3://{archive['Bucket']}/{archive['Key']}"
        try:
            reply = self.client("s3").get_object(Bucket=archive["Bucket"], Key=archive["Key"])
        except Exception as exc:
            if is_missing(exc):
                raise ProviderError(f"Archive: {where} does not exist") from exc
            raise
        data = bytes(reply["Body"].read(sources.MAX_ARCHIVE_BYTES + 1))
        if len(data) > sources.MAX_ARCHIVE_BYTES:
            raise ProviderError(f"Archive: {where} is larger than {sources.MAX_ARCHIVE_BYTES} bytes")
        return data

    # -- read ---------------------------------------------------------------------------------
    def read(self) -> ReadResult | None:
        """The objects carrying this resource's marker (the owner is in the physical id), as
        ``Files``; the listing is narrowed to the desired ``Prefix`` when it is given as a hint,
        else it covers the bucket. None when the bucket is gone."""
        parsed = parse_physical_id(self.physical_id)
        if parsed is None:
            return None
        bucket, owner = parsed
        try:
            self.client("s3").head_bucket(Bucket=bucket)
        except Exception as exc:
            if is_missing(exc):
                return None
            raise
        prefix = str(self.properties.get("Prefix") or "") if self.properties.get("Bucket") == bucket else ""
        files: dict[str, Any] = {}
        s3 = self.client("s3")
        for key in self._listed_keys(bucket, prefix):
            found = owned_objects.head(s3, bucket, key)
            if found is not None and owned_objects.owned_by(found, owner):
                files[key] = _file_view(
                    found.get("ContentType", ""), found.get("CacheControl", ""), found.get("ETag", "")
                )
        etags = {k: v["ETag"] for k, v in files.items()}
        data = {"ObjectCount": len(files), "Digest": sources.digest(etags)}
        return ReadResult({"Bucket": bucket, "Files": files, **data}, data)

    def desired_read(self) -> dict[str, Any]:
        """The objects the properties describe (archives and copy sources read, never
        written); an ETag is the MD5 of the content, as S3 gives it for a single-part object
        without SSE-KMS."""
        files: dict[str, Any] = {}
        for item in self._items():
            if item.copy_source is not None:
                source = owned_objects.head(self.client("s3"), *item.copy_source)
                etag = str((source or {}).get("ETag", ""))
            else:
                etag = hashlib.md5(item.body or b"", usedforsecurity=False).hexdigest()
            files[item.key] = _file_view(item.content_type, item.cache_control, etag)
        return {"Bucket": self.properties["Bucket"], "Files": files}

    # -- S3 helpers ---------------------------------------------------------------------------
    def _foreign(self, bucket: str, key: str, owner: str) -> bool:
        return owned_objects.foreign(owned_objects.head(self.client("s3"), bucket, key), owner)

    def _listed_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        paginator = self.client("s3").get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for entry in page.get("Contents", []):
                    yield str(entry["Key"])
        except Exception as exc:
            if error_code(exc) != "NoSuchBucket":
                raise

    def _owned_keys(self, bucket: str, owner: str, prefix: str) -> list[str]:
        """Keys under ``prefix`` whose object carries this resource's marker right now."""
        return [
            key
            for key in list(self._listed_keys(bucket, prefix))
            if not self._foreign_or_gone(bucket, key, owner)
        ]

    def _foreign_or_gone(self, bucket: str, key: str, owner: str) -> bool:
        return not owned_objects.owned_by(owned_objects.head(self.client("s3"), bucket, key), owner)

    def _delete_if_ours(self, bucket: str, key: str, owner: str) -> None:
        """Delete only while the marker is on the object: someone's later upload stays."""
        owned_objects.delete_if_owned(self.client("s3"), bucket, key, owner)
