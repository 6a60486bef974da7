"""Routing profiles, security profiles and user hierarchy groups of the Connect emulator.

They live in the users part's per-instance state (:mod:`gapfill.emulator.connect.users`
seeds a new instance's Admin, Agent, CallCenterManager and QualityAnalyst security profiles
and its Basic Routing Profile), because users point at them; their list, describe and create
operations are here. Tags live in moto's tagger under each resource's ARN, as for users.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gapfill.emulator.connect import instances as http
from gapfill.emulator.connect.errors import (
    DuplicateResourceException,
    InvalidParameterException,
    ResourceNotFoundException,
)
from gapfill.emulator.connect.users import LEVELS, MAX_LIST_RESULTS, Named

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object


class Backend(_Base):
    """Grafted onto moto's ConnectBackend, beside the users part it shares state with."""

    def _agents_store(self, instance_id: str, kind: str) -> dict[str, Named]:
        agents = self._agents(instance_id)
        return {
            "routing-profile": agents.routing_profiles,
            "security-profile": agents.security_profiles,
            "agent-group": agents.hierarchy_groups,
        }[kind]

    def agents_list(
        self, instance_id: str, kind: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        store = self._agents_store(instance_id, kind)
        with self.state_lock:
            items = sorted(store.values(), key=lambda i: (i.name.casefold(), i.id))
        chunk, token = http.page(items, next_token, max_results, 100, MAX_LIST_RESULTS)
        return [
            {
                "Id": i.id,
                "Arn": i.arn,
                "Name": i.name,
                "LastModifiedTime": i.modified,
                "LastModifiedRegion": self.region_name,
            }
            for i in chunk
        ], token

    def agents_describe(self, instance_id: str, kind: str, item_id: str) -> Named:
        store = self._agents_store(instance_id, kind)
        item = store.get(item_id or "")
        if item is None:
            raise ResourceNotFoundException(
                f"{kind.replace('-', ' ').capitalize()} not found for id {item_id}"
            )
        return item

    def agents_create(
        self,
        instance_id: str,
        kind: str,
        name: Any,
        *,
        description: str = "",
        parent_id: str | None = None,
        tags: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Named:
        if not isinstance(name, str) or not 1 <= len(name) <= 127:
            raise InvalidParameterException("Name must be between 1 and 127 characters")
        store = self._agents_store(instance_id, kind)
        instance = self.known_instance(instance_id)
        with self.state_lock:
            if parent_id is not None and parent_id not in store:
                raise ResourceNotFoundException(f"Parent group not found for id {parent_id}")
            if any(i.name == name and i.parent_id == parent_id for i in store.values()):
                raise DuplicateResourceException(f"A resource named {name} already exists")
            return self._agents_new(
                instance.arn,
                store,
                kind,
                name,
                description=description,
                parent_id=parent_id,
                tags=tags,
                extra=extra,
            )

    def agents_hierarchy_path(self, instance_id: str, group: Named) -> list[Named]:
        store = self._agents_store(instance_id, "agent-group")
        chain = [group]
        while chain[-1].parent_id and chain[-1].parent_id in store and len(chain) < len(LEVELS):
            chain.append(store[chain[-1].parent_id])
        return list(reversed(chain))


class Responses(_Base):
    """Grafted onto moto's ConnectResponse."""

    # routing profiles
    def _agents_list_named(self, kind: str, key: str) -> str:
        items, next_token = self.connect_backend.agents_list(
            http.path(self, "InstanceId"), kind, http.max_results(self), http.query(self, "nextToken")
        )
        if kind == "security-profile":
            items = [{**i, "Type": "CUSTOMER_MANAGED"} for i in items]
        out: dict[str, Any] = {key: items}
        if next_token:
            out["NextToken"] = next_token
        return json.dumps(out)

    def list_routing_profiles(self) -> str:
        return str(self._agents_list_named("routing-profile", "RoutingProfileSummaryList"))

    def describe_routing_profile(self) -> str:
        backend = self.connect_backend
        iid = http.path(self, "InstanceId")
        item = backend.agents_describe(iid, "routing-profile", http.path(self, "RoutingProfileId"))
        users = backend._agents(iid).users.values()
        profile = {
            "InstanceId": backend.instance_id_of(iid),
            "Name": item.name,
            "RoutingProfileArn": item.arn,
            "RoutingProfileId": item.id,
            "Description": item.description,
            "MediaConcurrencies": item.extra.get(
                "MediaConcurrencies", [{"Channel": "VOICE", "Concurrency": 1}]
            ),
            "Tags": backend.tagger.get_tag_dict_for_resource(item.arn),
            "NumberOfAssociatedQueues": len(item.extra.get("QueueConfigs", [])),
            "NumberOfAssociatedUsers": sum(1 for u in users if u.routing_profile_id == item.id),
            "LastModifiedTime": item.modified,
            "LastModifiedRegion": backend.region_name,
        }
        if item.extra.get("DefaultOutboundQueueId"):
            profile["DefaultOutboundQueueId"] = item.extra["DefaultOutboundQueueId"]
        return json.dumps({"RoutingProfile": profile})

    def create_routing_profile(self) -> str:
        body = http.body(self)
        if not body.get("DefaultOutboundQueueId"):
            raise InvalidParameterException("DefaultOutboundQueueId is a required parameter")
        extra = {
            k: body[k] for k in ("DefaultOutboundQueueId", "QueueConfigs", "MediaConcurrencies") if k in body
        }
        item = self.connect_backend.agents_create(
            http.path(self, "InstanceId"),
            "routing-profile",
            body.get("Name"),
            description=str(body.get("Description", "")),
            tags=body.get("Tags"),
            extra=extra,
        )
        return json.dumps({"RoutingProfileArn": item.arn, "RoutingProfileId": item.id})

    # security profiles
    def list_security_profiles(self) -> str:
        return str(self._agents_list_named("security-profile", "SecurityProfileSummaryList"))

    def describe_security_profile(self) -> str:
        backend = self.connect_backend
        item = backend.agents_describe(
            http.path(self, "InstanceId"), "security-profile", http.path(self, "SecurityProfileId")
        )
        return json.dumps(
            {
                "SecurityProfile": {
                    "Id": item.id,
                    "Arn": item.arn,
                    "SecurityProfileName": item.name,
                    "Description": item.description,
                    "Tags": backend.tagger.get_tag_dict_for_resource(item.arn),
                    "LastModifiedTime": item.modified,
                    "LastModifiedRegion": backend.region_name,
                }
            }
        )

    def create_security_profile(self) -> str:
        body = http.body(self)
        item = self.connect_backend.agents_create(
            http.path(self, "InstanceId"),
            "security-profile",
            body.get("SecurityProfileName"),
            description=str(body.get("Description", "")),
            tags=body.get("Tags"),
        )
        return json.dumps({"SecurityProfileId": item.id, "SecurityProfileArn": item.arn})

    # user hierarchy groups
    def list_user_hierarchy_groups(self) -> str:
        return str(self._agents_list_named("agent-group", "UserHierarchyGroupSummaryList"))

    def describe_user_hierarchy_group(self) -> str:
        backend = self.connect_backend
        iid = http.path(self, "InstanceId")
        item = backend.agents_describe(iid, "agent-group", http.path(self, "HierarchyGroupId"))
        chain = backend.agents_hierarchy_path(iid, item)
        path = {
            level: {"Id": g.id, "Arn": g.arn, "Name": g.name} for level, g in zip(LEVELS, chain, strict=False)
        }
        return json.dumps(
            {
                "HierarchyGroup": {
                    "Id": item.id,
                    "Arn": item.arn,
                    "Name": item.name,
                    "LevelId": str(len(chain)),
                    "HierarchyPath": path,
                    "Tags": backend.tagger.get_tag_dict_for_resource(item.arn),
                    "LastModifiedTime": item.modified,
                    "LastModifiedRegion": backend.region_name,
                }
            }
        )

    def create_user_hierarchy_group(self) -> str:
        body = http.body(self)
        item = self.connect_backend.agents_create(
            http.path(self, "InstanceId"),
            "agent-group",
            body.get("Name"),
            parent_id=body.get("ParentGroupId") or None,
            tags=body.get("Tags"),
        )
        return json.dumps({"HierarchyGroupId": item.id, "HierarchyGroupArn": item.arn})
