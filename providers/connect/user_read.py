"""``read`` for ``Custom::ConnectUser``, apart from the create/update code so that each can
change without the other: the user as Connect describes it, in the template's shape.

Profiles and the hierarchy group read as ARNs (``RoutingProfileArn``, ``SecurityProfileArns``,
``HierarchyGroupArn``): Connect keeps ids, not the names a template may have used, so
:func:`desired` resolves a template's names to the same ARNs before drift compares them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers.connect import arns, resolve
from providers.connect.directory import normal_phone
from providers.core.aws import error_code
from providers.core.provider import ReadResult

if TYPE_CHECKING:
    from providers.connect.user import ConnectUser

#: Deploy-time inputs of the generated password's secret; Connect keeps neither.
NOT_READ = ("PasswordKmsKeyId", "PasswordReaders")
#: Template properties that name what the ARN properties hold.
_BY_NAME = ("RoutingProfile", "SecurityProfiles", "HierarchyGroup")


def _identity(value: Any) -> dict[str, str]:
    from providers.connect.user import _identity as without_empty_fields  # the one definition

    return without_empty_fields(value)


def _references(
    instance_arn: str, routing: str | None, security: list[str], group: str | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if routing:
        out["RoutingProfileArn"] = f"{instance_arn}/routing-profile/{routing}"
    if security:
        out["SecurityProfileArns"] = sorted(f"{instance_arn}/security-profile/{s}" for s in security)
    if group:
        out["HierarchyGroupArn"] = f"{instance_arn}/agent-group/{group}"
    return out


def read(provider: ConnectUser, secret_tag: str) -> ReadResult | None:
    """The user that the physical id (its ARN) names; None when it is gone."""
    arn = str(provider.physical_id or "")
    parsed = resolve.parse_arn(arn)
    if parsed is None or parsed.kind != "agent":
        return None
    try:
        user = provider.call("describe_user", InstanceId=parsed.instance_id, UserId=parsed.resource_id)[
            "User"
        ]
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return None
    instance_arn = parsed.instance_arn
    props: dict[str, Any] = {"InstanceArn": instance_arn, "Username": user.get("Username")}
    identity = _identity(user.get("IdentityInfo"))
    if identity:
        props["IdentityInfo"] = identity
    props["PhoneConfig"] = normal_phone(user.get("PhoneConfig") or {})
    if user.get("DirectoryUserId"):
        props["DirectoryUserId"] = user["DirectoryUserId"]
    props.update(
        _references(
            instance_arn,
            user.get("RoutingProfileId"),
            list(user.get("SecurityProfileIds") or []),
            user.get("HierarchyGroupId"),
        )
    )
    tags = arns.user_tags(user.get("Tags"))
    if tags:
        props["Tags"] = tags
    data = {
        "UserArn": arn,
        "UserId": parsed.resource_id,
        "PasswordSecretArn": str((user.get("Tags") or {}).get(secret_tag, "")),
    }
    return ReadResult({**props, **data}, data)


def desired(provider: ConnectUser, instance_id: str) -> dict[str, Any]:
    """The template's properties in read's shape: names resolved to ARNs through the same
    resolver Create uses, identity without empty fields, phone config normalised."""
    props = {k: v for k, v in provider.properties.items() if k not in _BY_NAME}
    instance_arn = str(props.get("InstanceArn", ""))
    if not instance_arn.startswith("arn:"):
        instance_arn = resolve.parse_arn(str(provider.physical_id or "")).instance_arn  # type: ignore[union-attr]
    props["InstanceArn"] = instance_arn
    routing, security, group = provider._references(instance_id)
    for name in ("RoutingProfileArn", "SecurityProfileArns", "HierarchyGroupArn"):
        props.pop(name, None)
    props.update(_references(instance_arn, routing, security, group))
    identity = _identity(props.get("IdentityInfo"))
    props.pop("IdentityInfo", None)
    if identity:
        props["IdentityInfo"] = identity
    props["PhoneConfig"] = normal_phone(props.get("PhoneConfig") or {})
    if props.get("Tags"):
        props["Tags"] = arns.user_tags(arns.tag_map(props["Tags"]))
    return props


def list_ids(provider: ConnectUser, instance_id: str) -> list[str]:
    """Every user of the instance (ListUsers), by ARN."""
    pages = provider.client("connect").get_paginator("list_users").paginate(InstanceId=instance_id)
    return [str(u["Arn"]) for page in pages for u in page.get("UserSummaryList", [])]
