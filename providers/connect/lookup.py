"""``Custom::ConnectLookup``: ARNs and ids of an instance's existing resources, by name.

Native ``AWS::Connect::*`` types take ARNs only, and an instance's built-ins (BasicQueue,
Basic Hours, Basic Routing Profile, the Admin and Agent security profiles, the default flows
and prompts) are made by Connect, not by the stack. This read-only type lists them and hands
their ARNs and ids to ``Fn::GetAtt``.

Attribute names (the one mapping, :func:`attribute_key`): ``<Kind>.<Key>.Arn`` and
``<Kind>.<Key>.Id``, where ``<Kind>`` is the singular of the property (``Queues`` ->
``Queue``) and ``<Key>`` is the name with every character outside ``A-Z a-z 0-9`` removed
(``Basic Routing Profile`` -> ``BasicRoutingProfile``, ``Beep.wav`` -> ``Beepwav``), so an
attribute never holds a dot or a space that ``!GetAtt Lookup.X.Y`` would split or break on.
Two names of one kind that map to the same key are refused, naming both.

Names resolve through :mod:`providers.connect.resolve` (exact case first, then ignoring
case; an ARN or id of the same instance is accepted too), and a missing name fails with the
names that do exist. Delete does nothing: nothing was made. The physical id is derived from
the instance and the resource's place in the stack, so a repeated request answers the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from providers.connect import arns
from providers.connect.arns import instance_id_of
from providers.connect.resolve import Catalog, ResolveError, load_catalog, resolve
from providers.core.aws import error_code
from providers.core.errors import ProviderError
from providers.core.ids import short_hash
from providers.core.provider import Outcome, Provider, ReadResult, Result

PID_PREFIX = "connect-lookup"
#: property -> (attribute prefix, ARN kind in resolve.KINDS)
LOOKUPS: dict[str, tuple[str, str]] = {
    "Queues": ("Queue", "queue"),
    "RoutingProfiles": ("RoutingProfile", "routing-profile"),
    "SecurityProfiles": ("SecurityProfile", "security-profile"),
    "HoursOfOperations": ("HoursOfOperation", "operating-hours"),
    "ContactFlows": ("ContactFlow", "contact-flow"),
    "ContactFlowModules": ("ContactFlowModule", "flow-module"),
    "Prompts": ("Prompt", "prompt"),
    "AgentStatuses": ("AgentStatus", "agent-state"),
    "QuickConnects": ("QuickConnect", "transfer-destination"),
}
_NOT_KEY = re.compile(r"[^A-Za-z0-9]")


# -- pure logic ------------------------------------------------------------------------------------
def attribute_key(name: str) -> str:
    """The ``<Key>`` part of an attribute name for a looked-up name."""
    return _NOT_KEY.sub("", name)


def physical_id(instance_id: str, stack_id: str, logical_id: str) -> str:
    return f"{PID_PREFIX}:{instance_id}:{short_hash(stack_id, logical_id)}"


def requested(properties: Mapping[str, Any]) -> dict[str, list[str]]:
    """property -> names asked for, with the attribute keys checked for clashes."""
    wanted: dict[str, list[str]] = {}
    for prop in LOOKUPS:
        names = [str(n) for n in properties.get(prop) or []]
        seen: dict[str, str] = {}
        for index, name in enumerate(names):
            key = attribute_key(name)
            if not key:
                raise ProviderError(f"{prop}[{index}]: '{name}' has no letter or digit to name an attribute")
            if key in seen and seen[key] != name:
                raise ProviderError(
                    f"{prop}[{index}]: '{name}' and '{seen[key]}' both map to the attribute key "
                    f"'{key}'; look one of them up in another Custom::ConnectLookup"
                )
            seen[key] = name
        if names:
            wanted[prop] = names
    return wanted


def attributes(prop: str, names: Sequence[str], catalog: Catalog) -> dict[str, str]:
    """``<Kind>.<Key>.Arn``/``.Id`` for each name; every missing name is reported at once."""
    prefix, kind = LOOKUPS[prop]
    data: dict[str, str] = {}
    problems: list[str] = []
    for index, name in enumerate(names):
        try:
            resource_id = resolve(name, kind, catalog.instance_id, catalog)
        except ResolveError as exc:
            problems.append(f"{prop}[{index}]: {exc}")
            continue
        key = f"{prefix}.{attribute_key(name)}"
        data[f"{key}.Id"] = resource_id
        data[f"{key}.Arn"] = catalog.arns.get(resource_id, "")
    if problems:
        raise ProviderError("; ".join(problems))
    return data


# -- the provider --------------------------------------------------------------------------------
class ConnectLookup(Provider):
    resource_type = "Custom::ConnectLookup"

    def create(self) -> Outcome:
        return self._look_up()

    def update(self) -> Outcome:
        return self._look_up()

    def delete(self) -> None:
        self.log.info("delete: a lookup made nothing; nothing to remove", extra={"phase": "delete"})

    def _look_up(self) -> Result:
        instance_id = instance_id_of(str(self.properties["InstanceArn"]))
        wanted = requested(self.properties)
        connect = self.client("connect")

        def call(operation: str, **kwargs: Any) -> dict[str, Any]:
            return dict(getattr(connect, operation)(**kwargs))

        data: dict[str, str] = {}
        problems: list[str] = []
        for prop, names in wanted.items():
            catalog = load_catalog(call, instance_id, LOOKUPS[prop][1])
            try:
                data.update(attributes(prop, names, catalog))
            except ProviderError as exc:
                problems.append(str(exc))
        if problems:
            raise ProviderError("; ".join(problems))
        pid = self.physical_id
        if self.operation == "Create" or self.replacing or not pid:
            pid = physical_id(instance_id, self.request.stack_id, self.request.logical_id)
        return Result(pid, {"InstanceId": instance_id, **data})

    # -- read -------------------------------------------------------------------------------
    #: A lookup names what it asks for; drift checks that each declared name still exists.
    DECLARED_KEYS_ONLY = tuple(LOOKUPS)

    def read(self) -> ReadResult | None:
        """Every name of every kind the instance has now (sorted), and the attributes of them
        all; the names a template asked for are not kept anywhere, so read cannot tell them
        apart and drift compares the declared names as a subset. None when the instance is gone."""
        parts = str(self.physical_id or "").split(":")
        if len(parts) != 3 or parts[0] != PID_PREFIX or not parts[1]:
            return None
        instance_id = parts[1]
        connect = self.client("connect")

        def call(operation: str, **kwargs: Any) -> dict[str, Any]:
            return dict(getattr(connect, operation)(**kwargs))

        props: dict[str, Any] = {}
        data: dict[str, str] = {"InstanceId": instance_id}
        try:
            for prop, (_, kind) in LOOKUPS.items():
                catalog = load_catalog(call, instance_id, kind)
                names = sorted(catalog.names)
                props[prop] = names
                data.update(attributes(prop, names, catalog))
                for arn in catalog.arns.values():
                    props.setdefault("InstanceArn", arns.instance_arn(arn))
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            return None
        return ReadResult({**props, **data}, data)

    def list_ids(self) -> list[str]:
        """A lookup makes nothing in AWS, so there is nothing to list."""
        return []

    def desired_read(self) -> dict[str, Any]:
        return {k: sorted(v) if k in LOOKUPS else v for k, v in self.properties.items()}
