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
    from providers.core import tag_keys
    from providers.core.schema import load_schema

    for custom in created:
        schema = load_schema(custom.resource_type)
        if "Description" in custom.properties and "Description" not in schema.create_only:
            props = copy.deepcopy(custom.properties)
            props["Description"] = f"{props['Description']} (rehearsed update)".strip()
            return custom, props, f"{custom.logical_id}.Description changed"
    for custom in created:
        if custom.resource_type == "Custom::S3Objects":
            props = copy.deepcopy(custom.properties)
            props["CacheControl"] = "no-cache, must-revalidate"
            return custom, props, f"{custom.logical_id}.CacheControl changed"
    for custom in created:
        schema = load_schema(custom.resource_type)
        if "Tags" in schema.document.get("properties", {}) and "Tags" not in schema.create_only:
            props = copy.deepcopy(custom.properties)
            tags = list(props.get("Tags", []))
            tags.append({"Key": tag_keys.REHEARSAL, "Value": "updated"})
            props["Tags"] = tags
            return custom, props, f"{custom.logical_id}.Tags gained {tag_keys.REHEARSAL}"
    return None


def pick_replacement(created: list[CustomResource]) -> Change | None:
    for custom in created:
        if custom.resource_type == "Custom::HtmlPage" and isinstance(custom.properties.get("Key"), str):
            props = copy.deepcopy(custom.properties)
            stem, dot, ext = props["Key"].rpartition(".")
            props["Key"] = f"{stem}-v2.{ext}" if dot else props["Key"] + "-v2"
            return custom, props, f"{custom.logical_id}.Key {custom.properties['Key']} -> {props['Key']}"
    return None
