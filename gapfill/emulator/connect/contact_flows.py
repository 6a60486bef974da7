"""Contact flows: create, describe, content and metadata updates, delete, list.

Content is validated the way AWS does it where it matters for providers: publishing checks
that the content is a JSON flow (``Version``, ``StartAction``, ``Actions``) and that every
Connect ARN it mentions is a queue, flow, prompt or hours of operation of this instance and
every Lambda ARN is associated with it. Every problem found is returned in the
``problems`` list of ``InvalidContactFlowException``, not just the first one. Saving
(``Status`` SAVED, or an id with the ``:$SAVED`` suffix) only needs valid JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gapfill.emulator.connect.errors import (
    DuplicateResourceException,
    InvalidContactFlowException,
    InvalidParameterException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from gapfill.emulator.connect.instances import body, max_results, new_id, page, path, query, query_list

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object

FLOW_TYPES = (
    "CONTACT_FLOW",
    "CUSTOMER_QUEUE",
    "CUSTOMER_HOLD",
    "CUSTOMER_WHISPER",
    "AGENT_HOLD",
    "AGENT_WHISPER",
    "OUTBOUND_WHISPER",
    "AGENT_TRANSFER",
    "QUEUE_TRANSFER",
    "CAMPAIGN",
)
SAVED_SUFFIX = ":$SAVED"
MAX_CONTENT = 256_000
_CONNECT_ARN = re.compile(
    r"arn:aws[-a-z]*:connect:[-a-z0-9]+:\d{12}:instance/([-A-Za-z0-9]+)/"
    r"(queue|contact-flow|prompt|operating-hours)/([-A-Za-z0-9]+)"
)
_LAMBDA_ARN = re.compile(
    r"arn:aws[-a-z]*:lambda:[-a-z0-9]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9$_-]+)?"
)
_KIND_NAMES = {
    "queue": "Queue",
    "contact-flow": "Flow",
    "prompt": "Prompt",
    "operating-hours": "Hours of operation",
}


@dataclass
class Flow:
    id: str
    arn: str
    instance_id: str
    name: str
    type: str
    description: str
    status: str
    content: str
    saved_content: str
    state: str = "ACTIVE"
    is_default: bool = False
    version: int = 1
    modified: float = field(default_factory=time.time)

    def describe(self, region: str, saved: bool) -> dict[str, Any]:
        content = self.saved_content if saved or self.status == "SAVED" else self.content
        return {
            "Arn": self.arn,
            "Id": self.id,
            "Name": self.name,
            "Type": self.type,
            "State": self.state,
            "Status": self.status,
            "Description": self.description,
            "Content": content,
            "FlowContentSha256": hashlib.sha256(content.encode()).hexdigest(),
            "Version": self.version,
            "LastModifiedTime": self.modified,
            "LastModifiedRegion": region,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Arn": self.arn,
            "Name": self.name,
            "ContactFlowType": self.type,
            "ContactFlowState": self.state,
            "ContactFlowStatus": self.status,
        }


def structural_problems(content: str) -> tuple[Any, list[str]]:
    """Parse ``content`` and list what makes it not a flow at all."""
    try:
        document = json.loads(content)
    except ValueError as exc:
        return None, [f"Content is not valid JSON: {exc}"]
    if not isinstance(document, dict):
        return None, ["Content must be a JSON object"]
    problems = [
        f"Missing required field: {key}"
        for key in ("Version", "StartAction", "Actions")
        if key not in document
    ]
    actions = document.get("Actions")
    identifiers: list[str] = []
    if "Actions" in document and not isinstance(actions, list):
        problems.append("Actions must be a list")
    for index, action in enumerate(actions if isinstance(actions, list) else []):
        if not isinstance(action, dict):
            problems.append(f"Actions[{index}] must be an object")
            continue
        for key in ("Identifier", "Type"):
            if not action.get(key):
                problems.append(f"Actions[{index}] is missing {key}")
        if action.get("Identifier"):
            if action["Identifier"] in identifiers:
                problems.append(f"Duplicate action identifier: {action['Identifier']}")
            identifiers.append(str(action["Identifier"]))
    start = document.get("StartAction")
    if "StartAction" in document and isinstance(actions, list) and start not in identifiers:
        problems.append(f"StartAction {start} does not match any action Identifier")
    return document, problems


class Backend(_Base):
    def init_state(self) -> None:
        #: instance id -> flow id -> Flow
        self.contact_flows: dict[str, dict[str, Flow]] = {}

    def store_flow(
        self,
        instance_id: str,
        name: str,
        flow_type: str,
        content: str,
        description: str,
        status: str,
        tags: dict[str, str] | None,
    ) -> Flow:
        flow_id = new_id()
        flow = Flow(
            id=flow_id,
            arn=self.resource_arn(instance_id, "contact-flow", flow_id),
            instance_id=instance_id,
            name=name,
            type=flow_type,
            description=description,
            status=status,
            content=content if status == "PUBLISHED" else "",
            saved_content=content,
            is_default=name.startswith(("Default ", "Sample ")),
        )
        self.contact_flows.setdefault(instance_id, {})[flow_id] = flow
        if tags:
            self.tag_resource(flow.arn, tags)
        return flow

    def flows_of(self, instance_id: str) -> dict[str, Flow]:
        instance = self.connect_ready(instance_id)
        return self.contact_flows.setdefault(instance.id, {})

    def get_flow(self, instance_id: str, flow_id: str) -> Flow:
        flow_id = flow_id.removesuffix(SAVED_SUFFIX).rsplit("/", 1)[-1]
        flow = self.flows_of(instance_id).get(flow_id)
        if flow is None:
            raise ResourceNotFoundException(f"Contact flow not found: {flow_id}")
        return flow

    def forget_instance_flows(self, instance_id: str, _arn: str) -> None:
        self.contact_flows.pop(instance_id, None)

    def flows_referring_to(self, arn: str) -> list[str]:
        return [
            f.arn for flows in self.contact_flows.values() for f in flows.values() if arn in (f.content or "")
        ]

    def flow_content_problems(self, instance_id: str, content: str) -> list[str]:
        """Everything AWS would reject when publishing ``content`` in this instance."""
        instance = self.connect_ready(instance_id)
        _, problems = structural_problems(content)
        if problems and problems[0].startswith("Content is not valid JSON"):
            return problems
        for match in _CONNECT_ARN.finditer(content):
            arn, owner, kind, resource_id = match.group(0), match.group(1), match.group(2), match.group(3)
            label = _KIND_NAMES[kind]
            if owner != instance.id:
                problems.append(f"{label} {arn} belongs to another instance")
            elif kind == "contact-flow":
                if resource_id not in self.contact_flows.get(instance.id, {}):
                    problems.append(f"{label} {arn} does not exist")
            elif resource_id not in self.named(instance.id, kind):
                problems.append(f"{label} {arn} does not exist")
        associated = self.list_lambda_functions(instance.id)
        for match in _LAMBDA_ARN.finditer(content):
            if match.group(0) not in associated:
                problems.append(f"Lambda function {match.group(0)} is not associated with the instance")
        return list(dict.fromkeys(problems))

    def _check_content(self, instance_id: str, content: str, publish: bool) -> None:
        if len(content) > MAX_CONTENT:
            raise InvalidParameterException(f"Content is longer than {MAX_CONTENT} characters")
        if publish:
            problems = self.flow_content_problems(instance_id, content)
        else:
            _, found = structural_problems(content)
            problems = [p for p in found if p.startswith("Content is not valid JSON")]
        if problems:
            raise InvalidContactFlowException([{"message": p} for p in problems])

    def create_contact_flow(self, instance_id: str, params: dict[str, Any]) -> Flow:
        instance = self.connect_ready(instance_id)
        name = str(params.get("Name") or "")
        flow_type = str(params.get("Type") or "")
        status = str(params.get("Status") or "PUBLISHED")
        content = params.get("Content")
        if not name or len(name) > 127:
            raise InvalidParameterException("Name must be 1 to 127 characters")
        if flow_type not in FLOW_TYPES:
            raise InvalidParameterException(f"Invalid contact flow type: {flow_type}")
        if status not in ("PUBLISHED", "SAVED"):
            raise InvalidParameterException(f"Invalid status: {status}")
        if not isinstance(content, str):
            raise InvalidParameterException("Content is required")
        with self.state_lock:
            if any(f.name == name for f in self.flows_of(instance.id).values()):
                raise DuplicateResourceException(f"A contact flow named {name} already exists")
            self._check_content(instance.id, content, status == "PUBLISHED")
            return self.store_flow(
                instance.id,
                name,
                flow_type,
                content,
                str(params.get("Description") or ""),
                status,
                params.get("Tags"),
            )

    def update_contact_flow_content(self, instance_id: str, flow_id: str, content: str) -> None:
        flow = self.get_flow(instance_id, flow_id)
        publish = not flow_id.endswith(SAVED_SUFFIX)
        with self.state_lock:
            self._check_content(flow.instance_id, content, publish)
            flow.saved_content = content
            if publish:
                flow.content = content
                flow.status = "PUBLISHED"
            flow.version += 1
            flow.modified = time.time()

    def update_contact_flow_metadata(
        self, instance_id: str, flow_id: str, name: str | None, description: str | None, state: str | None
    ) -> None:
        flow = self.get_flow(instance_id, flow_id)
        if state is not None and state not in ("ACTIVE", "ARCHIVED"):
            raise InvalidParameterException(f"Invalid ContactFlowState: {state}")
        with self.state_lock:
            if name is not None and name != flow.name:
                if any(f.name == name for f in self.flows_of(flow.instance_id).values()):
                    raise DuplicateResourceException(f"A contact flow named {name} already exists")
                flow.name = name
            if description is not None:
                flow.description = description
            if state is not None:
                flow.state = state
            flow.modified = time.time()

    def delete_contact_flow(self, instance_id: str, flow_id: str) -> None:
        flow = self.get_flow(instance_id, flow_id)
        if flow.is_default:
            raise InvalidRequestException(f"The default flow {flow.name} cannot be deleted")
        with self.state_lock:
            del self.contact_flows[flow.instance_id][flow.id]


class Responses(_Base):
    def create_contact_flow(self) -> str:
        flow = self.connect_backend.create_contact_flow(path(self, "InstanceId"), body(self))
        digest = hashlib.sha256(flow.saved_content.encode()).hexdigest()
        return json.dumps({"ContactFlowId": flow.id, "ContactFlowArn": flow.arn, "FlowContentSha256": digest})

    def describe_contact_flow(self) -> str:
        backend = self.connect_backend
        flow_id = path(self, "ContactFlowId")
        flow = backend.get_flow(path(self, "InstanceId"), flow_id)
        data = flow.describe(backend.region_name, flow_id.endswith(SAVED_SUFFIX))
        data["Tags"] = backend.list_tags_for_resource(flow.arn)
        return json.dumps({"ContactFlow": data})

    def update_contact_flow_content(self) -> str:
        content = body(self).get("Content")
        if not isinstance(content, str):
            raise InvalidParameterException("Content is required")
        self.connect_backend.update_contact_flow_content(
            path(self, "InstanceId"), path(self, "ContactFlowId"), content
        )
        return "{}"

    def update_contact_flow_metadata(self) -> str:
        params = body(self)
        self.connect_backend.update_contact_flow_metadata(
            path(self, "InstanceId"),
            path(self, "ContactFlowId"),
            params.get("Name"),
            params.get("Description"),
            params.get("ContactFlowState"),
        )
        return "{}"

    def update_contact_flow_name(self) -> str:
        params = body(self)
        self.connect_backend.update_contact_flow_metadata(
            path(self, "InstanceId"),
            path(self, "ContactFlowId"),
            params.get("Name"),
            params.get("Description"),
            None,
        )
        return "{}"

    def delete_contact_flow(self) -> str:
        self.connect_backend.delete_contact_flow(path(self, "InstanceId"), path(self, "ContactFlowId"))
        return "{}"

    def list_contact_flows(self) -> str:
        flows = self.connect_backend.flows_of(path(self, "InstanceId")).values()
        wanted = query_list(self, "contactFlowTypes")
        items = sorted((f for f in flows if not wanted or f.type in wanted), key=lambda f: (f.name, f.id))
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 100, 1000)
        return json.dumps({"ContactFlowSummaryList": [f.summary() for f in chunk], "NextToken": token})
