"""Users of the Connect emulator, and the per-instance state they share with the routing
profiles, security profiles and hierarchy groups they point at (whose operations are
:mod:`gapfill.emulator.connect.profiles`).

State is per instance and seeded lazily, the first time an instance's agents are touched,
with what a new Connect instance has: the security profiles Admin, Agent, CallCenterManager
and QualityAnalyst and the "Basic Routing Profile". Seeding lazily keeps this part
independent of whichever part creates instances.

Tags live in moto's own tagger (``self.tagger``) under each resource's ARN, so moto's
``tag_resource``/``untag_resource``/``list_tags_for_resource`` and the ``Tags`` returned by
``describe_user``/``search_users`` always agree.

Passwords are kept (tests compare them with what a provider stored in Secrets Manager) but
never returned by any operation, as in AWS.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gapfill.emulator import documented
from gapfill.emulator.connect import instances as http
from gapfill.emulator.connect.errors import (
    DuplicateResourceException,
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
)

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object

DEFAULT_SECURITY_PROFILES = ("Admin", "Agent", "CallCenterManager", "QualityAnalyst")
DEFAULT_ROUTING_PROFILE = "Basic Routing Profile"
_PASSWORD = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$")
_CREATE_USER = "https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateUser.html"

USERNAME_RULE = documented.rule(
    id="connect.create-user.username",
    service="connect",
    operations=("CreateUser",),
    source=_CREATE_USER,
    fact=(
        "Username: for instances not using SAML for identity management (CONNECT_MANAGED, "
        "EXISTING_DIRECTORY) the user name can include up to 20 characters; with SAML up to 64 "
        "characters from [a-zA-Z0-9_-.@]. Username can include @ only if used in an email format "
        "(testuser and testuser@example.com are correct, testuser@example is not)."
    ),
)
_USERNAME_CHARS = re.compile(r"[a-zA-Z0-9_\-.@]+")
_USERNAME_EMAIL = re.compile(r"[a-zA-Z0-9_\-.]+@[a-zA-Z0-9\-]+(?:\.[a-zA-Z0-9\-]+)*\.[a-zA-Z]{2,63}")
_USERNAME_MAX = {"SAML": 64}
_USERNAME_MAX_OTHERS = 20

IDENTITY_RULE = documented.rule(
    id="connect.create-user.identity-info",
    service="connect",
    operations=("CreateUser",),
    source=_CREATE_USER,
    fact=(
        "Certain UserIdentityInfo parameters are required: Email, FirstName and LastName are "
        "required if you are using Amazon Connect (CONNECT_MANAGED) or SAML for identity "
        "management. (UserIdentityInfo's own page says an Email given on a SAML instance is an "
        "error; the two pages disagree, so that second sentence is not enforced.)"
    ),
)
_IDENTITY_REQUIRED = ("FirstName", "LastName", "Email")
_IDENTITY_TYPES_REQUIRING = ("CONNECT_MANAGED", "SAML")

ACW_MILLISECONDS_RULE = documented.rule(
    id="connect.search-users.acw-milliseconds",
    service="connect",
    operations=("SearchUsers",),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_SearchUsers.html",
    fact=(
        "SearchUsers: AfterContactWorkTimeLimit is returned in milliseconds (it is set, and "
        "described by DescribeUser, in seconds)."
    ),
)
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
LEVELS = ("LevelOne", "LevelTwo", "LevelThree", "LevelFour", "LevelFive")
_MAX_SEARCH_RESULTS = 500
MAX_LIST_RESULTS = 1000


@dataclass
class Named:
    """A routing profile, security profile or hierarchy group: what lists and describes need."""

    id: str
    arn: str
    name: str
    description: str = ""
    parent_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    modified: float = field(default_factory=time.time)


@dataclass
class _User:
    id: str
    arn: str
    username: str
    password: str | None
    identity: dict[str, Any]
    phone: dict[str, Any]
    routing_profile_id: str
    security_profile_ids: list[str]
    hierarchy_group_id: str | None
    directory_user_id: str | None
    modified: float = field(default_factory=time.time)


@dataclass
class _Agents:
    """One instance's users and the profiles and groups they point at."""

    users: dict[str, _User] = field(default_factory=dict)
    routing_profiles: dict[str, Named] = field(default_factory=dict)
    security_profiles: dict[str, Named] = field(default_factory=dict)
    hierarchy_groups: dict[str, Named] = field(default_factory=dict)


