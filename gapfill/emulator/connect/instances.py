"""Connect instances as AWS really behaves: asynchronous creation, ClientToken, failures.

moto's own ``create_instance``/``describe_instance`` answer ACTIVE at once, which hides the
bugs this project exists to avoid (reporting success while creation is still running or has
failed). This part replaces them: status is computed lazily from the creation timestamp and
the knobs in force when the instance was requested (no threads), a repeated ClientToken
returns the first instance, and an instance that ends CREATION_FAILED is described the way
AWS describes it, with ``StatusReason`` and every other field null.

It also holds the small helpers the other parts share: paging, ARNs and the "instance must
exist and be ACTIVE" check.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from moto.connect.models import Instance

from gapfill.emulator import documented
from gapfill.emulator.connect.errors import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
)

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object

IDENTITY_TYPES = ("SAML", "CONNECT_MANAGED", "EXISTING_DIRECTORY")

ALIAS_RULE = documented.rule(
    id="connect.create-instance.alias",
    service="connect",
    operations=("CreateInstance",),
    source="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-connect-instance.html",
    fact=(
        "InstanceAlias is only required when IdentityManagementType is CONNECT_MANAGED or SAML; it "
        "is not required when IdentityManagementType is EXISTING_DIRECTORY (stated on the "
        "AWS::Connect::Instance reference; the CreateInstance API reference leaves it optional "
        "without saying when)."
    ),
)

READY_RULE = documented.rule(
    id="connect.instance.not-active",
    service="connect",
    operations=(
        "CreateUser",
        "SearchUsers",
        "ListUsers",
        "ListRoutingProfiles",
        "ListSecurityProfiles",
        "CreateUserHierarchyGroup",
        "ListQueues",
        "CreateContactFlow",
        "ClaimPhoneNumber",
    ),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_Instance.html",
    fact=(
        "InstanceStatus is CREATION_IN_PROGRESS, ACTIVE or CREATION_FAILED; an instance is usable "
        "once ACTIVE. The reference names no specific error for work on an instance that is not "
        "ACTIVE: the emulator answers InvalidRequestException ('The request is not valid'), an "
        "error every instance-scoped operation documents, in every part (flows, queues, numbers, "
        "users and profiles) alike."
    ),
)


class EmulatedInstance(Instance):
    """moto's instance plus what AWS tracks while it is being created."""

    def __init__(self, *args: Any, ready_at: float, failure: str | None, **kwargs: Any) -> None:
        self.ready_at = ready_at
        self.failure = failure
        self.directory_id: str | None = None
        super().__init__(*args, **kwargs)

    @property
    def instance_status(self) -> str:
        if time.time() < self.ready_at:
            return "CREATION_IN_PROGRESS"
        return "CREATION_FAILED" if self.failure else "ACTIVE"

    @instance_status.setter
    def instance_status(self, _value: str) -> None:
        """moto's constructor assigns ACTIVE; status is derived from time instead."""

    def describe(self) -> dict[str, Any]:
        status = self.instance_status
        if status == "CREATION_FAILED":
            # What AWS returns for a failed creation: the reason, and nulls elsewhere.
            return {
                "Id": None,
                "Arn": None,
                "IdentityManagementType": None,
                "InstanceAlias": None,
                "CreatedTime": None,
                "ServiceRole": None,
                "InstanceStatus": status,
                "StatusReason": {"Message": self.failure},
                "InboundCallsEnabled": None,
                "OutboundCallsEnabled": None,
                "InstanceAccessUrl": None,
            }
        data = self.to_dict()
        data["CreatedTime"] = self.created_time.timestamp()
        return data


#: InstanceSummary's members (botocore's connect model), in its order.
SUMMARY_KEYS = (
    "Id",
    "Arn",
    "IdentityManagementType",
    "InstanceAlias",
    "CreatedTime",
    "ServiceRole",
    "InstanceStatus",
    "InboundCallsEnabled",
    "OutboundCallsEnabled",
    "InstanceAccessUrl",
)


def page(
    items: Sequence[Any], next_token: str | None, max_results: int | None, default: int, limit: int
) -> tuple[list[Any], str | None]:
    """Slice ``items`` the way Connect pages: opaque NextToken, MaxResults within bounds."""
    size = default if max_results is None else int(max_results)
    if not 1 <= size <= limit:
        raise InvalidParameterException(f"MaxResults must be between 1 and {limit}")
    return slice_page(items, token_offset(next_token), size)


