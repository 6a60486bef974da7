"""Which operation an HTTP request to the emulator is, and with which parameters: one answer for
every WSGI layer (IAM evaluation, model validation), worked out once per request.

Read as AWS's front ends read the wire, from botocore's service models (through moto's routers
and protocol parsers, which are built from them): the signing name in the SigV4 credential
scope names the service (:func:`services_for`); ``X-Amz-Target`` names the operation of a JSON
protocol, the ``Action`` parameter that of a query protocol, and the method, URI template and
required query/header members that of a REST protocol; the protocol's parser reads the input
members from URI labels, query string, headers and body alike.

The answer is kept in the WSGI environ (:data:`ENVIRON_KEY`): the outer layer parses, the
inner ones read it.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: Where :func:`identify` keeps its answer in the WSGI environ.
ENVIRON_KEY = "gapfill.request"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
#: Signing names shared by services not named after them; the request's route tells which.
SHARED_SIGNING_NAMES = {"execute-api": ("apigatewaymanagementapi",), "lex": ("lexv2-models",)}


@dataclass(frozen=True)
class Signature:
    """Who signed a SigV4 request, for which region and service (its signing name)."""

    access_key: str
    region: str
    signing_name: str


@dataclass(frozen=True)
class Identified:
    """One signed request: its service (botocore's name), operation model and input members.

    ``operation`` is None when no candidate service routes the request; ``parsed`` is False when
    the route is known but the protocol parser could not read the input (``params`` then holds
    the URI labels only)."""

    signature: Signature
    service: str = ""
    protocol: str = ""
    operation: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    parsed: bool = False

    @property
    def operation_name(self) -> str:
        return str(self.operation.name) if self.operation is not None else ""


def signature(authorization: str) -> Signature | None:
    """The signature of an ``Authorization`` header value, or None when it is not SigV4."""
    match = _CREDENTIAL.search(authorization)
    return Signature(match.group(1), match.group(2), match.group(3).lower()) if match else None


@functools.lru_cache(maxsize=256)
def services_for(signing_name: str | None) -> tuple[str, ...]:
    """The botocore services a SigV4 signing name may stand for, as their models say."""
    if not signing_name:
        return ()
    from botocore.exceptions import UnknownServiceError
    from moto.core.utils import get_service_model

    found = []
    for name in (signing_name, *SHARED_SIGNING_NAMES.get(signing_name, ())):
        try:
            model = get_service_model(name)
        except (UnknownServiceError, ValueError):
            continue
        if model.signing_name == signing_name:
            found.append(name)
    return tuple(found)


def _route(service: str, request: Any, data: bytes) -> tuple[str, Any, dict[str, Any], bool] | None:
    """(protocol, operation model, input parameters, parsed) of ``request`` to ``service``."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model
    from werkzeug.exceptions import HTTPException

    try:
        operation, uri_params = get_service_router(service).match(request)
        protocol = determine_request_protocol(get_service_model(service), request.content_type)
    except (HTTPException, NotImplementedError):
        return None
    try:
        parser = PROTOCOL_PARSERS[protocol](operation)
        params = parser.parse(
            {
                "method": request.method,
                "values": request.values,
                "headers": request.headers,
                "body": data,
                "url_path": request.path,
                "url_params": uri_params,
            }
        )
    except Exception:  # moto's parsers raise what they meet; moto itself will answer
        log.debug("request not parsed", exc_info=True)
        return protocol, operation, dict(uri_params), False
    return protocol, operation, dict(params or {}), True


def _identify(environ: dict[str, Any]) -> Identified | None:
    signed = signature(str(environ.get("HTTP_AUTHORIZATION", "")))
    if signed is None:
        return None
    from moto.core.request import Request

    request = Request(environ)
    data = request.get_data(cache=True, parse_form_data=False)
    environ["wsgi.input"] = io.BytesIO(data)  # the next reader reads the body again
    environ["CONTENT_LENGTH"] = str(len(data))
    routed: Identified | None = None
    for service in services_for(signed.signing_name):
        found = _route(service, request, data)
        if found is None:
            continue
        protocol, operation, params, parsed = found
        if parsed:
            return Identified(signed, service, protocol, operation, params, True)
        routed = routed or Identified(signed, service, protocol, operation, params, False)
    return routed or Identified(signed)


def identify(environ: dict[str, Any]) -> Identified | None:
    """The operation and parameters of this request (None when it is not SigV4-signed), read
    once and kept in ``environ`` for the layers inside."""
    if ENVIRON_KEY not in environ:
        environ[ENVIRON_KEY] = _identify(environ)
    found: Identified | None = environ[ENVIRON_KEY]
    return found


def environ_for(
    method: str, path: str, query_string: str, headers: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """A WSGI environ for a request given by its parts (for callers without a server)."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=path, method=method, query_string=query_string, headers=list(headers.items()), data=body
    )
    environ: dict[str, Any] = builder.get_environ()
    environ["RAW_URI"] = path + (f"?{query_string}" if query_string else "")
    return environ
