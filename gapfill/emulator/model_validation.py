"""Every request checked against AWS's own service model before moto or the extension sees it.

botocore's service models state, for every operation, the input shape: which members are
required, string and list lengths, numeric ranges, enums and (for many members) a pattern.
AWS refuses a request that breaks any of them before it does anything; botocore checks
only a few on the client side, and moto almost none, so without this layer a provider
could send what AWS refuses and pass every test.

The layer is generic (every service botocore has a model for, the signing name of the
request telling which): a WSGI wrapper around moto server's dispatcher takes the operation
of each request and its input members from :func:`gapfill.emulator.requests.identify` (moto's
own router and protocol parsers, from botocore's model; worked out once per request for
every layer), walks the shape with :func:`violations` and, on any violation, answers as the service does: the
validation error the operation documents (``InvalidParameterException`` for Connect,
``InvalidArgumentException`` for Firehose, ...), its HTTP status, in the protocol's error
format, with AWS's "N validation errors detected" message. Nothing here names an
operation; where a service reads a shape otherwise than its model states (S3's filter rule
names, read case-insensitively), the extension checks it under a catalogued rule.

It serves moto server (the tests, ``gapfill emulator`` and the local job all use it);
in-process ``mock_aws`` bypasses WSGI and is not validated.

A request the layer cannot route or parse goes to moto unchanged (moto answers it as it
would anyway); :data:`REPORT_ONLY` lists violations that are only counted, each naming
why.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import regex

from gapfill.emulator import documented, requests, s3_notifications

log = logging.getLogger(__name__)

#: Error codes that mean "the input breaks the model", most specific first; the first one
#: an operation documents is the one it answers.
VALIDATION_ERRORS = (
    "InvalidParameterException",
    "InvalidParameterValueException",
    "InvalidArgumentException",
    "InvalidRequestException",
    "InvalidInputException",
    "ValidationException",
    "InvalidArgument",
    "InvalidRequest",
)

#: Where each service's API reference lists the errors common to all its actions.
_COMMON_ERRORS_PAGES = {
    "connect": "https://docs.aws.amazon.com/connect/latest/APIReference/CommonErrors.html",
    "firehose": "https://docs.aws.amazon.com/firehose/latest/APIReference/CommonErrors.html",
    "secretsmanager": "https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html",
    "lambda": "https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html",
    "cloudfront": "https://docs.aws.amazon.com/cloudfront/latest/APIReference/CommonErrors.html",
}
#: The errors each of those pages lists as common to every action of the service.
COMMON_ERROR_CODES = (
    "AccessDeniedException",
    "IncompleteSignature",
    "InternalFailure",
    "InvalidAction",
    "InvalidClientTokenId",
    "NotAuthorized",
    "OptInRequired",
    "RequestExpired",
    "ServiceUnavailable",
    "ThrottlingException",
    "ValidationException",
)
COMMON_ERRORS = {
    service: documented.rule(
        id=f"{service}-common-errors",
        service=service,
        operations=("*",),
        source=page,
        fact="Errors common to every action: " + ", ".join(COMMON_ERROR_CODES) + ". ValidationException "
        "(HTTP 400): the input fails to satisfy the constraints specified by an AWS service; answered "
        "when an operation documents no more specific validation error.",
    )
    for service, page in _COMMON_ERRORS_PAGES.items()
}
QUERY_VALIDATION_ERROR = documented.rule(
    id="query-common-validation-error",
    service="iam",
    operations=("*",),
    source="https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html",
    fact="Query-protocol services (IAM, STS, SNS, ...) list ValidationError (HTTP 400) among the "
    "errors common to every action: the input fails to satisfy the constraints specified by an "
    "AWS service. Answered when an operation documents no more specific validation error.",
)
S3_INVALID_ARGUMENT = documented.rule(
    id="s3-invalid-argument",
    service="s3",
    operations=("*",),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html",
    fact="S3 answers InvalidArgument (HTTP 400 Bad Request, 'Invalid Argument') for a request "
    "argument it refuses; S3 operations document no errors of their own in the model.",
)
OVER_ESCAPED_PATTERNS = documented.rule(
    id="model-pattern-escapes",
    service="connect",
    operations=("*",),
    source="https://docs.aws.amazon.com/connect/latest/APIReference/API_PhoneNumberConfig.html",
    fact="PhoneNumber: 'Pattern: \\+[1-9]\\d{1,14}$' - the model writes some patterns with "
    "doubled backslashes (\\\\+[1-9]\\\\d{1,14}$) and Password between slashes; the "
    "reference reads them single-escaped and without the slashes, and so does this layer.",
)
#: Enum shapes a service reads otherwise than its model states, which the extension checks
#: itself with the service's own words (the rule says how); the layer leaves their values alone.
ENUMS_CHECKED_BY_THE_EXTENSION = {"FilterRuleName": s3_notifications.RULE_NAME_RULE}


@dataclass(frozen=True)
class Violation:
    """One broken constraint, worded as AWS words it."""

    path: str
    constraint: str
    message: str
    value: str | None = None

    def sentence(self) -> str:
        shown = "null" if self.value is None else f"'{self.value}'"
        if self.constraint != "required" and self.value is None:
            return f"Value at '{self.path}' failed to satisfy constraint: {self.message}"
        return f"Value {shown} at '{self.path}' failed to satisfy constraint: {self.message}"


def message(found: list[Violation]) -> str:
    """AWS's summary: '2 validation errors detected: Value ... ; Value ...'."""
    noun = "error" if len(found) == 1 else "errors"
    return f"{len(found)} validation {noun} detected: " + "; ".join(v.sentence() for v in found)


