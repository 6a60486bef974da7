"""``Custom::HtmlPage``: render an HTML page at deploy time and publish it to S3.

The bucket usually holds other objects (it is the frontend's site bucket), so the provider
touches only the object(s) it wrote (protocol rule 6): every object it puts carries a
metadata marker with the resource's owner hash (stack id + logical id), and Delete removes
an object only while that marker is still there. An object of the same key that someone
else uploaded since is left alone. A Create refuses a key that already holds an object
it did not write (unless ``ReplaceExisting``), and no write ever copies the streams script
over an object it did not write. The physical id is ``s3://<bucket>/<key>``;
Bucket and Key are createOnly, so an Update always overwrites in place under the same id.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from providers.core import owned_objects
from providers.core.errors import ProviderError, made
from providers.core.ids import short_hash
from providers.core.owned_objects import is_missing
from providers.core.provider import Provider, ReadResult, Result
from providers.html_page import ccp_template, sources
from providers.html_page.keys import check_key
from providers.html_page.render import TemplateError, render

SCRIPT_KEY = "gapfill-streams-script"  # on the page: the key of the script copied beside it
MAX_TEMPLATE_BYTES = 1024 * 1024


def page_id(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def parse_page_id(pid: str | None) -> tuple[str, str] | None:
    if not pid or not pid.startswith("s3://"):
        return None
    bucket, _, key = pid[5:].partition("/")
    return (bucket, key) if bucket and key else None


def default_script_key(page_key: str) -> str:
    """Beside the page, so that the relative URL works from S3 and from CloudFront alike."""
    folder = posixpath.dirname(page_key)
    return posixpath.join(folder, "connect-streams-min.js") if folder else "connect-streams-min.js"


def relative_url(from_key: str, to_key: str) -> str:
    """URL of ``to_key`` relative to the page at ``from_key`` (both S3 keys)."""
    rel = posixpath.relpath(to_key, posixpath.dirname(from_key) or ".")
    return quote(rel, safe="/._-~")


def object_url(bucket: str, key: str, region: str | None) -> str:
    host = f"{bucket}.s3.{region}.amazonaws.com" if region else f"{bucket}.s3.amazonaws.com"
    return f"https://{host}/{quote(key, safe='/._-~')}"


def template_choice(properties: Mapping[str, Any]) -> str:
    """Which template source the properties name; exactly one may be given."""
    given = [name for name in ("Template", "TemplateBody", "TemplateLocation") if properties.get(name)]
    if len(given) > 1:
        raise ProviderError(f"{given[1]}: give only one of Template, TemplateBody and TemplateLocation")
    return given[0] if given else "Template"


class HtmlPage(Provider):
    resource_type = "Custom::HtmlPage"
    #: Inputs of the rendering and of the write; the object keeps only their result, which
    #: read reports as ``BodySha256`` (the SHA-256 of the page as S3 holds it).
    READ_VIEWS = ("BodySha256",)
    NOT_READ = (
        "Template",
        "TemplateBody",
        "TemplateLocation",
        "Values",
        "ReplaceExisting",
        "StreamsScriptLocation",
        "DistributionId",
        "DistributionDomainName",
    )
    #: A new Key is a new page beside the old one: the rehearsal's replacement.
    REHEARSE_REPLACEMENT = ("Key",)
    PUBLISHED_PAGE = ("Bucket", "Key")

    def create(self) -> Result:
        bucket, key = str(self.properties["Bucket"]), check_key(str(self.properties["Key"]), "Key")
        head = self._head(bucket, key)
        if (
            head is not None
            and not self._ours(head, self.owner(bucket, key))
            and not self.properties["ReplaceExisting"]
        ):
            # Rule 6: a create never overwrites someone else's object. (A repeated Create, or a
            # retry after a partial failure, finds its own marker and goes on.)
            raise ProviderError(
                f"Key: s3://{bucket}/{key} already holds an object this resource did not write; "
                "choose another Key, remove that object, or set ReplaceExisting: true to take it over"
            )
        return self._publish()

    def update(self) -> Result:
        return self._publish()

    def delete(self) -> None:
        parsed = parse_page_id(self.physical_id)
        if parsed is None:
            return
        bucket, key = parsed
        owner = self.owner(bucket, key)
        head = self._head(bucket, key)
        if head is None:
            # A Create that failed between the script copy and the page's PutObject: the copy
            # is found from the properties, and removed only while our marker is on it.
            if self.properties.get("StreamsScriptLocation"):
                script = str(self.properties.get("StreamsScriptKey") or default_script_key(key))
                self._delete_if_ours(bucket, script, owner)
            return
        if not self._ours(head, owner):
            self.log.info("page object was replaced by someone else; left alone", extra={"phase": "delete"})
            return
        script_key = head.get("Metadata", {}).get(SCRIPT_KEY)
        self._delete_if_ours(bucket, key, owner)
        if script_key:
            self._delete_if_ours(bucket, script_key, owner)

    # -- steps ------------------------------------------------------------------------------------
    def owner(self, bucket: str, key: str) -> str:
        """The marker value for the page at bucket/key (and the script copied for it).

        The page's location is part of it: after a replacement that moves the page, the old
        resource's Delete must not remove a script object the new page now marks as its own.
        """
        return short_hash(self.request.stack_id, self.request.logical_id, bucket, key)

    def _publish(self) -> Result:
        props = self.properties
        bucket, key = str(props["Bucket"]), check_key(str(props["Key"]), "Key")
        choice = template_choice(props)
        owner = self.owner(bucket, key)
        metadata = owned_objects.marker(owner)
        pid = page_id(bucket, key)
        script_key = None
        if choice == "Template" and props.get("StreamsScriptLocation"):
            script_key = check_key(
                str(props.get("StreamsScriptKey") or default_script_key(key)), "StreamsScriptKey"
            )
            sources.check("StreamsScriptLocation", props["StreamsScriptLocation"])
            self._check_script_key(bucket, script_key, owner)
            self._copy_script(bucket, script_key, props["StreamsScriptLocation"], owner)
            metadata[SCRIPT_KEY] = script_key
        # Once the script copy exists every failure names the page's id, so the rollback
        # Delete removes the page and its copy (rule 11); before it, nothing was made.
        with made(pid) if script_key else contextlib.nullcontext():
            body = self._body(choice, key, script_key)
            old_script = self._old_script_key(bucket, key, owner)
            reply = self.client("s3").put_object(
                Bucket=bucket,
                Key=key,
                Body=body.encode("utf-8"),
                ContentType=str(props["ContentType"]),
                CacheControl=str(props["CacheControl"]),
                Metadata=metadata,
            )
        with made(pid):  # the page exists
            if old_script and old_script != script_key:
                # The page no longer points at it; a rollback re-copies it.
                self._delete_if_ours(bucket, old_script, owner)
            self._invalidate(key)
        etag = str(reply.get("ETag", "")).strip('"')
        url = object_url(bucket, key, self.request.region)
        domain = str(props.get("DistributionDomainName") or "").strip().rstrip("/")
        page_url = f"https://{domain}/{quote(key, safe='/._-~')}" if domain else url
        return Result(pid, {"ObjectUrl": url, "ETag": etag, "PageUrl": page_url})

    def _body(self, choice: str, key: str, script_key: str | None) -> str:
        values = dict(self.properties.get("Values") or {})
        if choice == "Template":
            script_url = relative_url(key, script_key) if script_key else None
            return ccp_template.render_page(values, streams_url=script_url)
        props = self.properties
        template = str(props["TemplateBody"]) if choice == "TemplateBody" else self._fetch_template()
        return render(template, values)

    def _fetch_template(self) -> str:
        location = self.properties["TemplateLocation"]
        sources.check("TemplateLocation", location)
        try:
            reply = self.client("s3").get_object(Bucket=location["Bucket"], Key=location["Key"])
        except Exception as exc:
            if is_missing(exc):
                raise ProviderError(
                    f"TemplateLocation: s3://{location['Bucket']}/{location['Key']} does not exist"
                ) from exc
            raise
        raw = reply["Body"].read(MAX_TEMPLATE_BYTES + 1)
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise ProviderError(f"TemplateLocation: the template is larger than {MAX_TEMPLATE_BYTES} bytes")
        try:
            return str(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise TemplateError("TemplateLocation: the template is not UTF-8 text") from exc

    def _check_script_key(self, bucket: str, script_key: str, owner: str) -> None:
        """Rule 6 for the script copy: only over nothing, our own copy, the copy of the page
        this one replaces (same resource, page moved), or with ReplaceExisting."""
        head = self._head(bucket, script_key)
        if head is None or self._ours(head, owner) or self.properties["ReplaceExisting"]:
            return
        old_bucket, old_key = self.old_properties.get("Bucket"), self.old_properties.get("Key")
        if (
            self.replacing
            and old_bucket
            and old_key
            and self._ours(head, self.owner(str(old_bucket), str(old_key)))
        ):
            return
        raise ProviderError(
            f"StreamsScriptKey: s3://{bucket}/{script_key} already holds an object this resource did not "
            "write; choose another StreamsScriptKey, remove that object, or set ReplaceExisting: true "
            "to take it over"
        )

    def _copy_script(self, bucket: str, script_key: str, source: Mapping[str, Any], owner: str) -> None:
        try:
            self.client("s3").copy_object(
                Bucket=bucket,
                Key=script_key,
                CopySource={"Bucket": source["Bucket"], "Key": source["Key"]},
                MetadataDirective="REPLACE",
                ContentType="application/javascript; charset=utf-8",
                CacheControl=str(self.properties["CacheControl"]),
                Metadata=owned_objects.marker(owner),
            )
        except Exception as exc:
            if is_missing(exc):
                raise ProviderError(
                    f"StreamsScriptLocation: s3://{source['Bucket']}/{source['Key']} does not exist"
                ) from exc
            raise

    def _old_script_key(self, bucket: str, key: str, owner: str) -> str | None:
        if self.operation != "Update" or self.replacing:
            return None
        head = self._head(bucket, key)
        if head is None or not self._ours(head, owner):
            return None
        return head.get("Metadata", {}).get(SCRIPT_KEY) or None

    def _invalidate(self, key: str) -> None:
        distribution = str(self.properties.get("DistributionId") or "").strip()
        if not distribution:
            return
        self.client("cloudfront").create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/" + quote(key, safe="/._-~")]},
                # Stable per request: a repeated request does not queue a second invalidation.
                "CallerReference": self.client_token("invalidate")[:64],
            },
        )

    # -- read -------------------------------------------------------------------------------------
    def read(self) -> ReadResult | None:
        """The page object: bucket, key, content type, cache control, the script copy it points
        at, and ``BodySha256`` (a read-only view: any edit of the page shows as a new digest)."""
        parsed = parse_page_id(self.physical_id)
        if parsed is None:
            return None
        bucket, key = parsed
        try:
            reply = self.client("s3").get_object(Bucket=bucket, Key=key)
        except Exception as exc:
            if is_missing(exc):
                return None
            raise
        body = reply["Body"].read()
        props: dict[str, Any] = {
            "Bucket": bucket,
            "Key": key,
            "ContentType": reply.get("ContentType", ""),
            "CacheControl": reply.get("CacheControl", ""),
            "BodySha256": hashlib.sha256(body).hexdigest(),
        }
        script = (reply.get("Metadata") or {}).get(SCRIPT_KEY)
        if script:
            props["StreamsScriptKey"] = script
        data = {
            "ObjectUrl": object_url(bucket, key, self.request.region),
            "ETag": str(reply.get("ETag", "")).strip('"'),
        }
        return ReadResult({**props, **data}, data)

    def desired_read(self) -> dict[str, Any]:
        """The page the properties render (templates fetched, never written) and its digest."""
        props = dict(self.properties)
        key = str(props["Key"])
        choice = template_choice(props)
        script_key = None
        if choice == "Template" and props.get("StreamsScriptLocation"):
            script_key = str(props.get("StreamsScriptKey") or default_script_key(key))
            props["StreamsScriptKey"] = script_key
        else:
            props.pop("StreamsScriptKey", None)
        body = self._body(choice, key, script_key)
        props["BodySha256"] = hashlib.sha256(body.encode("utf-8")).hexdigest()
        return props

    # -- S3 helpers -------------------------------------------------------------------------------
    def _head(self, bucket: str, key: str) -> dict[str, Any] | None:
        return owned_objects.head(self.client("s3"), bucket, key)

    @staticmethod
    def _ours(head: Mapping[str, Any] | None, owner: str) -> bool:
        return owned_objects.owned_by(head, owner)

    def _delete_if_ours(self, bucket: str, key: str, owner: str) -> None:
        """Delete only while our marker is on the object; someone else's upload stays."""
        owned_objects.delete_if_owned(self.client("s3"), bucket, key, owner)
