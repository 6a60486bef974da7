"""Contact flow content: normalised, rendered, compared, and AWS's complaints summarised.

Content arrives as a JSON string, as a JSON object written in the template (CloudFormation
then turns every scalar into a string), or from S3. It is parsed once, so that problems are
reported against the ``Content`` property before any AWS call, placeholders are replaced in
string values only, and the result is rendered compactly for Connect.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: Room kept in the Reason for everything around the list of problems.
REASON_BUDGET = 3000


class ContentError(ValueError):
    """Content that is not a JSON object; the message names where it came from."""


def normalise(content: Any, source: str = "Content") -> dict[str, Any]:
    """Parse content given as a string (or bytes) or take it as an object."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ContentError(f"{source}: is not UTF-8 text") from None
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError as exc:
            raise ContentError(f"{source}: is not valid JSON: {exc}") from None
    if not isinstance(content, Mapping):
        raise ContentError(f"{source}: must be a JSON object (a flow), not {type(content).__name__}")
    return dict(content)


def render(document: Mapping[str, Any]) -> str:
    """Compact, stable JSON: what is sent to Connect and compared on update."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def same_content(current: str | None, wanted: str) -> bool:
    """Whether Connect already holds ``wanted`` (whatever its formatting)."""
    if not current:
        return False
    try:
        return bool(json.loads(current) == json.loads(wanted))
    except ValueError:
        return current == wanted


def problems_reason(prefix: str, problems: list[Any], budget: int = REASON_BUDGET) -> str:
    """``prefix: 3 problems: 1) ...; 2) ...`` with as many as fit and a count of the rest."""
    messages = []
    for problem in problems:
        if isinstance(problem, Mapping):
            messages.append(str(problem.get("message") or problem.get("Message") or problem))
        else:
            messages.append(str(problem))
    if not messages:
        return f"{prefix}: AWS gave no details"
    head = f"{prefix}: {len(messages)} problem{'s' if len(messages) != 1 else ''}: "
    out = head
    for index, message in enumerate(messages, 1):
        item = f"{index}) {message}"
        rest = len(messages) - index
        tail = f"; ... and {rest} more" if rest else ""
        candidate = out + ("; " if index > 1 else "") + item
        if len(candidate) + len(tail) > budget:
            remaining = len(messages) - index + 1
            room = budget - len(out) - 30
            if index == 1 and room > 40:
                return out + item[: room - 3] + f"... (and {remaining - 1} more)"
            return out + f"; ... and {remaining} more"
        out = candidate
    return out
