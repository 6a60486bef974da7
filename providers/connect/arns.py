"""Connect ARNs and tags taken apart and put together, without AWS.

Physical ids are ARNs (what the native ``AWS::Connect::*`` types return from ``Ref``), so a
Delete can always find what it must remove from the physical id alone, whatever the
(possibly stale) properties say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_INSTANCE = re.compile(r"^arn:aws[-a-z]*:connect:([-a-z0-9]+):(\d{12}):instance/([-A-Za-z0-9]+)(/.*)?$")
_FLOW = re.compile(
    r"^arn:aws[-a-z]*:connect:[-a-z0-9]+:\d{12}:instance/([-A-Za-z0-9]+)/contact-flow/([-A-Za-z0-9]+)$"
)
_PHONE = re.compile(r"^arn:aws[-a-z]*:connect:[-a-z0-9]+:\d{12}:phone-number/([-A-Za-z0-9]+)$")

#: Tag that marks what a create request made, so a repeated request adopts it instead of
#: failing on a duplicate name (Connect has no ClientToken for every creating API).
CREATE_TOKEN_TAG = "gapfill:create-token"  # noqa: S105 - a tag key, not a secret


def instance_id(value: str) -> str | None:
    """The instance id inside any instance-scoped Connect ARN (or None)."""
    match = _INSTANCE.match(value or "")
    return match.group(3) if match else None


def instance_arn(value: str) -> str | None:
    """The instance ARN that a flow, queue or instance ARN belongs to."""
    match = _INSTANCE.match(value or "")
    if not match:
        return None
    return value[: len(value) - len(match.group(4) or "")]


def flow_ids(value: str) -> tuple[str, str] | None:
    """``(instance id, flow id)`` of a contact flow ARN."""
    match = _FLOW.match(value or "")
    return (match.group(1), match.group(2)) if match else None


def phone_number_id(value: str) -> str | None:
    match = _PHONE.match(value or "")
    return match.group(1) if match else None


def ccp_url(access_url: str | None) -> str:
    """The agent softphone (CCP v2) lives under the instance's access URL."""
    return (access_url or "").rstrip("/") + "/ccp-v2/" if access_url else ""


def tag_map(tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None) -> dict[str, str]:
    """CloudFormation's ``[{Key, Value}]`` (or a plain map) as Connect's tag map."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags}


def tag_changes(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Tags to set and keys to remove, touching only keys this resource declared."""
    to_set = {k: v for k, v in new.items() if old.get(k) != v}
    to_remove = sorted(k for k in old if k not in new)
    return to_set, to_remove


def user_tags(tags: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """Connect's tag map as read returns it: CloudFormation's ``[{Key, Value}]``, sorted by key,
    gapfill's own bookkeeping keys (``gapfill:``) left out."""
    return [
        {"Key": str(k), "Value": str(v)}
        for k, v in sorted((tags or {}).items())
        if not str(k).startswith("gapfill:")
    ]
