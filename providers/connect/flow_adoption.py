"""Flows that exist before the template: an instance's default flows (``Default agent hold``,
``Default customer queue``, ...) adopted by ``Custom::ConnectContactFlow`` with
``AdoptExisting: true``.

Adoption records the content it found as a **flow version** of the adopted flow itself
(CreateContactFlowVersion: immutable, numbered, readable later as ``contact-flow/{id}:{N}``)
and the version number in a tag on the flow (``gapfill:adopted-version``). Why there:

* a tag is too small for content (256 characters) but holds a number;
* the physical id stays the flow ARN, as ``Ref`` of the native type, so nothing else in a
  template changes; Delete finds the tag from that ARN alone;
* the record lives and dies with the flow: no bucket or parameter to create, secure, clean up
  or lose, no size limit (a flow is up to 256,000 characters; an SSM parameter 8 KB), and the
  recorded content is visible in the console's version history.

Delete restores the recorded version's content and marks the flow released (the tag's value
becomes ``released``): it is never deleted, not even by a repeated Delete, and may be adopted
again.
"""

from __future__ import annotations

from typing import Any

from providers.connect import arns
from providers.core import tag_keys
from providers.core.aws import error_code
from providers.core.errors import ProviderError

RELEASED = "released"
VERSION_DESCRIPTION = "gapfill: content found when the flow was adopted (restored on Delete)"


def find(connect: Any, instance_id: str, name: str) -> dict[str, Any] | None:
    """The summary of the instance's flow named ``name``, or None."""
    for page in connect.get_paginator("list_contact_flows").paginate(InstanceId=instance_id):
        for summary in page.get("ContactFlowSummaryList", []):
            if summary.get("Name") == name:
                return dict(summary)
    return None


def adopt(connect: Any, instance_id: str, name: str, flow_type: str, token: str) -> str:
    """Record the named flow's content as a version and tag the flow; its ARN.

    A repeated request (same client token) finds its own record and does not version the
    content it may already have written; another resource's adoption is refused."""
    summary = find(connect, instance_id, name)
    if summary is None:
        raise ProviderError(
            f"Name: AdoptExisting: no contact flow named '{name}' in instance {instance_id} "
            "(remove AdoptExisting to create it)"
        )
    if summary.get("ContactFlowType") != flow_type:
        raise ProviderError(
            f"Type: the flow named '{name}' is of type {summary.get('ContactFlowType')}, not {flow_type}"
        )
    arn, flow_id = str(summary["Arn"]), str(summary["Id"])
    tags = connect.list_tags_for_resource(resourceArn=arn).get("tags") or {}
    if tag_keys.ADOPTED_VERSION in tags and tags[tag_keys.ADOPTED_VERSION] != RELEASED:
        if tag_keys.carries_token(tags, token):
            return arn
        raise ProviderError(
            f"Name: the flow '{name}' is already adopted by another resource "
            f"(tag {tag_keys.ADOPTED_VERSION}); one flow can be managed by one resource"
        )
    try:
        version = connect.create_contact_flow_version(
            InstanceId=instance_id, ContactFlowId=flow_id, Description=VERSION_DESCRIPTION
        )["Version"]
    except Exception as exc:
        if error_code(exc) not in ("InvalidRequestException", "ResourceNotFoundException"):
            raise
        raise ProviderError(
            f"Name: cannot record the content of flow '{name}' before adopting it: {exc}"
        ) from None
    connect.tag_resource(
        resourceArn=arn, tags={tag_keys.ADOPTED_VERSION: str(version), tag_keys.CREATE_TOKEN: token}
    )
    return arn


def adoption(connect: Any, arn: str) -> tuple[bool, int | None]:
    """``(ever adopted, recorded version or None once released)``. Raises the
    ResourceNotFoundException of a flow that is gone."""
    tags = connect.list_tags_for_resource(resourceArn=arn).get("tags") or {}
    if tag_keys.ADOPTED_VERSION not in tags:
        return False, None
    value = str(tags[tag_keys.ADOPTED_VERSION])
    return True, int(value) if value.isdigit() else None


def restore(connect: Any, arn: str, version: int, log: Any) -> None:
    """Put the recorded content back (published) and mark the flow released; never delete."""
    flow = arns.flow_ids(arn)
    if flow is None:
        return
    instance_id, flow_id = flow
    try:
        found = connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=f"{flow_id}:{version}")
        content = found["ContactFlow"]["Content"]
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        log.warning(
            "the recorded version of the adopted flow is gone; its content stays as it is",
            extra={"phase": "delete", "version": version},
        )
    else:
        connect.update_contact_flow_content(InstanceId=instance_id, ContactFlowId=flow_id, Content=content)
    connect.tag_resource(resourceArn=arn, tags={tag_keys.ADOPTED_VERSION: RELEASED})
    connect.untag_resource(resourceArn=arn, tagKeys=[tag_keys.CREATE_TOKEN])
