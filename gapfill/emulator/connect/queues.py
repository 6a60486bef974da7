"""Queues, hours of operation, prompts, Lambda associations, and an instance's defaults.

A new Connect instance is not empty: AWS creates ``BasicQueue``, ``Basic Hours``, the
default flows (``Default agent whisper`` and friends) and a set of prompts. Flow content
refers to them by ARN, so this part seeds them, lazily, the first time anything touches
an instance's queues, flows or prompts (:meth:`Backend.connect_ready`). The users part
seeds security and routing profiles the same way on its side.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gapfill.emulator import documented
from gapfill.emulator.connect.errors import (
    DuplicateResourceException,
    InvalidParameterException,
    ResourceConflictException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from gapfill.emulator.connect.instances import body, max_results, new_id, page, path, query, query_list

if TYPE_CHECKING:
    _Base = Any
else:
    _Base = object

#: Default flows of a new instance: (name, type).
DEFAULT_FLOWS = (
    ("Default customer queue", "CUSTOMER_QUEUE"),
    ("Default customer hold", "CUSTOMER_HOLD"),
    ("Default customer whisper", "CUSTOMER_WHISPER"),
    ("Default agent hold", "AGENT_HOLD"),
    ("Default agent whisper", "AGENT_WHISPER"),
    ("Default outbound", "OUTBOUND_WHISPER"),
    ("Default agent transfer", "AGENT_TRANSFER"),
    ("Default queue transfer", "QUEUE_TRANSFER"),
    ("Sample inbound flow (first contact experience)", "CONTACT_FLOW"),
)
#: Prompts of a new instance. Sources: a cached ListPrompts of a real instance published as
#: test data in an aws-samples repository (amazon-connect-rules-engine) lists exactly these
#: seven; the "Default customer hold" and "Default customer queue" flows exported from a real
#: instance (GoodMeasuresLLC/connect, environments/production/contact_flows/) play
#: Music_Jazz_MyTimetoFly_Inst.wav and Music_Pop_ThisAndThatIsLife_Inst.wav.
DEFAULT_PROMPTS = (
    "Beep.wav",
    "CustomerHold.wav",
    "CustomerQueue.wav",
    "Music_Jazz_MyTimetoFly_Inst.wav",
    "Music_Pop_ThisAndThatIsLife_Inst.wav",
    "Music_Pop_ThrowYourselfInFrontOfIt_Inst.wav",
    "Music_Rock_EverywhereTheSunShines_Inst.wav",
)
PROMPTS_RULE = documented.rule(
    id="connect.instance.default-prompts",
    service="connect",
    operations=("ListPrompts", "DescribePrompt"),
    source="https://docs.aws.amazon.com/connect/latest/adminguide/prompts.html",
    fact=(
        "Amazon Connect comes with a set of prompts that you can add to your flows. Their names, "
        "as a real instance lists them: " + ", ".join(DEFAULT_PROMPTS) + " (see DEFAULT_PROMPTS "
        "for the public exports these names come from)."
    ),
)
_LAMBDA_ARN = re.compile(
    r"^arn:aws[-a-z]*:lambda:[-a-z0-9]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$"
)


def default_flow_content(name: str) -> str:
    """A minimal valid flow: play nothing, disconnect."""
    return json.dumps(
        {
            "Version": "2019-10-30",
            "StartAction": "end",
            "Metadata": {"name": name},
            "Actions": [{"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}}],
        }
    )


@dataclass
class Named:
    """A queue, hours of operation or prompt: what listing and ARN lookups need."""

    id: str
    arn: str
    name: str
    kind: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    modified: float = field(default_factory=time.time)

    def summary(self, region: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "Id": self.id,
            "Arn": self.arn,
            "Name": self.name,
            "LastModifiedTime": self.modified,
            "LastModifiedRegion": region,
        }
        if self.kind == "queue":
            data["QueueType"] = self.details.get("QueueType", "STANDARD")
        return data


class Backend(_Base):
    def init_state(self) -> None:
        #: instance id -> kind ("queue", "operating-hours", "prompt") -> id -> Named
        self.named_resources: dict[str, dict[str, dict[str, Named]]] = {}
        self.lambda_associations: dict[str, list[str]] = {}
        self.seeded_instances: set[str] = set()

    def connect_ready(self, instance_id: str) -> Any:
        """The ACTIVE instance, with AWS's defaults seeded on first touch."""
        instance = self.ready_instance(instance_id)
        with self.state_lock:
            if instance.id not in self.seeded_instances:
                self.seeded_instances.add(instance.id)
                self._seed_defaults(instance.id)
        return instance

    def _seed_defaults(self, instance_id: str) -> None:
        hours = self._add_named(
            instance_id,
            "operating-hours",
            "Basic Hours",
            "Basic Hours",
            {"TimeZone": "UTC", "Config": []},
        )
        self._add_named(
            instance_id,
            "queue",
            "BasicQueue",
            "A simple, basic voice queue.",
            {"HoursOfOperationId": hours.id, "QueueType": "STANDARD", "Status": "ENABLED"},
        )
        for prompt in DEFAULT_PROMPTS:
            self._add_named(instance_id, "prompt", prompt, "", {})
        for name, flow_type in DEFAULT_FLOWS:
            self.store_flow(instance_id, name, flow_type, default_flow_content(name), "", "PUBLISHED", None)

    def _add_named(
        self, instance_id: str, kind: str, name: str, description: str, details: dict[str, Any]
    ) -> Named:
        resource_id = new_id()
        item = Named(
            resource_id, self.resource_arn(instance_id, kind, resource_id), name, kind, description, details
        )
        self.named_resources.setdefault(instance_id, {}).setdefault(kind, {})[resource_id] = item
        return item

    def named(self, instance_id: str, kind: str) -> dict[str, Named]:
        instance = self.connect_ready(instance_id)
        return self.named_resources.setdefault(instance.id, {}).setdefault(kind, {})

    def _get_named(self, instance_id: str, kind: str, resource_id: str) -> Named:
        resource_id = resource_id.rsplit("/", 1)[-1]
        item = self.named(instance_id, kind).get(resource_id)
        if item is None:
            raise ResourceNotFoundException(f"{kind} {resource_id} not found")
        return item

    def forget_instance_queues(self, instance_id: str, _arn: str) -> None:
        self.named_resources.pop(instance_id, None)
        self.lambda_associations.pop(instance_id, None)
        self.seeded_instances.discard(instance_id)

    # -- queues --------------------------------------------------------------------------
    def create_queue(self, instance_id: str, params: dict[str, Any]) -> Named:
        name = str(params.get("Name") or "")
        if not 1 <= len(name) <= 127:
            raise InvalidParameterException("Name must be 1 to 127 characters")
        hours_id = str(params.get("HoursOfOperationId") or "")
        self._get_named(instance_id, "operating-hours", hours_id)
        with self.state_lock:
            queues = self.named(instance_id, "queue")
            if any(q.name == name for q in queues.values()):
                raise DuplicateResourceException(f"Queue {name} already exists")
            instance = self.connect_ready(instance_id)
            details = {
                "HoursOfOperationId": hours_id,
                "QueueType": "STANDARD",
                "Status": "ENABLED",
                "MaxContacts": params.get("MaxContacts"),
            }
            queue = self._add_named(instance.id, "queue", name, str(params.get("Description") or ""), details)
        if params.get("Tags"):
            self.tag_resource(queue.arn, params["Tags"])
        return queue

    def create_hours_of_operation(self, instance_id: str, params: dict[str, Any]) -> Named:
        name = str(params.get("Name") or "")
        if not 1 <= len(name) <= 127:
            raise InvalidParameterException("Name must be 1 to 127 characters")
        if not params.get("TimeZone"):
            raise InvalidParameterException("TimeZone is a required parameter")
        config = params.get("Config")
        if not isinstance(config, list):
            raise InvalidParameterException("Config is a required parameter")
        with self.state_lock:
            hours = self.named(instance_id, "operating-hours")
            if any(h.name == name for h in hours.values()):
                raise DuplicateResourceException(f"Hours of operation {name} already exists")
            instance = self.connect_ready(instance_id)
            details = {"TimeZone": params["TimeZone"], "Config": config}
            item = self._add_named(
                instance.id, "operating-hours", name, str(params.get("Description") or ""), details
            )
        if params.get("Tags"):
            self.tag_resource(item.arn, params["Tags"])
        return item

    def create_prompt(self, instance_id: str, params: dict[str, Any]) -> Named:
        name = str(params.get("Name") or "")
        if not 1 <= len(name) <= 127:
            raise InvalidParameterException("Name must be 1 to 127 characters")
        if not params.get("S3Uri"):
            raise InvalidParameterException("S3Uri is a required parameter")
        with self.state_lock:
            prompts = self.named(instance_id, "prompt")
            if any(p.name == name for p in prompts.values()):
                raise DuplicateResourceException(f"Prompt {name} already exists")
            instance = self.connect_ready(instance_id)
            details = {"S3Uri": str(params["S3Uri"])}
            item = self._add_named(instance.id, "prompt", name, str(params.get("Description") or ""), details)
        if params.get("Tags"):
            self.tag_resource(item.arn, params["Tags"])
        return item

    def delete_queue(self, instance_id: str, queue_id: str) -> None:
        queue = self._get_named(instance_id, "queue", queue_id)
        with self.state_lock:
            del self.named(instance_id, "queue")[queue.id]

    # -- Lambda functions ----------------------------------------------------------------
    def associate_lambda_function(self, instance_id: str, function_arn: str) -> None:
        instance = self.connect_ready(instance_id)
        if not _LAMBDA_ARN.match(function_arn):
            raise InvalidParameterException(f"FunctionArn is not a Lambda function ARN: {function_arn}")
        with self.state_lock:
            functions = self.lambda_associations.setdefault(instance.id, [])
            if function_arn in functions:
                raise ResourceConflictException(f"{function_arn} is already associated")
            functions.append(function_arn)

    def disassociate_lambda_function(self, instance_id: str, function_arn: str) -> None:
        instance = self.connect_ready(instance_id)
        with self.state_lock:
            functions = self.lambda_associations.get(instance.id, [])
            if function_arn not in functions:
                raise ResourceNotFoundException(f"{function_arn} is not associated")
            functions.remove(function_arn)

    def list_lambda_functions(self, instance_id: str) -> list[str]:
        instance = self.connect_ready(instance_id)
        return list(self.lambda_associations.get(instance.id, []))

    def resource_in_use(self, arn: str) -> bool:
        """Whether a published flow refers to ``arn`` (AWS refuses to delete such queues)."""
        finder = getattr(self, "flows_referring_to", None)
        return bool(finder and finder(arn))


