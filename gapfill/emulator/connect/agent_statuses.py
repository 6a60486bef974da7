"""Agent statuses and quick connects: create and list.

A new Connect instance has two agent statuses, ``Available`` (ROUTABLE) and ``Offline``
(OFFLINE), and no quick connects. They are seeded lazily per instance, the first time
either list is read, next to the queues part's own defaults (which this part reuses for
storage: :class:`gapfill.emulator.connect.queues.Named`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gapfill.emulator import documented
from gapfill.emulator.connect.errors import DuplicateResourceException, InvalidParameterException
from gapfill.emulator.connect.instances import body, max_results, page, path, query, query_list

if TYPE_CHECKING:
    from gapfill.emulator.connect.queues import Named

    _Base = Any
else:
    _Base = object

#: The resources' ARN formats as the Service Authorization Reference writes them (after the
#: account); the ARN kind under which each is stored is the format's third segment.
STATUS_ARN_FORMAT = "instance/${InstanceId}/agent-state/${AgentStatusId}"
QUICK_CONNECT_ARN_FORMAT = "instance/${InstanceId}/transfer-destination/${QuickConnectId}"
ARN_FORMAT_RULE = documented.rule(
    id="connect.agent-status-and-quick-connect.arn-format",
    service="connect",
    operations=("CreateAgentStatus", "ListAgentStatuses", "CreateQuickConnect", "ListQuickConnects"),
    source="https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonconnect.html",
    fact=(
        "An agent status's ARN is arn:${Partition}:connect:${Region}:${Account}:"
        + STATUS_ARN_FORMAT
        + " and a quick connect's is arn:${Partition}:connect:${Region}:${Account}:"
        + QUICK_CONNECT_ARN_FORMAT
        + "."
    ),
)
STATUS_KIND = STATUS_ARN_FORMAT.split("/")[2]
QUICK_CONNECT_KIND = QUICK_CONNECT_ARN_FORMAT.split("/")[2]

DEFAULT_STATUSES = (("Available", "ROUTABLE"), ("Offline", "OFFLINE"))
DEFAULT_STATUSES_RULE = documented.rule(
    id="connect.instance.default-agent-statuses",
    service="connect",
    operations=("ListAgentStatuses",),
    source="https://docs.aws.amazon.com/connect/latest/adminguide/agent-custom.html",
    fact=(
        "A new instance has two agent statuses, Available (type ROUTABLE) and Offline (type "
        "OFFLINE); custom statuses are added beside them and are of type CUSTOM."
    ),
)
QUICK_CONNECT_TYPES = ("USER", "QUEUE", "PHONE_NUMBER", "FLOW")
QUICK_CONNECT_CONFIG_RULE = documented.rule(
    id="connect.create-quick-connect.config-per-type",
    service="connect",
    operations=("CreateQuickConnect",),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_QuickConnectConfig.html",
    fact=(
        "QuickConnectConfig's UserConfig is required only if QuickConnectType is USER, QueueConfig "
        "only if it is QUEUE, PhoneConfig only if it is PHONE_NUMBER."
    ),
)
_CONFIG_FOR = {
    "USER": "UserConfig",
    "QUEUE": "QueueConfig",
    "PHONE_NUMBER": "PhoneConfig",
    "FLOW": "FlowConfig",
}


class Backend(_Base):
    def init_state(self) -> None:
        self.statuses_seeded: set[str] = set()

    def agent_statuses(self, instance_id: str) -> dict[str, Named]:
        """The instance's agent statuses, the two defaults seeded on first read."""
        instance = self.connect_ready(instance_id)
        with self.state_lock:
            if instance.id not in self.statuses_seeded:
                self.statuses_seeded.add(instance.id)
                for name, status_type in DEFAULT_STATUSES:
                    self._add_named(
                        instance.id, STATUS_KIND, name, "", {"Type": status_type, "State": "ENABLED"}
                    )
        return self.named(instance.id, STATUS_KIND)

    def create_agent_status(self, instance_id: str, params: dict[str, Any]) -> Named:
        name = str(params.get("Name") or "")
        state = str(params.get("State") or "")
        instance = self.connect_ready(instance_id)
        statuses = self.agent_statuses(instance.id)
        with self.state_lock:
            if any(s.name == name for s in statuses.values()):
                raise DuplicateResourceException(f"Agent status {name} already exists")
            details = {"Type": "CUSTOM", "State": state, "DisplayOrder": params.get("DisplayOrder")}
            item = self._add_named(
                instance.id, STATUS_KIND, name, str(params.get("Description") or ""), details
            )
        if params.get("Tags"):
            self.tag_resource(item.arn, params["Tags"])
        return item

    def create_quick_connect(self, instance_id: str, params: dict[str, Any]) -> Named:
        name = str(params.get("Name") or "")
        config = params.get("QuickConnectConfig") or {}
        kind = str(config.get("QuickConnectType") or "")
        needed = _CONFIG_FOR.get(kind)
        if needed and kind != "FLOW" and not config.get(needed):
            raise InvalidParameterException(
                f"QuickConnectConfig.{needed} is required when QuickConnectType is {kind} "
                f"({QUICK_CONNECT_CONFIG_RULE.cite()})"
            )
        instance = self.connect_ready(instance_id)
        with self.state_lock:
            existing = self.named(instance.id, QUICK_CONNECT_KIND)
            if any(q.name == name for q in existing.values()):
                raise DuplicateResourceException(f"Quick connect {name} already exists")
            details = {"QuickConnectType": kind, "Config": config}
            item = self._add_named(
                instance.id, QUICK_CONNECT_KIND, name, str(params.get("Description") or ""), details
            )
        if params.get("Tags"):
            self.tag_resource(item.arn, params["Tags"])
        return item


def _summary(item: Named, region: str, type_key: str) -> dict[str, Any]:
    return {
        "Id": item.id,
        "Arn": item.arn,
        "Name": item.name,
        type_key: item.details.get(type_key),
        "LastModifiedTime": item.modified,
        "LastModifiedRegion": region,
    }


class Responses(_Base):
    def _list_typed(self, items: dict[str, Named], key: str, type_key: str, type_filter: str) -> str:
        backend = self.connect_backend
        wanted = query_list(self, type_filter)
        chosen = sorted(items.values(), key=lambda n: n.name)
        if wanted:
            chosen = [i for i in chosen if i.details.get(type_key) in wanted]
        chunk, token = page(chosen, query(self, "nextToken"), max_results(self), 100, 1000)
        summaries = [_summary(i, backend.region_name, type_key) for i in chunk]
        return json.dumps({key: summaries, "NextToken": token})

    def list_agent_statuses(self) -> str:
        statuses = self.connect_backend.agent_statuses(path(self, "InstanceId"))
        return self._list_typed(statuses, "AgentStatusSummaryList", "Type", "AgentStatusTypes")

    def list_quick_connects(self) -> str:
        backend = self.connect_backend
        instance = backend.connect_ready(path(self, "InstanceId"))
        items = backend.named(instance.id, QUICK_CONNECT_KIND)
        return self._list_typed(items, "QuickConnectSummaryList", "QuickConnectType", "QuickConnectTypes")

    def create_agent_status(self) -> str:
        item = self.connect_backend.create_agent_status(path(self, "InstanceId"), body(self))
        return json.dumps({"AgentStatusARN": item.arn, "AgentStatusId": item.id})

    def create_quick_connect(self) -> str:
        item = self.connect_backend.create_quick_connect(path(self, "InstanceId"), body(self))
        return json.dumps({"QuickConnectARN": item.arn, "QuickConnectId": item.id})
