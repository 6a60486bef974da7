"""One answer to "which operation and parameters is this request", for every WSGI layer."""

from __future__ import annotations

from gapfill.emulator import requests
from gapfill.emulator.iam import requests as iam_requests

AUTH = "AWS4-HMAC-SHA256 Credential=KEY/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=x"


def _environ(
    service: str, method: str, path: str, query: str = "", body: bytes = b"", **headers: str
) -> dict:
    return requests.environ_for(method, path, query, {"authorization": AUTH.format(service), **headers}, body)


def test_a_request_is_identified_once_and_kept_for_the_inner_layers() -> None:
    environ = _environ("s3", "GET", "/bucket/a/key.json", "versionId=v1")
    found = requests.identify(environ)
    assert found is not None
    assert (found.service, found.operation_name, found.parsed) == ("s3", "GetObject", True)
    assert found.params["Bucket"] == "bucket"
    assert found.params["Key"] == "a/key.json"
    assert found.params["VersionId"] == "v1"
    assert environ[requests.ENVIRON_KEY] is found
    assert requests.identify(environ) is found
    assert environ["wsgi.input"].read() == b""  # the body is still there for moto (empty here)


def test_an_unsigned_request_is_nobodys() -> None:
    assert requests.identify(requests.environ_for("GET", "/", "", {}, b"")) is None


def test_a_shared_signing_name_finds_the_service_whose_route_fits() -> None:
    """Lex V2 signs as ``lex``; IAM names the call by that prefix."""
    call = iam_requests.call(_environ("lex", "POST", "/bots/BOT1234567/botaliases/"))
    assert call is not None
    assert (call.service, call.operation) == ("lex", "ListBotAliases")
    assert call.params["botId"] == "BOT1234567"


def test_delete_objects_of_versions_asks_iam_for_the_version_action() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Delete><Object><Key>k</Key><VersionId>v1</VersionId>'
        b"</Object></Delete>"
    )
    call = iam_requests.call(_environ("s3", "POST", "/bucket", "delete", body, **{"content-md5": "x"}))
    assert call is not None
    assert call.operation == "DeleteObjects"
    assert call.params["VersionId"] == "(in the body)"
    plain = body.replace(b"<VersionId>v1</VersionId>", b"")
    call = iam_requests.call(_environ("s3", "POST", "/bucket", "delete", plain, **{"content-md5": "x"}))
    assert call is not None
    assert "VersionId" not in call.params
