"""Exceptions that the protocol core turns into FAILED responses.

Providers raise these (or let botocore errors escape); the engine in
:mod:`providers.core.engine` catches everything and answers exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


class GapfillError(Exception):
    """Base class: an error whose message is safe to show as a CloudFormation Reason."""


class InvalidEventError(GapfillError):
    """The event itself is malformed (missing keys, wrong types, unknown request type)."""


class PropertyValidationError(GapfillError):
    """Properties do not match the type's schema; the message names every property path."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


class UnknownResourceTypeError(GapfillError):
    """The event names a ``Custom::`` type that this function does not serve."""


class ProviderError(GapfillError):
    """A provider's own, readable failure.

    ``physical_id`` lets a Create that already made something report that id with its
    FAILED response, so that CloudFormation's follow-up Delete cleans it up.
    """

    def __init__(self, message: str, *, physical_id: str | None = None) -> None:
        super().__init__(message)
        self.physical_id = physical_id


class DeadlineExceededError(GapfillError):
    """Waiting for AWS ran past the per-type limit or CloudFormation's ServiceTimeout."""

    physical_id: str | None = None

    def with_id(self, physical_id: str) -> DeadlineExceededError:
        self.physical_id = physical_id
        return self


@contextlib.contextmanager
def made(physical_id: str) -> Iterator[None]:
    """Steps that run after something exists: any failure names ``physical_id``.

    A Create whose later step fails (tagging, archiving, polling) then reports what it made
    instead of the made-nothing marker, and CloudFormation's follow-up Delete removes it
    (rule 4). An id the exception already carries is kept.
    """
    try:
        yield
    except Exception as exc:
        if not getattr(exc, "physical_id", None):
            with contextlib.suppress(AttributeError):
                exc.physical_id = physical_id  # type: ignore[attr-defined]
        raise
