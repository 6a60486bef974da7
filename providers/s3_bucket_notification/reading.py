"""The bucket's notification entries of one resource, in the template's shape, for ``read``.

S3 keeps no owner: an entry is this resource's when its Id is the one derived from the stack,
the logical id and its content (:meth:`Owner.owns`) or an Id the template gave. So read needs
the stack id and logical id (drift knows both), and the template's given Ids where there are
some; an entry of ours whose content was changed by hand no longer carries its derived Id and
reads as missing (drift then shows the expected entry absent), unless its Id was given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from providers.s3_bucket_notification.config import (
    KINDS,
    Entry,
    Owner,
    _rules_of,
    entries_of,
    eventbridge_on,
)


def _template_item(entry: Entry, owner: Owner) -> list[dict[str, Any]]:
    """One API entry as template items (the API holds a list of events, a template item one)."""
    items = []
    for event in sorted(str(e) for e in entry.body.get("Events") or []):
        item: dict[str, Any] = {entry.kind.template_arn: entry.body.get(entry.kind.api_arn), "Event": event}
        rules = _rules_of(entry.body)
        if rules:
            item["Filter"] = {"S3Key": {"Rules": rules}}
        if not owner.owns(entry.kind, entry.body):
            item["Id"] = entry.id
        items.append(item)
    return items


def template_view(entries: Iterable[Entry], owner: Owner, eventbridge: bool) -> dict[str, Any]:
    """``NotificationConfiguration`` as a template writes it, in a stable order."""
    out: dict[str, Any] = {}
    listed = list(entries)
    for kind in KINDS:
        items = [i for e in listed if e.kind == kind for i in _template_item(e, owner)]
        if items:
            out[kind.template_key] = sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
    if eventbridge:
        out["EventBridgeConfiguration"] = {"EventBridgeEnabled": True}
    return out


def ours(document: Mapping[str, Any], owner: Owner, given_ids: Iterable[str]) -> list[Entry]:
    given = set(given_ids)
    return [e for e in entries_of(document) if e.id in given or owner.owns(e.kind, e.body)]


def live_view(
    document: Mapping[str, Any], owner: Owner, given_ids: Iterable[str], asks_eventbridge: bool
) -> dict[str, Any]:
    """Our live entries; EventBridge is shown only when the template asks for it (anyone may
    have switched it on, and nobody owns it)."""
    return template_view(
        ours(document, owner, given_ids), owner, asks_eventbridge and eventbridge_on(document)
    )
