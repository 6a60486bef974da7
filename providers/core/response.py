"""The one PUT to CloudFormation's pre-signed ResponseURL (protocol rule 2).

The ResponseURL is a bearer secret: it is never logged, only its host. Bodies are at most
4096 bytes: the Reason is truncated keeping its head, and a SUCCESS whose Data does not fit
becomes a FAILED that says so rather than a silently trimmed attribute.

Which URLs are CloudFormation's: the ResponseURL is a pre-signed S3 URL into the AWS-owned
bucket ``cloudformation-custom-resource-response-<region without dashes>`` ("When using custom
resources, AWS Region names don't contain dashes. For example, uswest2":
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-vpce-bucketnames.html),
addressed virtual-hosted or path style on an S3 endpoint of any partition: ``s3``,
``s3.<region>`` or the legacy ``s3-<region>`` under ``amazonaws.com``, ``amazonaws.com.cn``
(China), ``c2s.ic.gov`` and ``sc2s.sgov.gov`` (ISO), GovCloud regions being ``us-gov-*``
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html,
https://docs.aws.amazon.com/general/latest/gr/s3.html). Any other ``*.amazonaws.com`` host
(API Gateway, load balancers, EC2 names, anyone's bucket) can be the customer's, so it is
refused. A pre-signed URL is printable ASCII: spaces, controls and other characters are
refused before any PUT rather than left for http.client to raise on.

``urllib.request`` (and with it the email parser and http.client) is imported when the
response is sent, not with the engine: the engine's import is on every cold start's path
before the provider's first AWS call, the PUT comes last.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

MAX_BODY_BYTES = 4096
ALLOW_LOCAL_ENV = "GAPFILL_ALLOW_LOCAL_RESPONSE_URL"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]+"
_S3_ENDPOINT = (
    rf"s3(?:[.-]{_REGION}|\.dualstack\.{_REGION})?\."
    r"(?:amazonaws\.com|amazonaws\.com\.cn|c2s\.ic\.gov|sc2s\.sgov\.gov)"
)
_RESPONSE_BUCKET = r"cloudformation-custom-resource-response-[a-z]+[0-9]+"
_VIRTUAL_HOST = re.compile(rf"{_RESPONSE_BUCKET}\.{_S3_ENDPOINT}")
_PATH_HOST = re.compile(_S3_ENDPOINT)
_PATH_BUCKET = re.compile(rf"/{_RESPONSE_BUCKET}/")
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+")


class ResponseURLRejectedError(ValueError):
    """The ResponseURL is not one CloudFormation would issue; nothing is sent to it."""


@dataclass
class Response:
    """What CloudFormation reads back; ``to_body`` enforces the size rules."""

    status: str
    physical_id: str
    stack_id: str
    request_id: str
    logical_id: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    no_echo: bool = False

    def _document(self, reason: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "Status": self.status,
            "Reason": reason,
            "PhysicalResourceId": self.physical_id,
            "StackId": self.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_id,
            "NoEcho": self.no_echo,
        }
        if data:
            doc["Data"] = dict(data)
        return doc

    def to_body(self) -> bytes:
        """Serialise within 4096 bytes; oversize Data turns the answer into a FAILED."""
        body = _dump(self._document(self.reason, self.data))
        if len(body) <= MAX_BODY_BYTES:
            return body
        if self.data and self.status == "SUCCESS":
            self.status = "FAILED"
            self.reason = (
                f"The resource's attributes (Data) take {len(_dump(self.data))} bytes, more than fit in "
                f"CloudFormation's {MAX_BODY_BYTES}-byte response; nothing was trimmed silently. "
                + self.reason
            )
            self.data = {}
        body = _dump(self._document(self.reason, self.data))
        if len(body) <= MAX_BODY_BYTES:
            return body
        overflow = len(body) - MAX_BODY_BYTES
        # surrogatepass: a Reason quoting event input may hold lone surrogates from JSON.
        reason_bytes = self.reason.encode("utf-8", errors="surrogatepass")
        keep = max(0, len(reason_bytes) - overflow - 40)
        self.reason = reason_bytes[:keep].decode("utf-8", errors="ignore") + " [truncated]"
        body = _dump(self._document(self.reason, self.data))
        while len(body) > MAX_BODY_BYTES and self.reason:
            self.reason = self.reason[: max(0, len(self.reason) - 64)]
            body = _dump(self._document(self.reason, self.data))
        if len(body) > MAX_BODY_BYTES:
            # Only absurd echoed ids (a malformed event's huge RequestId or StackId) get here:
            # such an answer matches nothing anyway, but it must still be a valid PUT.
            for name in ("stack_id", "request_id", "logical_id", "physical_id"):
                setattr(self, name, getattr(self, name)[:256])
            self.reason = self.reason or "event fields too large to echo"
            body = _dump(self._document(self.reason, self.data))
            while len(body) > MAX_BODY_BYTES and self.reason:
                self.reason = self.reason[: max(0, len(self.reason) - 64)]
                body = _dump(self._document(self.reason, self.data))
            # Escaped non-ASCII ids take up to 12 bytes a character: halve the longest until it fits.
            names = ("stack_id", "request_id", "logical_id", "physical_id")
            while len(body) > MAX_BODY_BYTES:
                longest = max(names, key=lambda name: len(getattr(self, name)))
                setattr(self, longest, getattr(self, longest)[: len(getattr(self, longest)) // 2])
                body = _dump(self._document(self.reason, self.data))
        return body


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=True, default=str).encode()


def check_response_url(url: str) -> None:
    """Accept only CloudFormation's response URLs (see the module docstring), or loopback
    http(s) when ``GAPFILL_ALLOW_LOCAL_RESPONSE_URL=1`` allows it for local runs."""
    if not _PRINTABLE_ASCII.fullmatch(url):
        raise ResponseURLRejectedError(
            "ResponseURL holds a space, a control character or a non-ASCII character; "
            "CloudFormation's pre-signed URLs never do"
        )
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError as exc:
        raise ResponseURLRejectedError("ResponseURL is not a URL") from exc
    local = os.environ.get(ALLOW_LOCAL_ENV) == "1"
    if local and parts.scheme in ("http", "https") and is_loopback(host):
        return
    if (
        parts.scheme == "https"
        and port in (None, 443)
        and not parts.username
        and _is_response_host(host, parts.path)
    ):
        return
    raise ResponseURLRejectedError(
        f"ResponseURL scheme '{parts.scheme}' host '{host}' is not a CloudFormation response URL "
        "(https, the cloudformation-custom-resource-response-<region> bucket on an S3 endpoint)"
        + ("" if local else f" (set {ALLOW_LOCAL_ENV}=1 for loopback)")
    )


def _is_response_host(host: str, path: str) -> bool:
    if _VIRTUAL_HOST.fullmatch(host):
        return True
    return bool(_PATH_HOST.fullmatch(host) and _PATH_BUCKET.match(path))


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (local runs only: never an AWS endpoint)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(url: str) -> str:
    """The only part of a ResponseURL that may be logged."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def describe_send_error(exc: BaseException) -> str:
    """What went wrong with one PUT, without the URL: exception messages from urllib and
    http.client can quote the request path (and with it the signature), so only the type
    and, for connection errors, the socket's own reason are kept."""
    import http.client
    import urllib.error

    name = type(exc).__name__
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, OSError | str):
        reason = exc.reason if isinstance(exc.reason, str) else type(exc.reason).__name__
        return f"{name}: {reason}"[:200]
    if isinstance(exc, http.client.HTTPException | ValueError | UnicodeError):
        return f"{name}: malformed reply or request"
    return name


