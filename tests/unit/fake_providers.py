"""Small in-memory providers for testing the protocol engine without AWS."""

from __future__ import annotations

import itertools
import time
from typing import Any, ClassVar

from providers.core.errors import ProviderError
from providers.core.provider import Pending, Provider, Result

STORE: dict[str, dict[str, Any]] = {}
_counter = itertools.count(1)

SCHEMA: dict[str, Any] = {
    "typeName": "Gapfill::Test::Thing",
    "description": "test",
    "properties": {
        "Name": {"type": "string", "minLength": 1},
        "Size": {"type": "integer", "minimum": 0, "default": 1},
        "Enabled": {"type": "boolean"},
        "Code": {"type": "string"},
        "Secret": {"type": "string"},
        "Delay": {"type": "number"},
        "Users": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"Email": {"type": "string", "format": "email"}, "Age": {"type": "integer"}},
                "additionalProperties": False,
            },
        },
        "Big": {"type": "string"},
        "Id": {"type": "string"},
    },
    "required": ["Name"],
    "additionalProperties": False,
    "createOnlyProperties": ["/properties/Name"],
    "readOnlyProperties": ["/properties/Id"],
    "writeOnlyProperties": ["/properties/Secret"],
    "primaryIdentifier": ["/properties/Id"],
}


class Thing(Provider):
    resource_type = "Custom::TestThing"
    schema_document: ClassVar[dict[str, Any] | None] = SCHEMA
    calls: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def create(self) -> Result | Pending:
        Thing.calls.append(("create", dict(self.properties)))
        pid = f"thing-{self.properties['Name']}-{next(_counter)}"
        STORE[pid] = dict(self.properties)
        delay = self.properties.get("Delay")
        if delay:
            return Pending(pid, f"thing {pid}", {"ready_at": time.time() + float(delay)})
        return Result(
            pid,
            {"Id": pid, "Big": self.properties.get("Big", "")} if "Big" in self.properties else {"Id": pid},
        )

    def check(self, pending: Pending) -> Result | Pending:
        Thing.calls.append(("check", dict(pending.state)))
        if time.time() < pending.state["ready_at"]:
            return pending
        return Result(pending.physical_id, {"Id": pending.physical_id})

    def update(self) -> Result | Pending:
        Thing.calls.append(("update", dict(self.properties)))
        assert self.physical_id
        STORE[self.physical_id] = dict(self.properties)
        return Result(self.physical_id, {"Id": self.physical_id})

    def delete(self) -> None:
        Thing.calls.append(("delete", dict(self.properties)))
        STORE.pop(str(self.physical_id), None)


class Failing(Thing):
    def create(self) -> Result | Pending:
        raise ProviderError("it broke: " + str(self.properties.get("Secret", "")))


class Hanging(Thing):
    def create(self) -> Result | Pending:
        time.sleep(30)
        return Result("never")
