"""Contact flows: create, describe, content and metadata updates, delete, list.

Content is checked as the Flow language is documented (:mod:`.flow_language`): publishing
(``Status`` PUBLISHED, or a content update without ``:$SAVED``) validates the whole flow for
its type and checks that every static ID or ARN the language puts in an action parameter
names a queue, flow, prompt, hours of operation, agent, flow module or associated Lambda
function of this instance; ``Metadata`` and free text are never read. Every problem found is returned in the
``problems`` of ``InvalidContactFlowException``. Saving (``Status`` SAVED, or ``:$SAVED``)
only checks the documented length: AWS says SAVED does not initiate validation.

A flow that was saved but never published has no published content: DescribeContactFlow
without ``:$SAVED`` answers ``ContactFlowNotPublishedException``, as AWS does. Views
and Lex bot aliases are not checked (AWS documents no such check on publishing).
Deletion is refused for nothing: AWS documents no flow that DeleteContactFlow refuses.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gapfill.emulator import documented
from gapfill.emulator.connect import flow_language
from gapfill.emulator.connect.errors import (
    ContactFlowNotPublishedException,
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

SAVED_SUFFIX = ":$SAVED"
RULE_NOT_PUBLISHED = documented.rule(
    id="connect.flow.describe-not-published",
    service="connect",
    operations=("DescribeContactFlow",),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribeContactFlow.html",
    fact="Use the $SAVED alias (contact-flow/{id}:$SAVED) to describe the SAVED content of a flow; "
    "ContactFlowNotPublishedException (HTTP 404): the flow has not been published.",
)
RULE_VERSIONS = documented.rule(
    id="connect.flow.versions",
    service="connect",
    operations=("CreateContactFlowVersion", "DescribeContactFlow"),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateContactFlowVersion.html",
    fact="CreateContactFlowVersion publishes a new version of the flow's $LATEST published content; "
    "versions are immutable and monotonically increasing; if the FlowContentSha256 given differs from "
    "that of the $LATEST published content an error is returned. DescribeContactFlow of "
    "contact-flow/{id}:{version} returns that version's content.",
)
#: Reference kind -> (the kind's word in a Connect ARN, readable name).
_KINDS = {
    "queue": ("queue", "queue"),
    "contact-flow": ("contact-flow", "flow"),
    "prompt": ("prompt", "prompt"),
    "operating-hours": ("operating-hours", "hours of operation"),
    "agent": ("agent", "agent"),
    "flow-module": ("flow-module", "flow module"),
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
    #: Published content; None until the flow is first published.
    content: str | None
    saved_content: str
    state: str = "ACTIVE"
    version: int = 1
    modified: float = field(default_factory=time.time)
    #: CreateContactFlowVersion snapshots: version -> (content, description, created)
    versions: dict[int, tuple[str, str, float]] = field(default_factory=dict)

    def describe_version(self, region: str, number: int) -> dict[str, Any]:
        if number not in self.versions:
            raise ResourceNotFoundException(f"Contact flow {self.id} has no version {number}")
        content, description, created = self.versions[number]
        data = self.describe(region, saved=True)
        data.update(
            Content=content,
            Status="PUBLISHED",
            Version=number,
            VersionDescription=description,
            FlowContentSha256=hashlib.sha256(content.encode()).hexdigest(),
            LastModifiedTime=created,
        )
        return data

    def describe(self, region: str, saved: bool) -> dict[str, Any]:
        if saved:
            content = self.saved_content
        elif self.content is None:
            raise ContactFlowNotPublishedException(
                f"The flow {self.id} has not been published; "
                f"describe {self.id}{SAVED_SUFFIX} for its saved content."
            )
        else:
            content = self.content
        return {
            "Arn": self.arn,
            "Id": self.id,
            "Name": self.name,
            "Type": self.type,
            "State": self.state,
            "Status": self.status if saved else "PUBLISHED",
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

    def refers_to(self, arn: str) -> bool:
        """Whether the published content names ``arn`` in a reference parameter."""
        if self.content is None:
            return False
        try:
            document = json.loads(self.content)
        except ValueError:
            return False
        resource_id = arn.rsplit("/", 1)[-1]
        return any(
            ref.value in (arn, resource_id)
            for ref in flow_language.references(document if isinstance(document, dict) else {})
        )


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
            content=content if status == "PUBLISHED" else None,
            saved_content=content,
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
        flow_id = flow_id.rsplit(":", 1)[0] if re.search(r":\d+$", flow_id) else flow_id
        flow = self.flows_of(instance_id).get(flow_id)
        if flow is None:
            raise ResourceNotFoundException(f"Contact flow not found: {flow_id}")
        return flow

    def forget_instance_flows(self, instance_id: str, _arn: str) -> None:
        self.contact_flows.pop(instance_id, None)

    def flows_referring_to(self, arn: str) -> list[str]:
        """Published flows whose action parameters name ``arn`` (never Metadata or free text)."""
        return [f.arn for flows in self.contact_flows.values() for f in flows.values() if f.refers_to(arn)]

    def flow_content_problems(
        self, instance_id: str, content: str, flow_type: str | None = None
    ) -> list[str]:
        """Everything AWS would reject when publishing ``content`` in this instance."""
        instance = self.connect_ready(instance_id)
        document, problems = flow_language.parse(content)
        if document is None:
            return [p.text() for p in problems]
        problems = flow_language.validate(document, flow_type)
        problems += [
            flow_language.Problem(flow_language.RULE_REFERENCES.id, message, ref.identifier)
            for ref in flow_language.references(document)
            if (message := self._reference_problem(instance.id, ref)) is not None
        ]
        return [p.text() for p in problems]

    def _reference_problem(self, instance_id: str, ref: flow_language.Reference) -> str | None:
        """Why ``ref`` names nothing usable in this instance, or None when it does."""
        if ref.kind == "lambda":
            if ref.value in self.list_lambda_functions(instance_id):
                return None
            return f"{ref.parameter}: Lambda function {ref.value} is not associated with the instance"
        if ref.kind not in _KINDS:
            # Views are not modelled; a Lex bot alias's association is not documented as
            # checked when a flow is published.
            return None
        arn_kind, label = _KINDS[ref.kind]
        resource_id = ref.value
        parts = flow_language.connect_arn(ref.value)
        if parts is not None:
            owner, kind, resource_id = parts
            if kind != arn_kind:
                return f"{ref.parameter}: {ref.value} is not a {label} ARN"
            if owner != instance_id:
                return f"{ref.parameter}: {label} {ref.value} belongs to another instance"
        if resource_id in self._resource_ids(instance_id, ref.kind):
            return None
        return f"{ref.parameter}: {label} {ref.value} does not exist"

    def _resource_ids(self, instance_id: str, kind: str) -> set[str]:
        if kind == "contact-flow":
            return set(self.contact_flows.get(instance_id, {}))
        if kind == "flow-module":
            return set(getattr(self, "flow_modules", {}).get(instance_id, {}))
        if kind == "agent":
            store = getattr(self, "agent_store", {}).get(instance_id)
            users = getattr(store, "users", None) if store is not None else None
            return set(users or ())
        return set(self.named(instance_id, kind))

    def _check_content(self, instance_id: str, content: str, publish: bool, flow_type: str) -> None:
        low, high = flow_language.MIN_CONTENT, flow_language.MAX_CONTENT
        if not low <= len(content) <= high:
            raise InvalidParameterException(f"Content must be {low} to {high} characters long")
        if not publish:
            return  # flow_language.RULE_SAVED: SAVED does not initiate validation
        problems = self.flow_content_problems(instance_id, content, flow_type)
        if problems:
            raise InvalidContactFlowException([{"message": p[:256]} for p in problems[:50]])

    def create_contact_flow(self, instance_id: str, params: dict[str, Any]) -> Flow:
        instance = self.connect_ready(instance_id)
        name = str(params.get("Name") or "")
        flow_type = str(params.get("Type") or "")
        status = str(params.get("Status") or "PUBLISHED")
        content = params.get("Content")
        if not name or len(name) > 127:
            raise InvalidParameterException("Name must be 1 to 127 characters")
        if flow_type not in flow_language.flow_types():
            raise InvalidParameterException(f"Invalid contact flow type: {flow_type}")
        if status not in ("PUBLISHED", "SAVED"):
            raise InvalidParameterException(f"Invalid status: {status}")
        if not isinstance(content, str):
            raise InvalidParameterException("Content is required")
        with self.state_lock:
            if any(f.name == name for f in self.flows_of(instance.id).values()):
                raise DuplicateResourceException(f"A contact flow named {name} already exists")
            self._check_content(instance.id, content, status == "PUBLISHED", flow_type)
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
            self._check_content(flow.instance_id, content, publish, flow.type)
            flow.saved_content = content
            if publish:
                flow.content = content
            flow.status = "PUBLISHED" if publish else "SAVED"
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

    def create_flow_version(self, instance_id: str, flow_id: str, params: dict[str, Any]) -> tuple[Flow, int]:
        flow = self.get_flow(instance_id, flow_id)
        with self.state_lock:
            if flow.content is None:
                raise InvalidRequestException(f"The flow {flow.id} has no published content to version")
            digest = params.get("FlowContentSha256")
            if digest and digest != hashlib.sha256(flow.content.encode()).hexdigest():
                raise InvalidRequestException("FlowContentSha256 differs from the $LATEST published content")
            number = max(flow.versions, default=0) + 1
            flow.versions[number] = (flow.content, str(params.get("Description") or ""), time.time())
            return flow, number

    def delete_contact_flow(self, instance_id: str, flow_id: str) -> None:
        flow = self.get_flow(instance_id, flow_id)
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
        qualifier = re.search(r":(\d+)$", flow_id)
        if qualifier:
            data = flow.describe_version(backend.region_name, int(qualifier.group(1)))
        else:
            data = flow.describe(backend.region_name, flow_id.endswith(SAVED_SUFFIX))
        data["Tags"] = backend.list_tags_for_resource(flow.arn)
        return json.dumps({"ContactFlow": data})

    def create_contact_flow_version(self) -> str:
        flow, number = self.connect_backend.create_flow_version(
            path(self, "InstanceId"), path(self, "ContactFlowId"), body(self)
        )
        return json.dumps({"ContactFlowArn": f"{flow.arn}:{number}", "Version": number})

    def list_contact_flow_versions(self) -> str:
        flow = self.connect_backend.get_flow(path(self, "InstanceId"), path(self, "ContactFlowId"))
        items = [
            {"Arn": f"{flow.arn}:{n}", "VersionDescription": d, "Version": n, "LastModifiedTime": t}
            for n, (_, d, t) in sorted(flow.versions.items())
        ]
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 100, 1000)
        return json.dumps({"ContactFlowVersionSummaryList": chunk, "NextToken": token})

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
