"""Connect ARNs and tags taken apart and put together, without AWS: the one ARN module.

Physical ids are ARNs (what the native ``AWS::Connect::*`` types return from ``Ref``), so a
Delete can always find what it must remove from the physical id alone, whatever the
(possibly stale) properties say.

Two readings share one splitter (:func:`_split`). :func:`parse_arn` takes any
``arn:*:connect:*:*:instance/IID[/KIND/ID]`` apart, as references in properties and CSV rows
are read (an account that is not yet known may be empty there). The physical-id readers
(:func:`instance_id`, :func:`flow_ids`, :func:`phone_number_id`) are strict: an AWS partition,
a region, a 12-digit account and ids of letters, digits and dashes, so that a marker id or a
foreign string is never mistaken for something to delete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_PARTITION = re.compile(r"aws[-a-z]*")
_REGION = re.compile(r"[-a-z0-9]+")
_ACCOUNT = re.compile(r"\d{12}")
_ID = re.compile(r"[-A-Za-z0-9]+")


@dataclass(frozen=True)
class ConnectArn:
    """``arn:aws:connect:REGION:ACCOUNT:instance/IID[/KIND/ID]`` taken apart."""

    region: str
    account: str
    instance_id: str
    kind: str = ""
    resource_id: str = ""

    @property
    def instance_arn(self) -> str:
        partition = "aws"
        return f"arn:{partition}:connect:{self.region}:{self.account}:instance/{self.instance_id}"


def _split(value: str) -> tuple[str, str, str, list[str]] | None:
    """(partition, region, account, resource path) of a Connect ARN, or None."""
    parts = (value or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "connect":
        return None
    return parts[1], parts[3], parts[4], parts[5].split("/")


def parse_arn(value: str) -> ConnectArn | None:
    """An instance or instance-scoped ARN; ``None`` when ``value`` is not one."""
    split = _split(value)
    if split is None:
        return None
    _, region, account, path = split
    if len(path) < 2 or path[0] != "instance" or not path[1]:
        return None
    if len(path) == 2:
        return ConnectArn(region, account, path[1])
    if len(path) == 4 and path[2] and path[3]:
        return ConnectArn(region, account, path[1], path[2], path[3])
    return None


def instance_id_of(value: str) -> str:
    """An instance id from an instance id or any ARN inside the instance."""
    parsed = parse_arn(value)
    return parsed.instance_id if parsed else value


def _strict(value: str, head: str) -> list[str] | None:
    """The resource path of a well-formed ARN whose path starts with ``head`` and an id."""
    split = _split(value)
    if split is None:
        return None
    partition, region, account, path = split
    well_formed = (
        _PARTITION.fullmatch(partition) and _REGION.fullmatch(region) and _ACCOUNT.fullmatch(account)
    )
    if not well_formed or len(path) < 2 or path[0] != head or not _ID.fullmatch(path[1]):
        return None
    return path


def instance_id(value: str) -> str | None:
    """The instance id inside any instance-scoped Connect ARN (or None)."""
    path = _strict(value, "instance")
    return path[1] if path else None


def instance_arn(value: str) -> str | None:
    """The instance ARN that a flow, queue or instance ARN belongs to."""
    path = _strict(value, "instance")
    if path is None:
        return None
    rest = "/".join(path[2:])
    return value[: len(value) - len(rest) - 1] if len(path) > 2 else value


def flow_ids(value: str) -> tuple[str, str] | None:
    """``(instance id, flow id)`` of a contact flow ARN."""
    path = _strict(value, "instance")
    if path is None or len(path) != 4 or path[2] != "contact-flow" or not _ID.fullmatch(path[3]):
        return None
    return path[1], path[3]


def phone_number_id(value: str) -> str | None:
    path = _strict(value, "phone-number")
    return path[1] if path is not None and len(path) == 2 else None


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
