"""IAM in front of moto server: a call signed with a role's access key is authorised first.

The tests' invoke harness and the local runner sign each function's calls with an access key
that names its role (:func:`register`); the tests' own calls use other keys and pass
unevaluated. A call whose needs (:mod:`.authorization`) the role's policies (:mod:`.policy`)
do not all allow is answered AccessDenied in the service's error shape, as AWS answers it;
every evaluated call is recorded (:mod:`.report`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from gapfill.emulator import documented, requests
from gapfill.emulator.iam import authorization, policy, report
from gapfill.emulator.iam import requests as iam_requests
from gapfill.emulator.iam.roles import KEY_PREFIX, PARTITION, Role

MISSING_KEY_403 = documented.rule(
    id="iam-s3-missing-key-needs-listbucket",
    service="s3",
    operations=("GetObject", "HeadObject"),
    source="https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html",
    fact="If the object does not exist, S3 answers 404 Not Found when the caller has s3:ListBucket on "
    "the bucket and 403 Forbidden (Access Denied) when it does not.",
)
ACCESS_DENIED = documented.rule(
    id="iam-access-denied-shape",
    service="iam",
    operations=(),
    source="https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html",
    fact="A request the caller's policies do not allow fails with AccessDenied (S3, query APIs: 403) "
    "or AccessDeniedException (JSON APIs: 400; REST-JSON APIs: the model's status, 403).",
)

_roles: dict[str, Role] = {}
_lock = threading.Lock()
StartResponse = Callable[..., Any]


def register(role: Role) -> str:
    """Make ``role`` known to the emulator; returns the access key id that signs as it."""
    with _lock:
        _roles[role.access_key] = role
    return role.access_key


def role_for(access_key: str) -> Role | None:
    with _lock:
        return _roles.get(access_key)


def context_for(role: Role, call: iam_requests.Call, bucket_account: str) -> dict[str, list[str]]:
    """The request context keys the project's conditions use (lower-case)."""
    context = {
        "aws:principalaccount": [role.account],
        "aws:principalarn": [role.arn],
        "aws:requestedregion": [call.region],
        "aws:resourceaccount": [bucket_account],
    }
    if call.service == "s3":
        context["s3:resourceaccount"] = [bucket_account]
    return context


def evaluate(role: Role, call: iam_requests.Call) -> list[tuple[authorization.Need, str]]:
    """Every need of ``call`` with the role's decision on it."""
    pseudo = {"Partition": PARTITION, "Region": call.region, "Account": role.account}
    context = context_for(role, call, role.account)
    return [
        (need, policy.decide(role.policies, need.action, need.resource, context))
        for need in authorization.needs(call.service, call.operation, call.params, pseudo)
    ]


def _error_response(
    call: iam_requests.Call, method: str, message: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    request_id = str(uuid.uuid4())
    if call.protocol in {"rest-xml", "query"}:
        code = "<Code>AccessDenied</Code>"
        inner = f"{code}<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId>"
        if call.protocol == "query":
            inner = f"<Error><Type>Sender</Type>{inner}</Error>"
            body = f"<ErrorResponse>{inner}<RequestId>{request_id}</RequestId></ErrorResponse>"
        else:
            body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'
        payload = b"" if method == "HEAD" else body.encode()
        return (
            "403 Forbidden",
            [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)],
            payload,
        )
    if call.protocol == "rest-json":
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")]
        return "403 Forbidden", [*headers, ("x-amzn-RequestId", request_id)], _json({"message": message})
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id)]
    return "400 Bad Request", headers, _json({"__type": "AccessDeniedException", "message": message})


def _json(value: Mapping[str, Any]) -> bytes:
    import json

    return json.dumps(value).encode()


def _denial_message(role: Role, need: authorization.Need, decision: str) -> str:
    why = "with an explicit deny" if decision == "deny" else "because no identity-based policy allows the"
    shown = need.as_dict()["resource"]
    return (
        f"User: {role.arn}/gapfill is not authorized to perform: {need.action} on resource: {shown} "
        f"{why} {need.action} action"
    )


class Authorizer:
    """WSGI middleware: authorise, pass through, and apply S3's missing-key rule."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        signed = requests.signature(str(environ.get("HTTP_AUTHORIZATION", "")))
        role = role_for(signed.access_key) if signed else None
        if role is None:
            return self.app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "GET"))
        call = iam_requests.call(environ)
        if call is None or not call.operation:
            report.record(role, call, [], note="operation not recognised from the service model")
            return self.app(environ, start_response)
        decisions = evaluate(role, call)
        denied = [(n, d) for n, d in decisions if d != "allow"]
        report.record(role, call, decisions)
        if denied:
            status, out_headers, payload = _error_response(call, method, _denial_message(role, *denied[0]))
            start_response(status, [*out_headers, ("Content-Length", str(len(payload)))])
            return [payload]
        return self._missing_key_rule(role, call, method, environ, start_response)

    def _missing_key_rule(
        self,
        role: Role,
        call: iam_requests.Call,
        method: str,
        environ: dict[str, Any],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        if call.service != "s3" or call.operation not in MISSING_KEY_403.operations:
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = list(self.app(environ, capture))
        if str(captured.get("status", "")).startswith("404"):
            bucket = f"arn:{PARTITION}:s3:::{call.params.get('Bucket', '')}"
            need = authorization.Need("s3:ListBucket", bucket, via=f"s3:{call.operation} of a missing key")
            decision = policy.decide(
                role.policies, need.action, need.resource, context_for(role, call, role.account)
            )
            report.record(role, call, [(need, decision)], note="missing key")
            if decision != "allow":
                status, out_headers, payload = _error_response(call, method, "Access Denied")
                start_response(status, [*out_headers, ("Content-Length", str(len(payload)))])
                return [payload]
        start_response(captured["status"], captured["headers"])
        return chunks


def is_role_key(access_key: str) -> bool:
    return access_key.startswith(KEY_PREFIX)