@dataclass
class SendResult:
    ok: bool
    attempts: int
    last_error: str = ""


def send(
    url: str,
    body: bytes,
    *,
    attempts: int = 5,
    timeout: float = 10.0,
    time_left: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """PUT ``body`` with bounded retries and backoff; a non-2xx answer is a failure.

    ``time_left`` (seconds) stops retrying before the Lambda deadline.
    """
    import urllib.error
    import urllib.request

    check_response_url(url)
    last_error = ""
    delay = 0.25
    for attempt in range(1, attempts + 1):
        budget = time_left() if time_left else timeout
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=body,
            method="PUT",
            headers={"content-type": "", "content-length": str(len(body))},
        )
        try:
            with urllib.request.urlopen(request, timeout=max(0.5, min(timeout, budget))) as reply:  # noqa: S310
                status = reply.status
            if 200 <= status < 300:
                return SendResult(True, attempt)
            last_error = f"HTTP {status}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except Exception as exc:  # any failure of one attempt is retried (BadStatusLine, ValueError...)
            last_error = describe_send_error(exc)
        if attempt == attempts:
            break
        remaining = time_left() if time_left else float("inf")
        if remaining < delay + 1.0:
            break
        sleep(delay)
        delay = min(delay * 2, 4.0)
    return SendResult(False, attempt, last_error)
