"""The rehearsal of a stack update on a deployment: one change in place and one that forces a
replacement, the old resource deleted afterwards as CloudFormation does; what a stack does not
offer is skipped and said so."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from gapfill.local import stacks
from gapfill.local.model import CustomResource

if TYPE_CHECKING:
    from gapfill.local.deployment import LocalDeployment

#: A rehearsed change: the resource, its new properties, and what changed (said in the progress).
Change = tuple[CustomResource, dict[str, Any], str]


def rehearse_update(deployment: LocalDeployment) -> None:
    """One in-place change and one replacement, as a stack update would send them."""
    deployment.progress(f"== rehearsal: stack update ({deployment.root_template.name})")
    stacks.record(deployment.cfn.stack_id, "UPDATE_IN_PROGRESS")
    _in_place(deployment)
    _replacement(deployment)
    stacks.record(deployment.cfn.stack_id, "UPDATE_COMPLETE")


def _skip(deployment: LocalDeployment, what: str) -> None:
    note = f"{deployment.root_template.name}: {what}; skipped"
    deployment.skipped.append(note)
    deployment.progress(f"   [--] {note}")


def _update(deployment: LocalDeployment, operation: str, custom: CustomResource, new: dict[str, Any]) -> Any:
    return deployment.send(
        operation,
        custom,
        lambda c: deployment.cfn.update(
            c.resource_type, c.physical_id, new, c.properties, logical_id=c.logical_id
        ),
    )


def _in_place(deployment: LocalDeployment) -> None:
    change = pick_in_place(deployment.created)
    if change is None:
        _skip(deployment, "no resource offers an in-place change to rehearse")
        return
    custom, new_props, what = change
    answer = _update(deployment, "UPDATE", custom, new_props)
    if answer is None:
        return
    kept = answer.physical_id == custom.physical_id
    deployment.progress(f"         in place: {what}; physical id kept: {kept}")
    if not kept:
        deployment.rows[-1].status = "FAILED"
        deployment.rows[-1].reason = "in-place update changed the physical id"
    custom.properties, custom.data = new_props, answer.data


def _replacement(deployment: LocalDeployment) -> None:
    change = pick_replacement(deployment.created)
    if change is None:
        _skip(deployment, "no resource offers a replacement to rehearse")
        return
    custom, new_props, what = change
    old = copy.deepcopy(custom)
    answer = _update(deployment, "REPLACE", custom, new_props)
    if answer is None:
        return
    deployment.progress(f"         replacement: {what}; new physical id {answer.physical_id}")
    custom.properties, custom.physical_id, custom.data = new_props, answer.physical_id, answer.data
    # UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: CloudFormation deletes the old resource.
    stacks.record(deployment.cfn.stack_id, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    deployment.send(
        "CLEANUP",
        old,
        lambda c: deployment.cfn.delete(
            c.resource_type, c.physical_id, c.properties, logical_id=c.logical_id
        ),
    )


def pick_in_place(created: list[CustomResource]) -> Change | None:
    """The first change in place the created resources' types offer (``REHEARSE_IN_PLACE``): a
    string the template sets, else one at its schema default, else one more tag, as a template
    edit would most often make them."""
    return _first(created, "REHEARSE_IN_PLACE", create_only=False)


def pick_replacement(created: list[CustomResource]) -> Change | None:
    """The first change of a create-only property the created resources' types offer
    (``REHEARSE_REPLACEMENT``): CloudFormation replaces the resource."""
    return _first(created, "REHEARSE_REPLACEMENT", create_only=True)


def _first(created: list[CustomResource], declaration: str, *, create_only: bool) -> Change | None:
    offered: list[tuple[int, int, Change]] = []
    for index, custom in enumerate(created):
        for name in getattr(_provider(custom.resource_type), declaration):
            made = _change(custom, name, create_only=create_only)
            if made is not None:
                offered.append((made[0], index, made[1]))
    return min(offered, key=lambda found: found[:2])[2] if offered else None


def _provider(resource_type: str) -> Any:
    from providers import handler

    return handler.resolve(resource_type)


def _change(custom: CustomResource, name: str, *, create_only: bool) -> tuple[int, Change] | None:
    """(rank, change) of ``name`` on ``custom``, made from the property's schema; None when the
    schema has no such property of that kind, or the new properties would not validate."""
    from providers.core.errors import PropertyValidationError
    from providers.core.schema import load_schema

    schema = load_schema(custom.resource_type)
    spec = schema.document.get("properties", {}).get(name)
    if spec is None or (name in schema.create_only) != create_only or name in schema.read_only:
        return None
    made = _new_value(schema.document, spec, custom.properties.get(name), replacing=create_only)
    if made is None:
        return None
    rank, value, what = made
    props = {**copy.deepcopy(custom.properties), name: value}
    try:
        schema.prepare(props)
    except PropertyValidationError:
        return None
    return rank, (custom, props, f"{custom.logical_id}.{name} {what}")


def _new_value(
    document: dict[str, Any], spec: dict[str, Any], value: Any, *, replacing: bool
) -> tuple[int, Any, str] | None:
    """(rank, new value, what changed): a string varied (a replacement's names a new thing,
    ``index.html`` -> ``index-v2.html``), or a list of Key/Value tags with one more."""
    if spec.get("type") == "string":
        current = value if isinstance(value, str) else spec.get("default")
        if not isinstance(current, str):
            return None
        if replacing:
            stem, dot, ext = current.rpartition(".")
            new = f"{stem}-v2.{ext}" if dot else current + "-v2"
            return 0, new, f"{current} -> {new}"
        return (0 if isinstance(value, str) else 1), f"{current} (rehearsed update)".strip(), "changed"
    if spec.get("type") == "array" and not replacing and _is_tag(document, spec.get("items", {})):
        from providers.core import tag_keys

        tags = list(value) if isinstance(value, list) else []
        return 2, [*tags, {"Key": tag_keys.REHEARSAL, "Value": "updated"}], f"gained {tag_keys.REHEARSAL}"
    return None


def _is_tag(document: dict[str, Any], items: dict[str, Any]) -> bool:
    """A Key/Value pair (inline or a ``#/definitions/...`` reference), as CloudFormation's tags."""
    ref = str(items.get("$ref", ""))
    if ref.startswith("#/definitions/"):
        items = document.get("definitions", {}).get(ref.removeprefix("#/definitions/"), {})
    return {"Key", "Value"} <= set(items.get("properties", {}))
