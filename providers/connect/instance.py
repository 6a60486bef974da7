"""``Custom::ConnectInstance``: an Amazon Connect instance that reports what really happened.

Creation is asynchronous: ``create_instance`` answers 200 and the instance may still end
CREATION_FAILED minutes later (with every field but the status and reason null), so
success is reported only once ``describe_instance`` says ACTIVE, and failure carries AWS's
own ``StatusReason.Message``. Attributes and tags change in place; alias, identity
management type and directory replace the instance (the engine's replacement flow creates
the new one and CloudFormation deletes the old one afterwards).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from providers.connect import arns, instance_attributes
from providers.core.aws import error_code
from providers.core.errors import ProviderError
from providers.core.provider import Pending, Provider, ReadResult, Result

#: describe_instance may not know a just-created instance yet; tolerate this many misses.
MAX_NOT_FOUND = 10


class ConnectInstance(Provider):
    resource_type = "Custom::ConnectInstance"
    #: Connect documents creation in minutes; allow most of CloudFormation's hour.
    max_wait_seconds = 3000.0
    #: Only declared attributes and tags are managed; others keep whatever the instance has.
    DECLARED_KEYS_ONLY = ("Tags", "Attributes")

    # -- create ---------------------------------------------------------------------------
    def create(self) -> Pending:
        props = self.properties
        identity = props["IdentityManagementType"]
        if identity == "EXISTING_DIRECTORY" and not props.get("DirectoryId"):
            raise ProviderError("DirectoryId: required when IdentityManagementType is EXISTING_DIRECTORY")
        if identity != "EXISTING_DIRECTORY" and props.get("DirectoryId"):
            raise ProviderError("DirectoryId: only allowed when IdentityManagementType is EXISTING_DIRECTORY")
        if identity != "EXISTING_DIRECTORY" and not props.get("InstanceAlias"):
            raise ProviderError(f"InstanceAlias: required when IdentityManagementType is {identity}")
        attributes = props.get("Attributes") or {}
        request: dict[str, Any] = {
            "ClientToken": self.client_token("create-instance"),
            "IdentityManagementType": props["IdentityManagementType"],
            "InboundCallsEnabled": bool(attributes.get("InboundCalls", True)),
            "OutboundCallsEnabled": bool(attributes.get("OutboundCalls", True)),
        }
        if props.get("InstanceAlias"):
            request["InstanceAlias"] = props["InstanceAlias"]
        if props.get("DirectoryId"):
            request["DirectoryId"] = props["DirectoryId"]
        tags = arns.tag_map(props.get("Tags"))
        if tags:
            request["Tags"] = tags
        created = self.client("connect").create_instance(**request)
        label = props.get("InstanceAlias") or created["Id"]
        return Pending(
            created["Arn"],
            f"Connect instance {label} to become ACTIVE",
            {"id": created["Id"], "arn": created["Arn"], "misses": 0},
        )

    def check(self, pending: Pending) -> Result | Pending:
        state = pending.state
        connect = self.client("connect")
        try:
            described = connect.describe_instance(InstanceId=state["id"])["Instance"]
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException" and state.get("misses", 0) < MAX_NOT_FOUND:
                state["misses"] = state.get("misses", 0) + 1
                return pending
            raise
        status = described.get("InstanceStatus")
        if status == "CREATION_IN_PROGRESS":
            return pending
        if status == "CREATION_FAILED":
            reason = (described.get("StatusReason") or {}).get("Message") or "AWS gave no reason"
            # Report the ARN so that CloudFormation's follow-up Delete removes the husk.
            raise ProviderError(f"Connect instance creation failed: {reason}", physical_id=state["arn"])
        if status != "ACTIVE":
            raise ProviderError(f"Connect instance {state['id']} is in unexpected status {status}")
        self._apply_attributes(state["id"], skip_creation_ones=True)
        return Result(state["arn"], self._data(described, state["id"], state["arn"]))

    # -- update ---------------------------------------------------------------------------
    def update(self) -> Result:
        arn = str(self.physical_id)
        instance_id = arns.instance_id(arn)
        if instance_id is None:
            raise ProviderError(f"physical id {arn[:200]} is not a Connect instance ARN")
        self._apply_attributes(instance_id, skip_creation_ones=False)
        to_set, to_remove = arns.tag_changes(
            arns.tag_map(self.old_properties.get("Tags")), arns.tag_map(self.properties.get("Tags"))
        )
        connect = self.client("connect")
        if to_set:
            connect.tag_resource(resourceArn=arn, tags=to_set)
        if to_remove:
            connect.untag_resource(resourceArn=arn, tagKeys=to_remove)
        described = connect.describe_instance(InstanceId=instance_id)["Instance"]
        return Result(arn, self._data(described, instance_id, arn))

    def _apply_attributes(self, instance_id: str, *, skip_creation_ones: bool) -> None:
        """Set each declared attribute whose value differs from what the instance has."""
        wanted = instance_attributes.desired(self.properties.get("Attributes"))
        if skip_creation_ones:
            wanted = {k: v for k, v in wanted.items() if k not in instance_attributes.SET_AT_CREATION}
        if not wanted:
            return
        connect = self.client("connect")
        listed: list[dict[str, Any]] = []
        for page in connect.get_paginator("list_instance_attributes").paginate(InstanceId=instance_id):
            listed.extend(page.get("Attributes", []))
        for kind, value in instance_attributes.changes(wanted, instance_attributes.current(listed)).items():
            connect.update_instance_attribute(InstanceId=instance_id, AttributeType=kind, Value=value)
            self.log.info(
                "instance attribute set", extra={"phase": "attributes", "attribute": kind, "value": value}
            )

    @staticmethod
    def _data(described: dict[str, Any], instance_id: str, arn: str) -> dict[str, Any]:
        created = described.get("CreatedTime")
        access_url = described.get("InstanceAccessUrl") or ""
        return {
            "Id": instance_id,
            "Arn": arn,
            "InstanceAccessUrl": access_url,
            "CcpUrl": arns.ccp_url(access_url),
            "ServiceRole": described.get("ServiceRole") or "",
            "InstanceStatus": described.get("InstanceStatus") or "",
            "CreatedTime": created.isoformat() if isinstance(created, datetime) else str(created or ""),
        }

    # -- read -----------------------------------------------------------------------------
    def read(self) -> ReadResult | None:
        """Alias, identity type, directory, every instance attribute (booleans, named as in
        the template) and the user tags (``gapfill:`` keys left out); None when the instance is
        gone or its creation failed (a husk waiting for its Delete)."""
        arn = str(self.physical_id or "")
        instance_id = arns.instance_id(arn)
        if instance_id is None:
            return None
        connect = self.client("connect")
        try:
            described = connect.describe_instance(InstanceId=instance_id)["Instance"]
            listed: list[dict[str, Any]] = []
            for page in connect.get_paginator("list_instance_attributes").paginate(InstanceId=instance_id):
                listed.extend(page.get("Attributes", []))
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            return None
        if described.get("InstanceStatus") == "CREATION_FAILED":
            return None
        props: dict[str, Any] = {"IdentityManagementType": described.get("IdentityManagementType")}
        for name in ("InstanceAlias", "DirectoryId"):
            if described.get(name):
                props[name] = described[name]
        props["Attributes"] = instance_attributes.readable(instance_attributes.current(listed))
        tags = arns.user_tags(described.get("Tags"))
        if tags:
            props["Tags"] = tags
        data = self._data(described, instance_id, arn)
        return ReadResult({**props, **data}, data)

    def list_ids(self) -> list[str]:
        """Every instance of the account and region (ListInstances), by ARN."""
        pages = self.client("connect").get_paginator("list_instances").paginate()
        return [str(i["Arn"]) for page in pages for i in page.get("InstanceSummaryList", [])]

    def desired_read(self) -> dict[str, Any]:
        """Attributes as booleans (the template may write "true"), tags in read's order."""
        props = dict(self.properties)
        if "Attributes" in props:
            wanted = instance_attributes.desired(props["Attributes"])
            props["Attributes"] = instance_attributes.readable(wanted)
        if props.get("Tags"):
            props["Tags"] = arns.user_tags(arns.tag_map(props["Tags"]))
        return props

    # -- delete ---------------------------------------------------------------------------
    def delete(self) -> None:
        instance_id = arns.instance_id(str(self.physical_id))
        if instance_id is None:
            self.log.warning(
                "physical id is not an instance ARN; nothing of ours to delete", extra={"phase": "delete"}
            )
            return
        try:
            self.client("connect").delete_instance(InstanceId=instance_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            self.log.info("instance already gone", extra={"phase": "delete"})
