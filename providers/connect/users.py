"""One implementation of Connect users, for ``Custom::ConnectUser`` and the agent directory.

Both types write users the same way: CreateUser with a generated password kept in Secrets
Manager (or a given one), a DuplicateResourceException answered by adopting the user only
when its tags say it is ours, updates as the few calls :func:`directory.changed_parts` names,
and deletes that take the password secret with the user when the secret is ours too. What
differs is only *how a type recognises its own* (a request's token for ConnectUser, the owner
tag for the directory), so that is what callers pass in: an ``is_ours`` test on tags, and the
password secret's policy (which existing secret may be reused), built on :func:`open_secret`.

Every function takes ``call(operation, **kwargs)`` (:func:`providers.connect.pacing.paced`),
so each caller keeps its own pace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.connect import passwords
from providers.connect.directory import DesiredUser
from providers.connect.pacing import Caller
from providers.core.aws import error_code

IsOurs = Callable[[Mapping[str, str]], bool]


class NotOursError(Exception):
    """A user of that username exists and is not ours; it was left untouched."""


@dataclass(frozen=True)
class Created:
    """What a create made or adopted; ``adopted`` is the found user's summary when adopted."""

    arn: str
    id: str
    adopted: dict[str, Any] | None = None


# -- pure: the requests --------------------------------------------------------------------------
def create_request(
    instance_id: str, want: DesiredUser, tags: Mapping[str, str], password: str | None
) -> dict[str, Any]:
    """CreateUser's parameters for ``want`` (ids already resolved)."""
    params: dict[str, Any] = {
        "InstanceId": instance_id,
        "Username": want.username,
        "IdentityInfo": dict(want.identity),
        "PhoneConfig": dict(want.phone),
        "SecurityProfileIds": sorted(want.security_profile_ids),
        "RoutingProfileId": want.routing_profile_id,
        "Tags": dict(tags),
    }
    if password is not None:
        params["Password"] = password
    if want.hierarchy_group_id:
        params["HierarchyGroupId"] = want.hierarchy_group_id
    if want.directory_user_id:
        params["DirectoryUserId"] = want.directory_user_id
    return params


#: part (directory.PARTS) -> (operation, its parameters for the desired user)
UPDATES: dict[str, tuple[str, Callable[[DesiredUser], dict[str, Any]]]] = {
    "identity": ("update_user_identity_info", lambda w: {"IdentityInfo": dict(w.identity)}),
    "phone": ("update_user_phone_config", lambda w: {"PhoneConfig": dict(w.phone)}),
    "routing": ("update_user_routing_profile", lambda w: {"RoutingProfileId": w.routing_profile_id}),
    "security": (
        "update_user_security_profiles",
        lambda w: {"SecurityProfileIds": sorted(w.security_profile_ids)},
    ),
    "hierarchy": (
        "update_user_hierarchy",
        lambda w: {"HierarchyGroupId": w.hierarchy_group_id} if w.hierarchy_group_id else {},
    ),
}


def secret_tags(secret: Mapping[str, Any]) -> dict[str, str]:
    """DescribeSecret's ``[{Key, Value}]`` tags as a map."""
    return {str(t["Key"]): str(t["Value"]) for t in secret.get("Tags", [])}


# -- AWS: users ----------------------------------------------------------------------------------
def find(call: Caller, instance_id: str, username: str) -> dict[str, Any] | None:
    """The user named ``username`` (usernames are unique ignoring case), or None."""
    found = call(
        "search_users",
        InstanceId=instance_id,
        MaxResults=10,
        SearchCriteria={
            "StringCondition": {"FieldName": "Username", "Value": username, "ComparisonType": "EXACT"}
        },
    )
    for item in found.get("Users", []):
        if str(item.get("Username", "")).casefold() == username.casefold():
            return dict(item)
    return None


def create(
    call: Caller,
    instance_id: str,
    want: DesiredUser,
    tags: Mapping[str, str],
    is_ours: IsOurs,
    *,
    password: str | None = None,
    abandon: Callable[[], None] | None = None,
) -> Created:
    """Create the user, or adopt the one an earlier attempt made (``is_ours`` on its tags).

    Raises :class:`NotOursError` when the username belongs to someone else. ``abandon``
    (deleting a password secret this attempt made) runs whenever no user of ours came of it.
    """
    try:
        made = call("create_user", **create_request(instance_id, want, tags, password))
    except Exception as exc:
        if error_code(exc) == "DuplicateResourceException":
            existing = find(call, instance_id, want.username)
            if existing is not None and is_ours(existing.get("Tags") or {}):
                return Created(str(existing["Arn"]), str(existing["Id"]), existing)
        if abandon is not None:
            abandon()
        if error_code(exc) == "DuplicateResourceException":
            raise NotOursError(want.username) from None
        raise
    return Created(str(made["UserArn"]), str(made["UserId"]))


def update(
    call: Caller,
    instance_id: str,
    user_id: str,
    want: DesiredUser,
    parts: tuple[str, ...],
    after: Mapping[str, Callable[[], None]] | None = None,
) -> None:
    """One call per changed part, in :data:`directory.PARTS` order; ``after[part]`` runs
    right after that part's call (the directory re-tags its identity digest there)."""
    base = {"InstanceId": instance_id, "UserId": user_id}
    for part in parts:
        operation, params = UPDATES[part]
        call(operation, **base, **params(want))
        if after and part in after:
            after[part]()


def delete(call: Caller, instance_id: str, user_id: str) -> None:
    """Delete a user; already gone is success."""
    try:
        call("delete_user", InstanceId=instance_id, UserId=user_id)
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise


# -- AWS: password secrets -----------------------------------------------------------------------
@dataclass(frozen=True)
class OpenedSecret:
    """A password secret made now (``made``), or found with the tags it carries."""

    arn: str
    made: bool
    tags: dict[str, str]


def open_secret(
    sm: Any,
    name: str,
    value: str,
    description: str,
    tags: Mapping[str, str],
    protection: passwords.SecretProtection,
) -> OpenedSecret:
    """Create the password secret ``name``, or describe the one that exists."""
    try:
        made = sm.create_secret(
            Name=name,
            SecretString=value,
            Description=description,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            **protection.create_options(),
        )
        return OpenedSecret(str(made["ARN"]), True, {})
    except Exception as exc:
        if error_code(exc) != "ResourceExistsException":
            raise
    described = sm.describe_secret(SecretId=name)
    return OpenedSecret(str(described["ARN"]), False, secret_tags(described))


def stored_password(sm: Any, secret_id: str) -> str:
    return str(json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])["Password"])


def delete_secret_if(sm: Any, secret_id: str, is_ours: IsOurs) -> None:
    """Delete a password secret only when its tags say it is ours; gone is success."""
    try:
        described = sm.describe_secret(SecretId=secret_id)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return
        raise
    if is_ours(secret_tags(described)):
        sm.delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)
