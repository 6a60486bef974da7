"""Pure pieces of a stack deployment: the change-set request, reading stack events, and
finding the reason of the first failure (the one that matters; the rest are cancellations
and rollbacks it caused)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")

#: Stack states from which a change set can be created.
UPDATABLE = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)
#: The stack exists only as the shell of a change set never executed: still a CREATE.
CREATABLE = frozenset({"REVIEW_IN_PROGRESS"})
SUCCESS = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})

#: Failures that are consequences, not causes.
_CONSEQUENTIAL = ("Resource creation cancelled", "Resource update cancelled", "cancelled")

#: How CloudFormation says a change set had nothing to do.
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed", "no changes")


def change_set_type(status: str | None) -> str:
    """``CREATE`` for a new stack, ``UPDATE`` for one that can take changes; else refuse."""
    if status is None or status in CREATABLE:
        return "CREATE"
    if status in UPDATABLE:
        return "UPDATE"
    if status == "ROLLBACK_COMPLETE":
        raise StackStateError(
            "the stack is in ROLLBACK_COMPLETE (its first creation failed) and can only be deleted: "
            "delete it (aws cloudformation delete-stack) and deploy again"
        )
    raise StackStateError(f"the stack is in {status}; wait until it is stable and deploy again")


class StackStateError(RuntimeError):
    """The stack cannot take a change set now."""


def change_set_request(
    *,
    stack_name: str,
    change_set_name: str,
    change_set_type: str,
    template_url: str,
    parameters: Sequence[Mapping[str, str]],
    tags: Mapping[str, str] | None = None,
    description: str = "gapfill deploy",
) -> dict[str, Any]:
    """Keyword arguments of ``CreateChangeSet`` (the same fields as the CLI's options)."""
    request: dict[str, Any] = {
        "StackName": stack_name,
        "ChangeSetName": change_set_name,
        "ChangeSetType": change_set_type,
        "TemplateURL": template_url,
        "Parameters": [dict(p) for p in parameters],
        "Capabilities": list(CAPABILITIES),
        "Description": description,
    }
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    return request


def change_set_is_empty(description: Mapping[str, Any]) -> bool:
    """A FAILED change set that failed only because there was nothing to change."""
    reason = str(description.get("StatusReason", ""))
    return description.get("Status") == "FAILED" and any(text in reason for text in _NO_CHANGES)


def is_terminal(status: str) -> bool:
    return not status.endswith("_IN_PROGRESS")


def is_failure(status: str) -> bool:
    return status.endswith("_FAILED")


def chronological(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """DescribeStackEvents returns newest first; people read oldest first."""
    return sorted(events, key=lambda e: (_time(e.get("Timestamp")), str(e.get("EventId", ""))))


def _time(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return 0.0


def first_failure(events: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The earliest failed event whose reason is a cause rather than a cancellation."""
    failed = [e for e in chronological(events) if is_failure(str(e.get("ResourceStatus", "")))]
    for event in failed:
        reason = str(event.get("ResourceStatusReason", ""))
        if not any(text in reason for text in _CONSEQUENTIAL):
            return event
    return failed[0] if failed else None


def format_event(event: Mapping[str, Any]) -> str:
    """One readable line per event, as ``aws cloudformation describe-stack-events`` shows."""
    stamp = event.get("Timestamp")
    when = stamp.strftime("%H:%M:%S") if isinstance(stamp, datetime) else str(stamp or "")[11:19]
    line = (
        f"{when}  {event.get('ResourceStatus', ''):<28} {event.get('LogicalResourceId', '')} "
        f"({event.get('ResourceType', '')})"
    )
    reason = event.get("ResourceStatusReason")
    if reason:
        line += f": {reason}"
    return line