class Responses(_Base):
    def _list_named(self, kind: str, key: str) -> str:
        backend = self.connect_backend
        items = sorted(backend.named(path(self, "InstanceId"), kind).values(), key=lambda n: n.name)
        if kind == "queue":
            wanted = query_list(self, "queueTypes")
            if wanted:
                items = [q for q in items if q.details.get("QueueType") in wanted]
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 100, 1000)
        return json.dumps({key: [i.summary(backend.region_name) for i in chunk], "NextToken": token})

    def list_queues(self) -> str:
        return self._list_named("queue", "QueueSummaryList")

    def list_prompts(self) -> str:
        return self._list_named("prompt", "PromptSummaryList")

    def list_hours_of_operations(self) -> str:
        return self._list_named("operating-hours", "HoursOfOperationSummaryList")

    def create_queue(self) -> str:
        queue = self.connect_backend.create_queue(path(self, "InstanceId"), body(self))
        return json.dumps({"QueueArn": queue.arn, "QueueId": queue.id})

    def describe_queue(self) -> str:
        queue = self.connect_backend._get_named(path(self, "InstanceId"), "queue", path(self, "QueueId"))
        data = {
            "Name": queue.name,
            "QueueArn": queue.arn,
            "QueueId": queue.id,
            "Description": queue.description,
            "HoursOfOperationId": queue.details.get("HoursOfOperationId"),
            "MaxContacts": queue.details.get("MaxContacts"),
            "Status": queue.details.get("Status", "ENABLED"),
            "Tags": self.connect_backend.list_tags_for_resource(queue.arn),
            "LastModifiedTime": queue.modified,
            "LastModifiedRegion": self.connect_backend.region_name,
        }
        return json.dumps({"Queue": data})

    def delete_queue(self) -> str:
        backend = self.connect_backend
        queue = backend._get_named(path(self, "InstanceId"), "queue", path(self, "QueueId"))
        if backend.resource_in_use(queue.arn):
            raise ResourceInUseException(f"Queue {queue.name} is used by a flow")
        backend.delete_queue(path(self, "InstanceId"), queue.id)
        return "{}"

    def create_hours_of_operation(self) -> str:
        hours = self.connect_backend.create_hours_of_operation(path(self, "InstanceId"), body(self))
        return json.dumps({"HoursOfOperationId": hours.id, "HoursOfOperationArn": hours.arn})

    def describe_hours_of_operation(self) -> str:
        hours = self.connect_backend._get_named(
            path(self, "InstanceId"), "operating-hours", path(self, "HoursOfOperationId")
        )
        data = {
            "HoursOfOperationId": hours.id,
            "HoursOfOperationArn": hours.arn,
            "Name": hours.name,
            "Description": hours.description,
            "TimeZone": hours.details.get("TimeZone", "UTC"),
            "Config": hours.details.get("Config", []),
        }
        return json.dumps({"HoursOfOperation": data})

    def describe_prompt(self) -> str:
        prompt = self.connect_backend._get_named(path(self, "InstanceId"), "prompt", path(self, "PromptId"))
        backend = self.connect_backend
        data = {
            "PromptARN": prompt.arn,
            "PromptId": prompt.id,
            "Name": prompt.name,
            "Description": prompt.description,
            "Tags": backend.list_tags_for_resource(prompt.arn),
            "LastModifiedTime": prompt.modified,
            "LastModifiedRegion": backend.region_name,
        }
        return json.dumps({"Prompt": data})

    def create_prompt(self) -> str:
        prompt = self.connect_backend.create_prompt(path(self, "InstanceId"), body(self))
        return json.dumps({"PromptARN": prompt.arn, "PromptId": prompt.id})

    def associate_lambda_function(self) -> str:
        self.connect_backend.associate_lambda_function(
            path(self, "InstanceId"), str(body(self).get("FunctionArn", ""))
        )
        return "{}"

    def disassociate_lambda_function(self) -> str:
        self.connect_backend.disassociate_lambda_function(
            path(self, "InstanceId"), str(query(self, "functionArn") or "")
        )
        return "{}"

    def list_lambda_functions(self) -> str:
        items = self.connect_backend.list_lambda_functions(path(self, "InstanceId"))
        chunk, token = page(items, query(self, "nextToken"), max_results(self), 25, 25)
        return json.dumps({"LambdaFunctions": chunk, "NextToken": token})