# -- the model walk (pure) ---------------------------------------------------------------


def _member_path(parent: str, name: str) -> str:
    key = name[:1].lower() + name[1:]
    return f"{parent}.{key}" if parent else key


def _shown(shape: Any, value: Any) -> str | None:
    if shape.metadata.get("sensitive"):
        return None
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text


@functools.lru_cache(maxsize=2048)
def compiled_pattern(pattern: str) -> Any:
    """The model's pattern as a regex (Smithy: not anchored), or None if unusable."""
    text = pattern.replace("\\\\", "\\")
    if len(text) > 2 and text.startswith("/") and text.endswith("/"):
        text = text[1:-1]
    try:
        return regex.compile(text)
    except regex.error:
        log.warning("unusable model pattern %r", pattern)
        return None


def _bounds(shape: Any, size: int | float, path: str, value: Any, kind: str) -> Iterator[Violation]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    word = "value" if kind == "range" else "length"
    if low is not None and size < low:
        yield Violation(
            path, kind, f"Member must have {word} greater than or equal to {low}", _shown(shape, value)
        )
    if high is not None and size > high:
        yield Violation(
            path, kind, f"Member must have {word} less than or equal to {high}", _shown(shape, value)
        )


def _check_string(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if not isinstance(value, str):
        yield Violation(path, "type", "Member must be a string", _shown(shape, value))
        return
    yield from _bounds(shape, len(value), path, value, "length")
    enum = getattr(shape, "enum", None)
    if enum and value not in enum and shape.name not in ENUMS_CHECKED_BY_THE_EXTENSION:
        yield Violation(
            path, "enum", f"Member must satisfy enum value set: [{', '.join(enum)}]", _shown(shape, value)
        )
    pattern = shape.metadata.get("pattern")
    compiled = compiled_pattern(pattern) if pattern else None
    if compiled is not None and compiled.search(value) is None:
        yield Violation(
            path,
            "pattern",
            f"Member must satisfy regular expression pattern: {pattern}",
            _shown(shape, value),
        )


def _check_number(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        yield Violation(path, "type", f"Member must be a number ({shape.type_name})", _shown(shape, value))
        return
    yield from _bounds(shape, value, path, value, "range")


def _check_structure(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if not isinstance(value, Mapping):
        yield Violation(path or "input", "type", "Member must be a structure", None)
        return
    for name in shape.required_members:
        if value.get(name) is None:
            yield Violation(_member_path(path, name), "required", "Member must not be null")
    for name, member in shape.members.items():
        if value.get(name) is not None:
            yield from violations(member, value[name], _member_path(path, name))


def _check_list(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if not isinstance(value, list | tuple):
        yield Violation(path, "type", "Member must be a list", None)
        return
    yield from _bounds(shape, len(value), path, None, "length")
    for index, item in enumerate(value):
        yield from violations(shape.member, item, f"{path}.{index + 1}.member")


def _check_map(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if not isinstance(value, Mapping):
        yield Violation(path, "type", "Member must be a map", None)
        return
    yield from _bounds(shape, len(value), path, None, "length")
    for key, item in value.items():
        yield from violations(shape.key, key, f"{path}.key")
        yield from violations(shape.value, item, f"{path}.{key}.member")


def _check_blob(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if shape.serialization.get("streaming") or shape.metadata.get("streaming"):
        return
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, bytes | bytearray):
        yield from _bounds(shape, len(value), path, None, "length")


def _check_boolean(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if not isinstance(value, bool):
        yield Violation(path, "type", "Member must be a boolean", _shown(shape, value))


def _check_timestamp(shape: Any, value: Any, path: str) -> Iterator[Violation]:
    if not isinstance(value, datetime | int | float):
        yield Violation(path, "type", "Member must be a timestamp", _shown(shape, value))


_CHECKS: dict[str, Callable[[Any, Any, str], Iterator[Violation]]] = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_number,
    "long": _check_number,
    "float": _check_number,
    "double": _check_number,
    "blob": _check_blob,
    "boolean": _check_boolean,
    "timestamp": _check_timestamp,
}


def violations(shape: Any, value: Any, path: str = "") -> Iterator[Violation]:
    """Every constraint of ``shape`` (a botocore shape) that ``value`` breaks."""
    check = _CHECKS.get(shape.type_name)
    if check is not None:
        yield from check(shape, value, path)


# -- the answer (pure) -------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    code: str
    status: int
    message: str
    rule: documented.Rule | None = None


def _error_code(shape: Any) -> tuple[str, int]:
    error = shape.metadata.get("error") or {}
    return str(error.get("code") or shape.name), int(error.get("httpStatusCode") or 400)


def refusal(operation: Any, found: list[Violation]) -> Refusal:
    """The validation error ``operation`` documents, or the service's common one."""
    documented_errors = {shape.name: shape for shape in operation.error_shapes}
    for name in VALIDATION_ERRORS:
        if name in documented_errors:
            code, status = _error_code(documented_errors[name])
            return Refusal(code, status, message(found))
    if operation.service_model.protocol == "rest-xml" and operation.service_model.service_name == "s3":
        return Refusal("InvalidArgument", 400, message(found), S3_INVALID_ARGUMENT)
    if operation.service_model.protocol in ("query", "ec2"):
        return Refusal("ValidationError", 400, message(found), QUERY_VALIDATION_ERROR)
    return Refusal(
        "ValidationException", 400, message(found), COMMON_ERRORS.get(operation.service_model.service_name)
    )


def _message_key(operation: Any, code: str) -> str:
    for shape in operation.error_shapes:
        if _error_code(shape)[0] == code:
            for name in shape.members:
                if name.lower() == "message":
                    return str(name)
    return "message"


def render(operation: Any, answer: Refusal) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of ``answer`` in the operation's protocol."""
    model = operation.service_model
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id), ("x-amz-request-id", request_id)]
    if model.protocol in ("json", "rest-json"):
        body: dict[str, str] = {_message_key(operation, answer.code): answer.message}
        if model.protocol == "json":
            body["__type"] = answer.code
        content_type = "application/x-amz-json-1.1" if model.protocol == "json" else "application/json"
        headers += [("Content-Type", content_type), ("x-amzn-ErrorType", answer.code)]
        return answer.status, headers, json.dumps(body).encode()
    error = f"<Code>{escape(answer.code)}</Code><Message>{escape(answer.message)}</Message>"
    if model.service_name == "s3":
        text = f"<Error>{error}<RequestId>{request_id}</RequestId></Error>"
    else:
        text = (
            f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    headers.append(("Content-Type", "application/xml"))
    return answer.status, headers, ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode()


# -- what is known to differ, and what was seen --------------------------------------------

#: (service, operation, violation path) -> why the violation is counted, not refused.
REPORT_ONLY: dict[tuple[str, str, str], str] = {}

_lock = threading.Lock()
#: (service, operation) -> requests validated / refused / let through as REPORT_ONLY.
validated: Counter[tuple[str, str]] = Counter()
refused: Counter[tuple[str, str]] = Counter()
reported: Counter[tuple[str, str, str]] = Counter()
#: service -> requests of a validated service that no operation of its model matched.
unparsed: Counter[str] = Counter()


def _keep(service: str, operation: str, found: Iterable[Violation]) -> list[Violation]:
    kept: list[Violation] = []
    for item in found:
        if (service, operation, item.path) in REPORT_ONLY:
            with _lock:
                reported[(service, operation, item.path)] += 1
            log.warning("known divergence %s.%s %s: %s", service, operation, item.path, item.sentence())
        else:
            kept.append(item)
    return kept


# -- the HTTP layer ----------------------------------------------------------------------


def validates(service: str) -> bool:
    """Whether requests of ``service`` (a botocore service name) pass this layer."""
    from moto.core.utils import get_service_model

    return service in requests.services_for(get_service_model(service).signing_name)


def check_request(environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """The answer AWS would give instead of serving this request, or None to serve it."""
    if str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
        return None
    found = requests.identify(environ)
    if found is None or not requests.services_for(found.signature.signing_name):
        return None
    if not found.parsed:
        with _lock:
            unparsed[found.service or requests.services_for(found.signature.signing_name)[0]] += 1
        return None
    service, operation, params = found.service, found.operation, found.params
    key = (service, operation.name)
    with _lock:
        validated[key] += 1
    if operation.input_shape is None:
        return None
    broken = _keep(service, operation.name, violations(operation.input_shape, params))
    if not broken:
        return None
    with _lock:
        refused[key] += 1
    return render(operation, refusal(operation, broken))


def middleware(app: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a WSGI app (moto server's dispatcher) so that every request is validated first."""
    from werkzeug.http import HTTP_STATUS_CODES

    def validated_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        answer = check_request(environ)
        if answer is None:
            return app(environ, start_response)
        status, headers, body = answer
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'Error')}", headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    return validated_app


def validation_error_codes(operation: Any) -> set[str]:
    """The codes this layer can answer for ``operation`` (for the documented-errors test)."""
    return {refusal(operation, [Violation("x", "required", "Member must not be null")]).code}


def documented_error_codes(operation: Any) -> set[str]:
    """The errors AWS documents for ``operation``: its model's, plus the common errors the
    catalogue cites for its service. A bodiless answer (HEAD) is known by its status alone,
    so each documented error's status counts as its code too."""
    codes = {_error_code(shape)[0] for shape in operation.error_shapes}
    codes.update(str(_error_code(shape)[1]) for shape in operation.error_shapes)
    service = operation.service_model.service_name
    if service in COMMON_ERRORS:
        codes.update(COMMON_ERROR_CODES)
    if service == "s3":
        codes.add("InvalidArgument")
    if operation.service_model.protocol in ("query", "ec2"):
        codes.add("ValidationError")
    return codes