class Backend(_Base):
    """Grafted onto moto's ConnectBackend; paging, ids and requests use the helpers of
    :mod:`gapfill.emulator.connect.instances`, as every part does."""

    def init_state(self) -> None:
        self.agent_store: dict[str, _Agents] = {}

    # -- state ---------------------------------------------------------------------------
    def _agents(self, instance_id: str) -> _Agents:
        iid = self.instance_id_of(instance_id or "")
        if not iid:
            raise InvalidParameterException("InstanceId is a required parameter")
        instance = self.ready_instance(iid)
        with self.state_lock:
            agents = self.agent_store.get(iid)
            if agents is None:
                agents = _Agents()
                for name in DEFAULT_SECURITY_PROFILES:
                    self._agents_new(instance.arn, agents.security_profiles, "security-profile", name)
                self._agents_new(
                    instance.arn,
                    agents.routing_profiles,
                    "routing-profile",
                    DEFAULT_ROUTING_PROFILE,
                    description="Default routing profile",
                )
                self.agent_store[iid] = agents
            return agents

    def _agents_new(
        self,
        instance_arn: str,
        store: dict[str, Named],
        kind: str,
        name: str,
        *,
        description: str = "",
        parent_id: str | None = None,
        tags: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Named:
        new_id = str(uuid.uuid4())
        item = Named(
            new_id, f"{instance_arn}/{kind}/{new_id}", name, description, parent_id, dict(extra or {})
        )
        store[new_id] = item
        if tags:
            self.tag_resource(item.arn, tags)
        return item

    def _agents_user(self, instance_id: str, user_id: str) -> tuple[_Agents, _User]:
        agents = self._agents(instance_id)
        user = agents.users.get(user_id or "")
        if user is None:
            raise ResourceNotFoundException(f"User not found for id {user_id}")
        return agents, user

    # -- validation ----------------------------------------------------------------------
    @staticmethod
    def _agents_check_username(username: str, identity_type: str) -> None:
        problem = username_problem(username, identity_type)
        if problem:
            raise InvalidParameterException(f"Username {problem}")

    @staticmethod
    def _agents_check_phone(phone: Any) -> dict[str, Any]:
        if not isinstance(phone, dict) or phone.get("PhoneType") not in ("SOFT_PHONE", "DESK_PHONE"):
            raise InvalidParameterException("PhoneConfig.PhoneType must be SOFT_PHONE or DESK_PHONE")
        desk = phone.get("DeskPhoneNumber")
        if phone["PhoneType"] == "DESK_PHONE" and not desk:
            raise InvalidParameterException("DeskPhoneNumber is required when PhoneType is DESK_PHONE")
        if desk and not _E164.match(str(desk)):
            raise InvalidParameterException("DeskPhoneNumber must be in E.164 format")
        acw = phone.get("AfterContactWorkTimeLimit", 0)
        if not isinstance(acw, int) or acw < 0:
            raise InvalidParameterException("AfterContactWorkTimeLimit must be a non-negative integer")
        return {
            "PhoneType": phone["PhoneType"],
            "AutoAccept": bool(phone.get("AutoAccept", False)),
            "AfterContactWorkTimeLimit": acw,
            **({"DeskPhoneNumber": desk} if desk else {}),
        }

    @staticmethod
    def _agents_check_identity(identity: Any) -> dict[str, Any]:
        if identity is None:
            return {}
        if not isinstance(identity, dict):
            raise InvalidParameterException("IdentityInfo must be an object")
        mobile = identity.get("Mobile")
        if mobile and not _E164.match(str(mobile)):
            raise InvalidParameterException("IdentityInfo.Mobile must be in E.164 format")
        keys = ("FirstName", "LastName", "Email", "SecondaryEmail", "Mobile")
        return {k: identity[k] for k in keys if identity.get(k) not in (None, "")}

    @staticmethod
    def _agents_check_ids(store: dict[str, Named], ids: Any, what: str) -> None:
        for item in ids:
            if item not in store:
                raise ResourceNotFoundException(f"{what} not found for id {item}")

    def _agents_check_security(self, agents: _Agents, ids: Any) -> list[str]:
        if not isinstance(ids, list) or not 1 <= len(ids) <= 10:
            raise InvalidParameterException("SecurityProfileIds must have between 1 and 10 items")
        self._agents_check_ids(agents.security_profiles, ids, "Security profile")
        return list(dict.fromkeys(ids))

    # -- users ---------------------------------------------------------------------------
    def create_user(self, instance_id: str, params: dict[str, Any]) -> dict[str, str]:
        agents = self._agents(instance_id)
        instance = self.known_instance(instance_id)
        username = params.get("Username")
        if not isinstance(username, str) or not 1 <= len(username) <= 100:
            raise InvalidParameterException("Username must be between 1 and 100 characters")
        identity_type = str(instance.identity_management_type)
        self._agents_check_username(username, identity_type)
        password = params.get("Password")
        if identity_type == "CONNECT_MANAGED":
            if not isinstance(password, str) or not _PASSWORD.match(password):
                raise InvalidParameterException(
                    "Password must be 8-64 characters with upper and lower case letters and a digit"
                )
        elif password is not None:
            raise InvalidRequestException("Password is only supported by CONNECT_MANAGED instances")
        identity = self._agents_check_identity(params.get("IdentityInfo"))
        missing = missing_identity(identity, identity_type)
        if missing:
            raise InvalidParameterException(
                f"IdentityInfo.{', IdentityInfo.'.join(missing)} required on a {identity_type} instance"
            )
        phone = self._agents_check_phone(params.get("PhoneConfig"))
        routing = params.get("RoutingProfileId")
        if not routing:
            raise InvalidParameterException("RoutingProfileId is a required parameter")
        with self.state_lock:
            self._agents_check_ids(agents.routing_profiles, [routing], "Routing profile")
            security = self._agents_check_security(agents, params.get("SecurityProfileIds"))
            group = params.get("HierarchyGroupId") or None
            if group:
                self._agents_check_ids(agents.hierarchy_groups, [group], "Hierarchy group")
            folded = username.casefold()
            if any(u.username.casefold() == folded for u in agents.users.values()):
                raise DuplicateResourceException(f"User with username {username} already exists")
            user_id = str(uuid.uuid4())
            user = _User(
                id=user_id,
                arn=f"{instance.arn}/agent/{user_id}",
                username=username,
                password=password,
                identity=identity,
                phone=phone,
                routing_profile_id=routing,
                security_profile_ids=security,
                hierarchy_group_id=group,
                directory_user_id=params.get("DirectoryUserId") or None,
            )
            agents.users[user_id] = user
            tags = params.get("Tags")
            if tags:
                self.tag_resource(user.arn, tags)
        return {"UserId": user.id, "UserArn": user.arn}

    def _agents_user_dict(self, user: _User, *, lite: bool = False) -> dict[str, Any]:
        identity = (
            {k: v for k, v in user.identity.items() if k in ("FirstName", "LastName")}
            if lite
            else dict(user.identity)
        )
        out: dict[str, Any] = {
            "Id": user.id,
            "Arn": user.arn,
            "Username": user.username,
            "IdentityInfo": identity,
            "PhoneConfig": _search_phone(user.phone) if lite else dict(user.phone),
            "SecurityProfileIds": list(user.security_profile_ids),
            "RoutingProfileId": user.routing_profile_id,
            "Tags": self.tagger.get_tag_dict_for_resource(user.arn),
        }
        if user.hierarchy_group_id:
            out["HierarchyGroupId"] = user.hierarchy_group_id
        if user.directory_user_id:
            out["DirectoryUserId"] = user.directory_user_id
        if not lite:
            out["LastModifiedTime"] = user.modified
            out["LastModifiedRegion"] = self.region_name
        return out

    def describe_user(self, instance_id: str, user_id: str) -> dict[str, Any]:
        _, user = self._agents_user(instance_id, user_id)
        return dict(self._agents_user_dict(user))

    def list_users(
        self, instance_id: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        agents = self._agents(instance_id)
        with self.state_lock:
            users = sorted(agents.users.values(), key=lambda u: u.username.casefold())
        chunk, token = http.page(users, next_token, max_results, 100, MAX_LIST_RESULTS)
        summaries = [
            {
                "Id": u.id,
                "Arn": u.arn,
                "Username": u.username,
                "LastModifiedTime": u.modified,
                "LastModifiedRegion": self.region_name,
            }
            for u in chunk
        ]
        return summaries, token

    def search_users(self, params: dict[str, Any]) -> dict[str, Any]:
        agents = self._agents(str(params.get("InstanceId") or ""))
        tag_filter = (params.get("SearchFilter") or {}).get("TagFilter")
        criteria = params.get("SearchCriteria")
        with self.state_lock:
            users = sorted(agents.users.values(), key=lambda u: u.username.casefold())
            matched = []
            for user in users:
                tags = self.tagger.get_tag_dict_for_resource(user.arn)
                if tag_filter and not _tag_filter_matches(tag_filter, tags):
                    continue
                if criteria and not _criteria_match(criteria, user, agents):
                    continue
                matched.append(self._agents_user_dict(user, lite=True))
        chunk, token = http.page(
            matched, params.get("NextToken"), params.get("MaxResults"), 100, _MAX_SEARCH_RESULTS
        )
        out: dict[str, Any] = {"Users": chunk, "ApproximateTotalCount": len(matched)}
        if token:
            out["NextToken"] = token
        return out

    def agents_update_user(self, instance_id: str, user_id: str, what: str, params: dict[str, Any]) -> None:
        agents, user = self._agents_user(instance_id, user_id)
        with self.state_lock:
            if what == "identity":
                user.identity = self._agents_check_identity(params.get("IdentityInfo") or {})
            elif what == "phone":
                user.phone = self._agents_check_phone(params.get("PhoneConfig"))
            elif what == "routing":
                routing = params.get("RoutingProfileId")
                if not routing:
                    raise InvalidParameterException("RoutingProfileId is a required parameter")
                self._agents_check_ids(agents.routing_profiles, [routing], "Routing profile")
                user.routing_profile_id = routing
            elif what == "security":
                user.security_profile_ids = self._agents_check_security(
                    agents, params.get("SecurityProfileIds")
                )
            elif what == "hierarchy":
                group = params.get("HierarchyGroupId") or None
                if group:
                    self._agents_check_ids(agents.hierarchy_groups, [group], "Hierarchy group")
                user.hierarchy_group_id = group
            user.modified = time.time()

    def delete_user(self, instance_id: str, user_id: str) -> None:
        agents, user = self._agents_user(instance_id, user_id)
        with self.state_lock:
            agents.users.pop(user.id, None)
            self.tagger.delete_all_tags_for_resource(user.arn)


def username_problem(username: str, identity_type: str) -> str | None:
    """What is wrong with ``username`` on an instance of ``identity_type`` (see USERNAME_RULE)."""
    limit = _USERNAME_MAX.get(identity_type, _USERNAME_MAX_OTHERS)
    if len(username) > limit:
        return f"can include up to {limit} characters on a {identity_type} instance"
    if not _USERNAME_CHARS.fullmatch(username):
        return "can only include the characters a-z A-Z 0-9 _ - . @"
    if "@" in username and not _USERNAME_EMAIL.fullmatch(username):
        return "can include @ only if used in an email format (user@example.com)"
    return None


def missing_identity(identity: dict[str, Any], identity_type: str) -> list[str]:
    """The IdentityInfo members CreateUser requires on this instance and did not get."""
    if identity_type not in _IDENTITY_TYPES_REQUIRING:
        return []
    return [k for k in _IDENTITY_REQUIRED if not identity.get(k)]


def _search_phone(phone: dict[str, Any]) -> dict[str, Any]:
    """PhoneConfig as SearchUsers returns it: the ACW limit in milliseconds."""
    out = dict(phone)
    out["AfterContactWorkTimeLimit"] = int(phone.get("AfterContactWorkTimeLimit", 0)) * 1000
    return out


def _tag_condition(condition: dict[str, Any], tags: dict[str, str]) -> bool:
    key = condition.get("TagKey")
    value = condition.get("TagValue")
    return key in tags and (value is None or tags[key] == value)


def _tag_filter_matches(tag_filter: dict[str, Any], tags: dict[str, str]) -> bool:
    if "TagCondition" in tag_filter and not _tag_condition(tag_filter["TagCondition"], tags):
        return False
    ands = tag_filter.get("AndConditions")
    if ands and not all(_tag_condition(c, tags) for c in ands):
        return False
    ors = tag_filter.get("OrConditions")
    return not ors or any(all(_tag_condition(c, tags) for c in group) for group in ors)


_SEARCHABLE = {
    "username": lambda u: u.username,
    "firstname": lambda u: u.identity.get("FirstName", ""),
    "lastname": lambda u: u.identity.get("LastName", ""),
    "resourceid": lambda u: u.id,
}


def _criteria_match(criteria: dict[str, Any], user: _User, agents: _Agents) -> bool:
    ors = criteria.get("OrConditions")
    if ors and not any(_criteria_match(c, user, agents) for c in ors):
        return False
    ands = criteria.get("AndConditions")
    if ands and not all(_criteria_match(c, user, agents) for c in ands):
        return False
    condition = criteria.get("StringCondition")
    if condition:
        getter = _SEARCHABLE.get(str(condition.get("FieldName", "")).casefold())
        if getter is None:
            raise InvalidParameterException(f"Unsupported search field {condition.get('FieldName')}")
        actual = str(getter(user)).casefold()
        wanted = str(condition.get("Value", "")).casefold()
        kind = condition.get("ComparisonType", "EXACT")
        if kind == "EXACT" and actual != wanted:
            return False
        if kind == "STARTS_WITH" and not actual.startswith(wanted):
            return False
        if kind == "CONTAINS" and wanted not in actual:
            return False
    group = criteria.get("HierarchyGroupCondition")
    if group and group.get("Value") and user.hierarchy_group_id != group["Value"]:
        return bool(
            group.get("HierarchyGroupMatchType") == "WITH_CHILD_GROUPS"
            and _descends(agents, user.hierarchy_group_id, group["Value"])
        )
    return True


def _descends(agents: _Agents, group_id: str | None, ancestor: str) -> bool:
    seen = 0
    while group_id and seen < len(LEVELS):
        if group_id == ancestor:
            return True
        parent = agents.hierarchy_groups.get(group_id)
        group_id = parent.parent_id if parent else None
        seen += 1
    return False


class Responses(_Base):
    """Grafted onto moto's ConnectResponse: one method per Connect operation."""

    # users
    def create_user(self) -> str:
        result = self.connect_backend.create_user(http.path(self, "InstanceId"), http.body(self))
        return json.dumps(result)

    def describe_user(self) -> str:
        user = self.connect_backend.describe_user(http.path(self, "InstanceId"), http.path(self, "UserId"))
        return json.dumps({"User": user})

    def list_users(self) -> str:
        items, next_token = self.connect_backend.list_users(
            http.path(self, "InstanceId"), http.max_results(self), http.query(self, "nextToken")
        )
        out: dict[str, Any] = {"UserSummaryList": items}
        if next_token:
            out["NextToken"] = next_token
        return json.dumps(out)

    def search_users(self) -> str:
        return json.dumps(self.connect_backend.search_users(http.body(self)))

    def _agents_update(self, what: str) -> str:
        self.connect_backend.agents_update_user(
            http.path(self, "InstanceId"), http.path(self, "UserId"), what, http.body(self)
        )
        return "{}"

    def update_user_identity_info(self) -> str:
        return str(self._agents_update("identity"))

    def update_user_phone_config(self) -> str:
        return str(self._agents_update("phone"))

    def update_user_routing_profile(self) -> str:
        return str(self._agents_update("routing"))

    def update_user_security_profiles(self) -> str:
        return str(self._agents_update("security"))

    def update_user_hierarchy(self) -> str:
        return str(self._agents_update("hierarchy"))

    def delete_user(self) -> str:
        self.connect_backend.delete_user(http.path(self, "InstanceId"), http.path(self, "UserId"))
        return "{}"
