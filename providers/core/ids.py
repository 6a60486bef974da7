"""Physical ids and client tokens that the framework owns (protocol rules 4 and 7)."""

from __future__ import annotations

import hashlib
import uuid

#: Namespace of every client token (a fixed, arbitrary UUID: tokens only need to be stable).
_TOKEN_NAMESPACE = uuid.UUID("5f0c2b1e-7a43-4d6b-9a1e-3c8f2d6b4e71")

#: Prefix of the physical id reported when a Create fails before anything exists. The
#: Delete that CloudFormation sends afterwards is answered SUCCESS without any AWS call.
FAILED_CREATE_PREFIX = "gapfill-create-failed-"


def failed_create_id(request_id: str) -> str:
    """Return the recognisable marker id for a Create that made nothing."""
    # surrogatepass: a RequestId decoded from JSON may hold lone surrogates; still hash it.
    return FAILED_CREATE_PREFIX + hashlib.sha256(request_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def is_failed_create_id(physical_id: str | None) -> bool:
    """True when ``physical_id`` is the marker of a Create that made nothing."""
    return bool(physical_id) and str(physical_id).startswith(FAILED_CREATE_PREFIX)


def client_token(stack_id: str, logical_id: str, request_id: str, purpose: str = "") -> str:
    """Idempotency token for creating APIs: stable across retries of the same request.

    The same RequestId can reach the function twice (CloudFormation retries, Lambda async
    retries); AWS deduplicates calls that carry the same token, so nothing is made twice.
    A name-based UUID (uuid5) because ClaimPhoneNumber documents its ClientToken as a lower
    case UUID (``^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$``), and 36
    characters fit every other token limit the providers meet (Connect allows 500, CloudFront's
    CallerReference 128).
    """
    material = "\x1f".join((stack_id, logical_id, request_id, purpose))
    # surrogatepass: a RequestId decoded from JSON may hold lone surrogates; still derive one.
    return str(uuid.uuid5(_TOKEN_NAMESPACE, material.encode("utf-8", "surrogatepass").hex()))


def short_hash(*parts: str, length: int = 16) -> str:
    """A deterministic short digest for ids built from stack and logical ids."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]