def slice_page(items: Sequence[Any], start: int, size: int) -> tuple[list[Any], str | None]:
    """The page of ``size`` items from ``start``, and the NextToken of the one after, if any."""
    chunk = list(items[start : start + size])
    end = start + size
    token = base64.b64encode(json.dumps({"offset": end}).encode()).decode() if end < len(items) else None
    return chunk, token


def decoded_offset(next_token: str | None) -> int | None:
    """Where the page a NextToken asks for starts; None for a token Connect never gave.

    Raises nothing: operations document different errors for a bad token."""
    if not next_token:
        return 0
    try:
        return int(json.loads(base64.b64decode(next_token))["offset"])
    except (ValueError, KeyError, TypeError):
        return None


def token_offset(next_token: str | None) -> int:
    """Where the page a NextToken asks for starts."""
    start = decoded_offset(next_token)
    if start is None:
        raise InvalidParameterException("The NextToken is not valid")
    return start


def query(response: Any, name: str) -> str | None:
    values = response.querystring.get(name)
    if isinstance(values, list):
        return str(values[0]) if values else None
    return str(values) if values is not None else None


def query_list(response: Any, name: str) -> list[str]:
    values = response.querystring.get(name) or []
    return [str(v) for v in values] if isinstance(values, list) else [str(values)]


def body(response: Any) -> dict[str, Any]:
    """The request's JSON body; anything but an object reads as empty."""
    loaded = json.loads(response.body) if response.body else {}
    return loaded if isinstance(loaded, dict) else {}


def path(response: Any, name: str) -> str:
    value = response.uri_match.get(name) if response.uri_match else None
    return unquote(str(value)) if value else ""


def max_results(response: Any, params: dict[str, Any] | None = None) -> int | None:
    raw = (params or {}).get("MaxResults") or query(response, "maxResults")
    return int(raw) if raw is not None else None


