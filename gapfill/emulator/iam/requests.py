"""A request as IAM sees it: :mod:`gapfill.emulator.requests`'s answer, with the service named by
its signing name (the IAM prefix: ``lex`` for Lex V2) and the members IAM's ARNs are built from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gapfill.emulator import requests


@dataclass(frozen=True)
class Call:
    """One request as IAM sees it."""

    access_key: str
    region: str
    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    protocol: str = ""


def _iam_params(found: requests.Identified) -> dict[str, Any]:
    """The parser's input members, adapted where IAM reads a request otherwise than its shape.

    DeleteObjects names its versions inside ``Delete.Objects``; IAM asks for
    s3:DeleteObjectVersion when any object names one (authorization.DELETE_OBJECTS), so a
    top-level ``VersionId`` says so."""
    params = dict(found.params)
    if (found.service, found.operation_name) == ("s3", "DeleteObjects"):
        objects = (params.get("Delete") or {}).get("Objects") or ()
        if any(isinstance(o, Mapping) and o.get("VersionId") for o in objects):
            params.setdefault("VersionId", "(in the body)")
    return params


def call_of(found: requests.Identified) -> Call:
    signed = found.signature
    return Call(
        signed.access_key,
        signed.region,
        signed.signing_name,
        found.operation_name,
        _iam_params(found),
        found.protocol,
    )


def call(environ: dict[str, Any]) -> Call | None:
    """The call a signed request makes, or None when it is not a signed AWS API request."""
    found = requests.identify(environ)
    return call_of(found) if found is not None else None


def parse(method: str, path: str, query_string: str, headers: Mapping[str, str], body: bytes) -> Call | None:
    """:func:`call` of a request given by its parts."""
    return call(requests.environ_for(method, path, query_string, headers, body))
