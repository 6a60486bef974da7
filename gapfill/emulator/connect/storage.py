"""Instance-level settings: attributes, approved origins and storage configs.

These are shared configuration of an instance (protocol rule 6): several stacks may
change different entries, so every operation touches exactly one entry and listing is
paginated like AWS.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gapfill.emulator.connect.errors import (
    InvalidParameterException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from gapfill.emulator.connect.instances import body, max_results, new_id, page, path, query

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object

#: InstanceAttributeType values and the value a new instance starts with.
ATTRIBUTE_DEFAULTS = {
    "INBOUND_CALLS": "true",
    "OUTBOUND_CALLS": "true",
    "CONTACTFLOW_LOGS": "false",
    "CONTACT_LENS": "true",
    "AUTO_RESOLVE_BEST_VOICES": "true",
    "USE_CUSTOM_TTS_VOICES": "false",
    "EARLY_MEDIA": "true",
    "MULTI_PARTY_CONFERENCE": "false",
    "AUTO_MUTE_AGENT_ON_HOLD": "false",
    "HIGH_VOLUME_OUTBOUND": "false",
    "ENHANCED_CONTACT_MONITORING": "false",
    "ENHANCED_CHAT_MONITORING": "false",
    "MULTI_PARTY_CHAT_CONFERENCE": "false",
    "MESSAGE_STREAMING": "false",
}
STORAGE_RESOURCE_TYPES = (
    "CHAT_TRANSCRIPTS",
    "CALL_RECORDINGS",
    "SCHEDULED_REPORTS",
    "MEDIA_STREAMS",
    "CONTACT_TRACE_RECORDS",
    "AGENT_EVENTS",
    "REAL_TIME_CONTACT_ANALYSIS_SEGMENTS",
    "ATTACHMENTS",
    "CONTACT_EVALUATIONS",
    "SCREEN_RECORDINGS",
    "REAL_TIME_CONTACT_ANALYSIS_CHAT_SEGMENTS",
    "REAL_TIME_CONTACT_ANALYSIS_VOICE_SEGMENTS",
    "EMAIL_MESSAGES",
)


class Backend(_Base):
    def init_state(self) -> None:
        self.instance_attributes: dict[str, dict[str, str]] = {}
        self.approved_origins: dict[str, list[str]] = {}
        #: instance id -> association id -> (resource type, storage config)
        self.storage_configs: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}

    def _attributes(self, instance_id: str) -> dict[str, str]:
        instance = self.ready_instance(instance_id)
        values = self.instance_attributes.setdefault(instance.id, dict(ATTRIBUTE_DEFAULTS))
        values["INBOUND_CALLS"] = "true" if instance.inbound_calls_enabled else "false"
        values["OUTBOUND_CALLS"] = "true" if instance.outbound_calls_enabled else "false"
        return values

    def update_instance_attribute(self, instance_id: str, attribute_type: str, value: str) -> None:
        if attribute_type not in ATTRIBUTE_DEFAULTS:
            raise InvalidParameterException(f"Invalid AttributeType: {attribute_type}")
        if value not in ("true", "false"):
            raise InvalidParameterException(f"Invalid value for {attribute_type}: {value}")
        with self.state_lock:
            values = self._attributes(instance_id)
            values[attribute_type] = value
            instance = self.ready_instance(instance_id)
            if attribute_type == "INBOUND_CALLS":
                instance.inbound_calls_enabled = value == "true"
            elif attribute_type == "OUTBOUND_CALLS":
                instance.outbound_calls_enabled = value == "true"

    def describe_instance_attribute(self, instance_id: str, attribute_type: str) -> dict[str, str]:
        if attribute_type not in ATTRIBUTE_DEFAULTS:
            raise InvalidParameterException(f"Invalid AttributeType: {attribute_type}")
        return {"AttributeType": attribute_type, "Value": self._attributes(instance_id)[attribute_type]}

    def list_instance_attributes(self, instance_id: str) -> list[dict[str, str]]:
        values = self._attributes(instance_id)
        return [{"AttributeType": k, "Value": v} for k, v in values.items()]

    # -- approved origins ----------------------------------------------------------------
    def associate_approved_origin(self, instance_id: str, origin: str) -> None:
        instance = self.ready_instance(instance_id)
        with self.state_lock:
            origins = self.approved_origins.setdefault(instance.id, [])
            if origin in origins:
                raise ResourceConflictException(f"Origin {origin} is already associated")
            origins.append(origin)

    def disassociate_approved_origin(self, instance_id: str, origin: str) -> None:
        instance = self.ready_instance(instance_id)
        with self.state_lock:
            origins = self.approved_origins.get(instance.id, [])
            if origin not in origins:
                raise ResourceNotFoundException(f"Origin {origin} is not associated")
            origins.remove(origin)

    def list_approved_origins(self, instance_id: str) -> list[str]:
        instance = self.ready_instance(instance_id)
        return list(self.approved_origins.get(instance.id, []))

    # -- storage configs -----------------------------------------------------------------
    def _check_storage_type(self, resource_type: str | None) -> str:
        if resource_type not in STORAGE_RESOURCE_TYPES:
            raise InvalidParameterException(f"Invalid ResourceType: {resource_type}")
        return str(resource_type)

    def associate_instance_storage_config(
        self, instance_id: str, resource_type: str, config: dict[str, Any]
    ) -> str:
        instance = self.ready_instance(instance_id)
        self._check_storage_type(resource_type)
        if config.get("StorageType") not in (
            "S3",
            "KINESIS_VIDEO_STREAM",
            "KINESIS_STREAM",
            "KINESIS_FIREHOSE",
        ):
            raise InvalidParameterException("StorageConfig.StorageType is not valid")
        with self.state_lock:
            configs = self.storage_configs.setdefault(instance.id, {})
            if any(t == resource_type for t, _ in configs.values()) and resource_type != "MEDIA_STREAMS":
                raise ResourceConflictException(f"A storage config for {resource_type} already exists")
            association_id = new_id().replace("-", "")
            configs[association_id] = (resource_type, {**config, "AssociationId": association_id})
            return association_id

    def _storage_config(self, instance_id: str, association_id: str, resource_type: str) -> dict[str, Any]:
        instance = self.ready_instance(instance_id)
        self._check_storage_type(resource_type)
        found = self.storage_configs.get(instance.id, {}).get(association_id)
        if found is None or found[0] != resource_type:
            raise ResourceNotFoundException(f"Storage config {association_id} not found")
        return found[1]

    def describe_instance_storage_config(
        self, instance_id: str, association_id: str, resource_type: str
    ) -> dict[str, Any]:
        return self._storage_config(instance_id, association_id, resource_type)

    def update_instance_storage_config(
        self, instance_id: str, association_id: str, resource_type: str, config: dict[str, Any]
    ) -> None:
        self._storage_config(instance_id, association_id, resource_type)
        instance = self.ready_instance(instance_id)
        with self.state_lock:
            self.storage_configs[instance.id][association_id] = (
                resource_type,
                {**config, "AssociationId": association_id},
            )

    def disassociate_instance_storage_config(
        self, instance_id: str, association_id: str, resource_type: str
    ) -> None:
        self._storage_config(instance_id, association_id, resource_type)
        instance = self.ready_instance(instance_id)
        with self.state_lock:
            del self.storage_configs[instance.id][association_id]

    def list_instance_storage_configs(self, instance_id: str, resource_type: str) -> list[dict[str, Any]]:
        instance = self.ready_instance(instance_id)
        self._check_storage_type(resource_type)
        configs = self.storage_configs.get(instance.id, {}).values()
        return [config for kind, config in configs if kind == resource_type]


class Responses(_Base):
    def update_instance_attribute(self) -> str:
        self.connect_backend.update_instance_attribute(
            path(self, "InstanceId"), path(self, "AttributeType"), str(body(self).get("Value", ""))
        )
        return "{}"

    def describe_instance_attribute(self) -> str:
        attribute = self.connect_backend.describe_instance_attribute(
            path(self, "InstanceId"), path(self, "AttributeType")
        )
        return json.dumps({"Attribute": attribute})

    def list_instance_attributes(self) -> str:
        items = self.connect_backend.list_instance_attributes(path(self, "InstanceId"))
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 7, 7)
        return json.dumps({"Attributes": chunk, "NextToken": token})

    def associate_approved_origin(self) -> str:
        self.connect_backend.associate_approved_origin(path(self, "InstanceId"), str(body(self)["Origin"]))
        return "{}"

    def disassociate_approved_origin(self) -> str:
        self.connect_backend.disassociate_approved_origin(
            path(self, "InstanceId"), str(query(self, "origin"))
        )
        return "{}"

    def list_approved_origins(self) -> str:
        items = self.connect_backend.list_approved_origins(path(self, "InstanceId"))
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 25, 25)
        return json.dumps({"Origins": chunk, "NextToken": token})

    def associate_instance_storage_config(self) -> str:
        params = body(self)
        association_id = self.connect_backend.associate_instance_storage_config(
            path(self, "InstanceId"), params.get("ResourceType"), dict(params.get("StorageConfig") or {})
        )
        return json.dumps({"AssociationId": association_id})

    def describe_instance_storage_config(self) -> str:
        config = self.connect_backend.describe_instance_storage_config(
            path(self, "InstanceId"), path(self, "AssociationId"), query(self, "resourceType")
        )
        return json.dumps({"StorageConfig": config})

    def update_instance_storage_config(self) -> str:
        self.connect_backend.update_instance_storage_config(
            path(self, "InstanceId"),
            path(self, "AssociationId"),
            query(self, "resourceType"),
            dict(body(self).get("StorageConfig") or {}),
        )
        return "{}"

    def disassociate_instance_storage_config(self) -> str:
        self.connect_backend.disassociate_instance_storage_config(
            path(self, "InstanceId"), path(self, "AssociationId"), query(self, "resourceType")
        )
        return "{}"

    def list_instance_storage_configs(self) -> str:
        items = self.connect_backend.list_instance_storage_configs(
            path(self, "InstanceId"), query(self, "resourceType")
        )
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 10, 10)
        return json.dumps({"StorageConfigs": chunk, "NextToken": token})
