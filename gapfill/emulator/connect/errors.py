"""Connect's error shapes, as botocore expects them (code in ``__type``, HTTP status)."""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError


class ConnectError(JsonRESTError):
    code = 400
    error_type = "InvalidRequestException"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(self.error_type, message)
        if extra:
            body = json.loads(self.description)
            body.update(extra)
            self.description = json.dumps(body)


class ResourceNotFoundException(ConnectError):
    code = 404
    error_type = "ResourceNotFoundException"


class InvalidParameterException(ConnectError):
    error_type = "InvalidParameterException"


class InvalidRequestException(ConnectError):
    error_type = "InvalidRequestException"


class DuplicateResourceException(ConnectError):
    code = 409
    error_type = "DuplicateResourceException"


class ResourceConflictException(ConnectError):
    code = 409
    error_type = "ResourceConflictException"


class ResourceInUseException(ConnectError):
    code = 409
    error_type = "ResourceInUseException"


class IdempotencyException(ConnectError):
    code = 409
    error_type = "IdempotencyException"


class LimitExceededException(ConnectError):
    code = 429
    error_type = "LimitExceededException"


class ThrottlingException(ConnectError):
    code = 429
    error_type = "ThrottlingException"


class InvalidContactFlowException(ConnectError):
    """Carries the ``problems`` list that AWS returns for flow content it rejects."""

    error_type = "InvalidContactFlowException"

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("The flow is not valid.", problems=problems)


class ContactFlowNotPublishedException(ConnectError):
    """DescribeContactFlow without ``:$SAVED`` of a flow that was never published (404)."""

    code = 404
    error_type = "ContactFlowNotPublishedException"
