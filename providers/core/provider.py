"""The base class a resource type implements: ``create``, ``update``, ``delete``, where AWS
is asynchronous ``check``, and ``read`` (the live state from the physical id alone).
Everything else (event parsing, coercion, validation, replacement, physical ids, waiting, the
response) is the engine's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from providers.core import aws, ids
from providers.core.deadline import Deadline
from providers.core.log import logger, redactor
from providers.core.schema import ResourceSchema


@dataclass(frozen=True)
class Request:
    """The parts of a CloudFormation custom-resource event that providers read."""

    request_type: str
    resource_type: str
    stack_id: str
    request_id: str
    logical_id: str
    response_url: str
    physical_id: str | None
    raw_properties: Mapping[str, Any]
    raw_old_properties: Mapping[str, Any] | None
    service_timeout: float | None

    @property
    def region(self) -> str | None:
        """The stack's region, from its ARN (``arn:aws:cloudformation:REGION:...``)."""
        parts = self.stack_id.split(":")
        return parts[3] if len(parts) > 4 and parts[3] else None

    @property
    def stack_name(self) -> str:
        parts = self.stack_id.split(":stack/", 1)
        return parts[1].split("/", 1)[0] if len(parts) == 2 else self.stack_id


@dataclass
class Result:
    """A finished operation: the physical id and the ``Fn::GetAtt`` attributes."""

    physical_id: str
    data: dict[str, Any] = field(default_factory=dict)
    no_echo: bool = False


@dataclass
class Pending:
    """Asynchronous AWS work under way: the engine calls ``check`` again with it, in this
    invocation while time remains, otherwise in a re-invocation (``state`` must be JSON)."""

    physical_id: str
    waiting_for: str
    state: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None


Outcome = Result | Pending


@dataclass
class ReadResult:
    """A resource as it is live: its properties in the schema's shape (``writeOnlyProperties``
    and deploy-time inputs that AWS does not keep left out) and its ``Fn::GetAtt`` attributes."""

    properties: dict[str, Any]
    attributes: dict[str, Any] = field(default_factory=dict)


class Provider:
    """Subclass per resource type; one module per type.

    Attributes available to subclasses:

    * ``properties``: coerced, defaulted and validated properties (lenient on Delete);
    * ``old_properties``: previous properties on Update (coerced, never rejected);
    * ``physical_id``: the id CloudFormation holds (None on Create);
    * ``replacing``: True when Update became a Create because a createOnly property changed.
    """

    resource_type: ClassVar[str] = ""
    #: Upper bound on waiting for AWS across re-invocations (CloudFormation allows one hour).
    max_wait_seconds: ClassVar[float] = 3300.0
    #: A schema given inline instead of ``schemas/<Type>.json`` (test providers use it).
    schema_document: ClassVar[dict[str, Any] | None] = None
    #: Deploy-time inputs AWS does not keep (a source location, substitutions): ``read`` cannot
    #: return them and drift does not compare them.
    NOT_READ: ClassVar[tuple[str, ...]] = ()
    #: Maps whose entries the resource manages only where the template declares them (tags,
    #: instance attributes): drift compares the declared keys and ignores others found live.
    DECLARED_KEYS_ONLY: ClassVar[tuple[str, ...]] = ("Tags",)
    #: What ``read`` returns beyond the schema's properties for drift to compare, where AWS
    #: keeps the result of a deploy-time input rather than the input (a page's digest, the
    #: users of a directory, a database's history rows).
    READ_VIEWS: ClassVar[tuple[str, ...]] = ()
    #: What the local job's stack-update rehearsal (``gapfill deploy --local --rehearse``) may
    #: change on a resource of this type, each harmless to vary (a description, a tag, a page's
    #: key; never a bucket or an instance alias): properties to change in place (updatable in
    #: the schema) and create-only ones whose change forces a replacement. The new value is
    #: made from the property's schema; a name the schema does not have is not offered.
    REHEARSE_IN_PLACE: ClassVar[tuple[str, ...]] = ("Description", "Tags")
    REHEARSE_REPLACEMENT: ClassVar[tuple[str, ...]] = ()
    #: The properties naming the bucket and key of the page a resource of this type publishes,
    #: which the local job copies out to be opened in a browser; None: it publishes no page.
    PUBLISHED_PAGE: ClassVar[tuple[str, str] | None] = None

    def __init__(
        self,
        request: Request,
        schema: ResourceSchema,
        properties: dict[str, Any],
        old_properties: dict[str, Any],
        deadline: Deadline,
        *,
        replacing: bool = False,
    ) -> None:
        self.request = request
        self.schema = schema
        self.properties = properties
        self.old_properties = old_properties
        self.physical_id = request.physical_id
        self.deadline = deadline
        self.replacing = replacing
        self.log = logger

    # -- what a resource type implements -------------------------------------------------
    def create(self) -> Outcome:
        raise NotImplementedError

    def update(self) -> Outcome:
        """Change the resource in place; must keep ``physical_id`` and never delete."""
        raise NotImplementedError

    def delete(self) -> Result | Pending | None:
        """Remove what ``physical_id`` names; already gone is success."""
        raise NotImplementedError

    def read(self) -> ReadResult | None:
        """The live resource that ``physical_id`` names, from the physical id alone (no
        properties); None when it is gone. CloudFormation never sends a Read to a custom
        resource: tools and tests call it through :func:`providers.core.reading.read`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement read()")

    def list_ids(self) -> list[str]:
        """The physical ids of every resource of this type in the scope that the (hint)
        properties give (an instance, a bucket), as the schema's ``list`` handler declares."""
        raise NotImplementedError(f"{type(self).__name__} does not implement list_ids()")

    def desired_read(self) -> dict[str, Any]:
        """What ``read`` returns while nothing changed out of band, from the (coerced)
        properties: a type whose read gives a normal form (names resolved to ARNs, content
        with placeholders resolved) overrides it; it may call AWS only to read."""
        return dict(self.properties)

    def check(self, pending: Pending) -> Outcome:
        """Poll asynchronous work started by create/update/delete."""
        raise NotImplementedError(f"{type(self).__name__} returned Pending but has no check()")

    # -- helpers --------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        return aws.client(service, self.request.region)

    def client_token(self, purpose: str = "") -> str:
        return ids.client_token(
            self.request.stack_id, self.request.logical_id, self.request.request_id, purpose
        )

    def keep_secret(self, *values: str) -> None:
        """Register generated secrets so that no log line or response can carry them."""
        redactor.add(values)

    @property
    def operation(self) -> str:
        return self.request.request_type
