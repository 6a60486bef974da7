"""The response is always delivered or accounted for (issue 11 items 7 and 9): malformed HTTP
replies from a real local socket server are retried, only CloudFormation's own response
hosts are accepted, and no traceback or message logs a signature."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from providers.core import engine
from providers.core.log import Redactor
from providers.core.response import ResponseURLRejectedError, check_response_url, send

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
MALFORMED = [
    b"garbage\r\n\r\n",  # BadStatusLine
    b"HTTP/1.1 2\xff0 OK\r\n\r\n",  # not a status code
    b"HTTP/1.1 200 OK\r\n" + b"X: " + b"y" * 70000 + b"\r\n\r\n",  # LineTooLong
    b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n",  # more than 100 headers
    b"HTTP/2.0 200 OK\r\n\r\n",  # UnknownProtocol
    b"",  # closed without a reply
]


class RawServer:
    """Answers each connection with the next canned reply (then 200 OK) after reading the PUT."""

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = list(replies)
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/response?X-Amz-Signature=SECRETSIG"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.connections += 1
                conn.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    conn.sendall(self.replies.pop(0) if self.replies else OK)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def local_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAPFILL_ALLOW_LOCAL_RESPONSE_URL", "1")


@pytest.fixture
def raw() -> Iterator[Any]:
    made: list[RawServer] = []

    def make(replies: list[bytes]) -> RawServer:
        made.append(RawServer(replies))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.mark.parametrize("reply", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_reply_is_retried_and_the_answer_lands(reply: bytes, raw: Any, local_urls: None) -> None:
    server = raw([reply])
    result = send(server.url, b"{}", sleep=lambda _s: None)
    assert result.ok, result.last_error
    assert result.attempts == 2
    assert "SECRETSIG" not in result.last_error


def test_every_attempt_malformed_ends_bounded_without_raising(raw: Any, local_urls: None) -> None:
    server = raw(MALFORMED * 3)
    result = send(server.url, b"{}", attempts=5, sleep=lambda _s: None)
    assert not result.ok
    assert result.attempts == 5
    assert result.last_error
    assert "SECRETSIG" not in result.last_error


HOST = "cloudformation-custom-resource-response"


@pytest.mark.parametrize(
    "url",
    [
        f"https://{HOST}-useast1.s3.amazonaws.com/arn%3Aaws/x?X-Amz-Signature=1",
        f"https://{HOST}-euwest1.s3-eu-west-1.amazonaws.com/x",
        f"https://{HOST}-apnortheast1.s3.ap-northeast-1.amazonaws.com/x",
        f"https://{HOST}-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
        f"https://{HOST}-usgovwest1.s3-us-gov-west-1.amazonaws.com/x",
        f"https://{HOST}-usgovwest1.s3.us-gov-west-1.amazonaws.com/x",
        f"https://s3.amazonaws.com/{HOST}-useast1/x",
        f"https://s3.eu-west-1.amazonaws.com/{HOST}-euwest1/x",
        f"https://{HOST}-usisoeast1.s3.us-iso-east-1.c2s.ic.gov/x",
    ],
)
def test_cloudformations_response_hosts_are_accepted(url: str) -> None:
    check_response_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod/x",  # API Gateway: customers'
        "https://my-lb-1234.us-east-1.elb.amazonaws.com/x",  # a load balancer
        "https://ec2-203-0-113-9.compute-1.amazonaws.com/x",  # an EC2 public name
        "https://attacker-bucket.s3.amazonaws.com/x",  # someone's bucket
        "https://s3.amazonaws.com/attacker-bucket/x",  # someone's bucket, path style
        f"https://{HOST}-useast1.s3.amazonaws.com.evil.example/x",
        f"https://{HOST}-useast1.evil.amazonaws.com/x",
        f"https://{HOST}-useast1-x.s3.amazonaws.com/x",
        f"https://{HOST}-useast1.s3.amazonaws.com/a b?X-Amz-Signature=1",  # a space
        f"https://{HOST}-useast1.s3.amazonaws.com/a\x00b",  # a control character
        f"https://{HOST}-useast1.s3.amazonaws.com/a\nb",
        f"https://{HOST}-useast1.s3.amazonaws.com/caf\u00e9",  # non-ASCII
        f"https://{HOST}-useast1.s3.amazonaws.com:8443/x",  # another port
        f"https://user@{HOST}-useast1.s3.amazonaws.com/x",  # userinfo
    ],
)
def test_other_hosts_and_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(ResponseURLRejectedError):
        check_response_url(url)


@pytest.mark.parametrize("bad", [" b", "\u00e9", "\x7f", "\t"])
def test_the_handler_never_raises_on_a_malformed_response_url(bad: str, logs: Any) -> None:
    url = f"https://{HOST}-useast1.s3.amazonaws.com/a{bad}?X-Amz-Signature=SECRETSIG"
    event = {
        "RequestType": "Create",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "r1",
        "LogicalResourceId": "L",
        "ResourceType": "Custom::Nothing",
    }
    engine.run(event, None, lambda _t: (_ for _ in ()).throw(AssertionError("never resolved")))
    assert "ResponseURL rejected" in logs.text
    assert "SECRETSIG" not in logs.text


def test_tracebacks_and_exception_messages_are_redacted(logs: Any) -> None:
    from providers.core.log import logger

    signed = f"{HOST}-useast1.s3.amazonaws.com/x?X-Amz-Algorithm=A&X-Amz-Signature=SECRETSIG"
    try:
        raise ValueError(f"cannot PUT to https://{signed}")
    except ValueError:
        logger.exception("failed", extra={"error": f"bare {signed}"})
    try:
        raise RuntimeError("registered-secret-value")
    except RuntimeError:
        from providers.core.log import redactor

        redactor.add(["registered-secret-value"])
        logger.exception("failed again")
    record = [json.loads(line) for line in logs.lines]
    assert record, "nothing logged"
    assert "SECRETSIG" not in logs.text
    assert "registered-secret-value" not in logs.text
    assert "Traceback" in logs.text, "the traceback itself is still logged"


@pytest.mark.parametrize(
    "text",
    [
        "see s3.amazonaws.com/b/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=SECRETSIG now",
        "X-Amz-Signature=SECRETSIG",
        "x-amz-signature=SECRETSIG&x",
        "'https://h.example/p?a=1&Signature=SECRETSIG'",
        "AWSAccessKeyId=AKIDEXAMPLE&Expires=1&Signature=SECRETSIG",
    ],
)
def test_the_url_pattern_catches_signatures_without_a_scheme(text: str) -> None:
    assert "SECRETSIG" not in Redactor().scrub(text)


def test_a_redactor_on_a_plain_logging_logger_scrubs_exc_text() -> None:
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor())
    plain = logging.getLogger("gapfill-test-plain")
    plain.addHandler(handler)
    try:
        raise OSError("PUT https://h.example/x?X-Amz-Signature=SECRETSIG failed")
    except OSError:
        plain.exception("boom")
    plain.removeHandler(handler)
    assert "Traceback" in stream.getvalue()
    assert "SECRETSIG" not in stream.getvalue()
