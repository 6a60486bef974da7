"""Which operation an HTTP request to the emulator is, and with which parameters.

Read from botocore's service models, as AWS's front ends read the wire: the signing name in
the SigV4 credential scope names the service; ``X-Amz-Target`` names the operation of a JSON
protocol, the ``Action`` parameter that of a query protocol, and the method and URI template
(``requestUri``) that of a REST protocol, whose labels, query strings and headers give the
parameters.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Call:
    """One request as IAM sees it."""

    access_key: str
    region: str
    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    protocol: str = ""


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]
    literal: int
    #: wire names of required members carried in the query string and in headers
    required_query: tuple[str, ...] = ()
    required_headers: tuple[str, ...] = ()


def credential(headers: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(access key id, region, signing name) of a SigV4-signed request, or None."""
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    return (match.group(1), match.group(2), match.group(3)) if match else None


@functools.cache
def model(service: str) -> Mapping[str, Any] | None:
    import botocore.exceptions
    import botocore.loaders

    try:
        return botocore.loaders.Loader().load_service_model(service, "service-2")
    except botocore.exceptions.DataNotFoundError:
        return None


def _required(spec: Mapping[str, Any], name: str, location: str) -> tuple[str, ...]:
    shape = spec.get("shapes", {}).get(spec["operations"][name].get("input", {}).get("shape", ""), {})
    members = shape.get("members", {})
    return tuple(
        str(members[m].get("locationName", m)).lower()
        if location == "header"
        else str(members[m].get("locationName", m))
        for m in shape.get("required", ())
        if members.get(m, {}).get("location") == location
    )


def _route(spec: Mapping[str, Any], name: str, http: Mapping[str, Any]) -> _Route:
    uri = str(http.get("requestUri", "/"))
    path, _, query = uri.partition("?")
    pattern = ""
    literal = 0
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            label = part[1:-1]
            greedy = label.endswith("+")
            pattern += f"(?P<{label.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
        else:
            pattern += re.escape(part)
            literal += len(part)
    wanted = tuple((k, v[0] if v else None) for k, v in parse_qs(query, keep_blank_values=True).items())
    wanted += tuple((q, None) for q in query.split("&") if q and "=" not in q and q not in dict(wanted))
    return _Route(
        name,
        str(http.get("method", "POST")),
        re.compile(pattern.rstrip("/") + "/?$"),
        wanted,
        literal,
        _required(spec, name, "querystring"),
        _required(spec, name, "header"),
    )


@functools.cache
def _routes(service: str) -> tuple[_Route, ...]:
    spec = model(service) or {}
    return tuple(_route(spec, name, op.get("http", {})) for name, op in spec.get("operations", {}).items())


def _rest_operation(
    service: str, method: str, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The operation whose method, URI template and required query/header members fit best."""
    best: tuple[int, _Route, dict[str, str]] | None = None
    for route in _routes(service):
        if route.method != method:
            continue
        match = route.path.match(path)
        if not match or any(k not in query or (v is not None and v not in query[k]) for k, v in route.query):
            continue
        if any(q not in query for q in route.required_query) or any(
            h not in headers for h in route.required_headers
        ):
            continue
        score = (
            route.literal
            + 100 * len(route.query)
            + 50 * (len(route.required_query) + len(route.required_headers))
        )
        if best is None or score > best[0]:
            best = (score, route, {k: unquote(v) for k, v in match.groupdict().items()})
    return (best[1].operation, best[2]) if best else ("", {})


def _members(service: str, operation: str) -> Mapping[str, Any]:
    spec = model(service) or {}
    shape_name = spec.get("operations", {}).get(operation, {}).get("input", {}).get("shape")
    return spec.get("shapes", {}).get(shape_name, {}).get("members", {}) if shape_name else {}


def _located(
    service: str, operation: str, query: Mapping[str, list[str]], headers: Mapping[str, str]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, member in _members(service, operation).items():
        where, wire = member.get("location"), str(member.get("locationName", name))
        if where == "querystring" and wire in query:
            found[name] = query[wire][0]
        elif where == "header" and wire.lower() in headers:
            found[name] = unquote(headers[wire.lower()])
    return found


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def parse(method: str, path: str, query_string: str, headers: Mapping[str, str], body: bytes) -> Call | None:
    """The call a signed request makes, or None when it is not a signed AWS API request."""
    signed = credential(headers)
    if signed is None:
        return None
    access_key, region, service = signed
    spec = model(service)
    protocol = str((spec or {}).get("metadata", {}).get("protocol", ""))
    query = parse_qs(query_string, keep_blank_values=True)
    operation, params = "", {}
    if protocol == "json":
        operation = headers.get("x-amz-target", "").rsplit(".", 1)[-1]
        params = _json(body)
    elif protocol == "query":
        form = parse_qs(body.decode("utf-8", "replace")) if body else query
        operation = (form.get("Action") or [""])[0]
        params = {k: v[0] for k, v in form.items()}
    elif protocol.startswith("rest"):
        operation, labels = _rest_operation(service, method, path, query, headers)
        params = {**(_json(body) if protocol == "rest-json" else {}), **labels}
        params.update(_located(service, operation, query, headers))
        if protocol == "rest-xml" and b"<VersionId>" in body:
            params.setdefault("VersionId", "(in the body)")  # DeleteObjects of versions
    elif protocol == "smithy-rpc-v2-cbor":
        operation = path.rstrip("/").rsplit("/", 1)[-1]
    return Call(access_key, region, service, operation, params, protocol)