class Backend(_Base):
    def init_state(self) -> None:
        self.instance_tokens: dict[str, str] = {}
        #: Every status describe_instance reported, per instance: tests read the sequence.
        self.describe_log: dict[str, list[str]] = {}

    # -- shared helpers ------------------------------------------------------------------
    def resource_arn(self, instance_id: str, kind: str, resource_id: str) -> str:
        prefix = f"arn:aws:connect:{self.region_name}:{self.account_id}"
        return f"{prefix}:instance/{instance_id}/{kind}/{resource_id}"

    def instance_id_of(self, value: str) -> str:
        """Accept an instance id or ARN, as Connect does for InstanceId parameters."""
        if value.startswith("arn:"):
            return value.split("instance/", 1)[-1].split("/", 1)[0]
        return value

    def known_instance(self, instance_id: str) -> Any:
        """The instance, which must exist (whatever its status)."""
        instance_id = self.instance_id_of(instance_id)
        instance = self.instances.get(instance_id)
        if instance is None:
            raise ResourceNotFoundException(f"Instance not found: {instance_id}")
        return instance

    def ready_instance(self, instance_id: str) -> Any:
        """The instance, which must exist and be ACTIVE (AWS refuses work on the others)."""
        instance = self.known_instance(instance_id)
        status = instance.instance_status
        if status != "ACTIVE":
            raise InvalidRequestException(f"Instance {instance.id} is {status}")
        return instance

    # -- moto overrides ------------------------------------------------------------------
    def create_instance(
        self,
        identity_management_type: str,
        inbound_calls_enabled: bool,
        outbound_calls_enabled: bool,
        instance_alias: str | None = None,
        tags: dict[str, str] | None = None,
        client_token: str | None = None,
        directory_id: str | None = None,
    ) -> dict[str, str]:
        with self.state_lock:
            if client_token and client_token in self.instance_tokens:
                existing = self.instances.get(self.instance_tokens[client_token])
                if existing is not None:
                    return {"Id": existing.id, "Arn": existing.arn}
            if identity_management_type not in IDENTITY_TYPES:
                raise InvalidParameterException(
                    f"IdentityManagementType must be one of {', '.join(IDENTITY_TYPES)}"
                )
            if identity_management_type == "EXISTING_DIRECTORY" and not directory_id:
                raise InvalidRequestException("DirectoryId is required for EXISTING_DIRECTORY")
            if identity_management_type != "EXISTING_DIRECTORY" and directory_id:
                raise InvalidRequestException("DirectoryId is only valid with EXISTING_DIRECTORY")
            if identity_management_type != "EXISTING_DIRECTORY" and not instance_alias:
                raise InvalidRequestException("InstanceAlias is required")
            if instance_alias and any(
                i.instance_alias == instance_alias and i.instance_status != "CREATION_FAILED"
                for i in self.instances.values()
            ):
                raise InvalidRequestException(f"The alias {instance_alias} is already in use")
            instance = EmulatedInstance(
                identity_management_type=identity_management_type,
                inbound_calls_enabled=inbound_calls_enabled,
                outbound_calls_enabled=outbound_calls_enabled,
                instance_alias=instance_alias,
                account_id=self.account_id,
                region=self.region_name,
                tags=tags,
                ready_at=time.time() + float(self.knobs.instance_creation_delay or 0.0),
                failure=self.knobs.instance_creation_failure,
            )
            instance.directory_id = directory_id
            self.instances[instance.id] = instance
            if client_token:
                self.instance_tokens[client_token] = instance.id
            if tags:
                self.tag_resource(instance.arn, tags)
            return {"Id": instance.id, "Arn": instance.arn}

    def describe_instance(self, instance_id: str) -> dict[str, Any]:
        instance_id = self.instance_id_of(instance_id)
        instance = self.instances.get(instance_id)
        if instance is None:
            raise ResourceNotFoundException(f"Instance not found: {instance_id}")
        data = instance.describe() if isinstance(instance, EmulatedInstance) else instance.to_dict()
        self.describe_log.setdefault(instance_id, []).append(data["InstanceStatus"])
        return data

    def list_instances(self) -> list[dict[str, Any]]:
        """InstanceSummary of every instance, as DescribeInstance tells it (epoch CreatedTime)."""
        summaries = []
        for instance in list(self.instances.values()):
            data = instance.to_dict()
            if isinstance(instance, EmulatedInstance):
                data["CreatedTime"] = instance.created_time.timestamp()
                data["InstanceStatus"] = instance.instance_status
            summaries.append({k: data[k] for k in SUMMARY_KEYS if data.get(k) is not None})
        return summaries

    def delete_instance(self, instance_id: str) -> None:
        instance_id = self.instance_id_of(instance_id)
        with self.state_lock:
            if instance_id not in self.instances:
                raise ResourceNotFoundException(f"Instance not found: {instance_id}")
            arn = self.instances[instance_id].arn
            del self.instances[instance_id]
            self.analytics_data_associations.pop(instance_id, None)
            for hook_name in ("forget_instance_flows", "forget_instance_queues", "forget_instance_numbers"):
                hook = getattr(self, hook_name, None)
                if hook is not None:
                    hook(instance_id, arn)
            for attr in ("instance_attributes", "approved_origins", "storage_configs", "agent_store"):
                store = getattr(self, attr, None)
                if isinstance(store, dict):
                    store.pop(instance_id, None)


class Responses(_Base):
    def create_instance(self) -> str:
        params = body(self)
        result = self.connect_backend.create_instance(
            identity_management_type=str(params.get("IdentityManagementType", "")),
            inbound_calls_enabled=bool(params.get("InboundCallsEnabled", False)),
            outbound_calls_enabled=bool(params.get("OutboundCallsEnabled", False)),
            instance_alias=params.get("InstanceAlias"),
            tags=params.get("Tags"),
            client_token=params.get("ClientToken"),
            directory_id=params.get("DirectoryId"),
        )
        return json.dumps(result)

    def describe_instance(self) -> str:
        data = self.connect_backend.describe_instance(path(self, "InstanceId"))
        return json.dumps({"Instance": data})

    def list_instances(self) -> str:
        """Served here rather than by moto, whose summaries carry ISO times (rest-json
        timestamps are epoch seconds) and none of the emulated instances' statuses."""
        items = self.connect_backend.list_instances()
        start = decoded_offset(query(self, "nextToken"))
        if start is None:  # ListInstances documents InvalidRequestException for a bad request
            raise InvalidRequestException("The NextToken is not valid")
        chunk, token = slice_page(items, start, max_results(self) or 10)  # 1-10 checked by the model
        return json.dumps({"InstanceSummaryList": chunk, **({"NextToken": token} if token else {})})


def new_id() -> str:
    return str(uuid.uuid4())
