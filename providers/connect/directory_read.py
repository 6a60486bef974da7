"""``read`` for ``Custom::ConnectUserDirectory``: the users the directory manages, as Connect
has them, and the same view of what the CSV asks for, so drift names each agent that was
removed, added or changed by hand.

A directory's properties say where its CSV is and how to sync it; none of that is kept in
Connect, so read returns ``InstanceArn`` and ``Users`` (a read-only view outside the schema's
input properties): lower-cased username -> names, phone, routing profile, security profiles
and hierarchy group ids. :func:`desired` builds the same view from the CSV the stack points at
(``Bucket``/``Key``/``VersionId`` of the desired properties: the one thing AWS cannot tell).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers.connect import resolve
from providers.connect.directory import ActualUser, DesiredUser, normal_phone
from providers.core.aws import error_code
from providers.core.tag_keys import DIRECTORY as OWNER_TAG

if TYPE_CHECKING:
    from providers.connect.sync import AgentDirectory

#: Where the CSV is and how to sync it: deploy-time inputs that Connect does not keep.
NOT_READ = (
    "Bucket",
    "Key",
    "VersionId",
    "MappingKey",
    "DefaultRoutingProfile",
    "DefaultSecurityProfiles",
    "RequestsPerSecond",
    "FailureTolerance",
    "MaxDeletions",
    "AllowEmpty",
    "PasswordKmsKeyId",
    "PasswordReaders",
)


def view(user: ActualUser | DesiredUser, first: str, last: str) -> dict[str, Any]:
    """One user's comparable parts (SearchUsers returns only first and last names)."""
    out: dict[str, Any] = {
        "FirstName": first,
        "LastName": last,
        "PhoneConfig": normal_phone(user.phone),
        "RoutingProfileId": user.routing_profile_id,
        "SecurityProfileIds": sorted(user.security_profile_ids),
    }
    if user.hierarchy_group_id:
        out["HierarchyGroupId"] = user.hierarchy_group_id
    return out


def actual_users(agents: AgentDirectory) -> dict[str, Any] | None:
    """The managed users; None when the instance is gone."""
    try:
        users = agents.managed_users()
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return None
    return {u.key: view(u, u.first_name, u.last_name) for u in users}


def desired_users(agents: AgentDirectory, bucket: str, key: str, version_id: str | None) -> dict[str, Any]:
    """The CSV's users, names resolved as a sync resolves them (the sync's own plan)."""
    changes = agents.plan(agents.read_csv(bucket, key, version_id))
    wanted = [c.desired for c in changes if c.desired is not None]
    return {d.key: view(d, d.identity.get("FirstName", ""), d.identity.get("LastName", "")) for d in wanted}


def instance_arn(physical_id: str) -> str:
    return physical_id.split("/agent-directory/", 1)[0]


def same_instance(value: str, physical_id: str) -> str:
    """The template's InstanceArn as read returns it (an id becomes the ARN of the physical id)."""
    return value if resolve.parse_arn(value) is not None else instance_arn(physical_id)


def owners(connect: Any, instance_id: str) -> list[str]:
    """The owner tag values of the instance's users: one per directory that manages users."""
    found: set[str] = set()
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"InstanceId": instance_id, "MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        page = connect.search_users(**kwargs)
        found |= {
            str(t[OWNER_TAG]) for u in page.get("Users", []) if (t := u.get("Tags") or {}).get(OWNER_TAG)
        }
        token = page.get("NextToken")
        if not token:
            return sorted(found)
