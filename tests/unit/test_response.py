"""The response PUT (protocol rule 2): size, headers, URL checks, bounded retries."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from gapfill.local.protocol import ResponseServer
from providers.core.response import (
    MAX_BODY_BYTES,
    Response,
    ResponseURLRejectedError,
    check_response_url,
    send,
)


@pytest.fixture
def server() -> Iterator[ResponseServer]:
    srv = ResponseServer()
    yield srv
    srv.close()


def make(**kw: object) -> Response:
    base: dict[str, object] = {
        "status": "SUCCESS",
        "physical_id": "pid",
        "stack_id": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "request_id": "r",
        "logical_id": "L",
    }
    base.update(kw)
    return Response(**base)  # type: ignore[arg-type]


def test_long_reason_is_truncated_keeping_its_head() -> None:
    reason = "HEAD:" + "x" * 10_000
    body = make(status="FAILED", reason=reason).to_body()
    assert len(body) <= MAX_BODY_BYTES
    doc = json.loads(body)
    assert doc["Reason"].startswith("HEAD:xxx")
    assert doc["Reason"].endswith("[truncated]")


def test_oversized_data_becomes_failed_instead_of_silent_trimming() -> None:
    response = make(data={"Big": "y" * 5000})
    doc = json.loads(response.to_body())
    assert doc["Status"] == "FAILED"
    assert "4096" in doc["Reason"]
    assert "Data" not in doc


def test_multibyte_reason_stays_valid_and_small() -> None:
    body = make(status="FAILED", reason="é" * 5000).to_body()
    assert len(body) <= MAX_BODY_BYTES
    json.loads(body)


@pytest.mark.parametrize(
    "url",
    [
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?sig=1",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
    ],
)
def test_aws_https_urls_are_accepted(url: str) -> None:
    check_response_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/x",
        "https://evil.example.com/x",
        "https://amazonaws.com.evil.example/x",
        "file:///etc/passwd",
        "not a url",
    ],
)
def test_other_urls_are_rejected(url: str) -> None:
    with pytest.raises(ResponseURLRejectedError):
        check_response_url(url)


def test_loopback_needs_the_explicit_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAPFILL_ALLOW_LOCAL_RESPONSE_URL", raising=False)
    with pytest.raises(ResponseURLRejectedError):
        check_response_url("http://127.0.0.1:9/x")
    monkeypatch.setenv("GAPFILL_ALLOW_LOCAL_RESPONSE_URL", "1")
    check_response_url("http://127.0.0.1:9/x")
    with pytest.raises(ResponseURLRejectedError):
        check_response_url("http://10.0.0.1/x")


def test_put_has_empty_content_type_and_exact_body(server: ResponseServer) -> None:
    result = send(server.url_for("t1"), b'{"a":1}', sleep=lambda _s: None)
    assert result.ok
    put = server.puts_for("t1")[0]
    assert put.headers["content-type"] == ""
    assert put.raw == b'{"a":1}'


def test_failed_puts_are_retried_then_succeed(server: ResponseServer) -> None:
    server.fail_next = [500, 503, 403]
    delays: list[float] = []
    result = send(server.url_for("t2"), b"{}", sleep=delays.append)
    assert result.ok
    assert result.attempts == 4
    assert delays == sorted(delays), "backoff must not shrink"
    assert len(server.puts_for("t2")) == 1


def test_always_failing_url_gives_up_after_bounded_attempts(server: ResponseServer) -> None:
    server.fail_next = [500] * 50
    result = send(server.url_for("t3"), b"{}", attempts=5, sleep=lambda _s: None)
    assert not result.ok
    assert result.attempts == 5
    assert result.last_error == "HTTP 500"


def test_unreachable_url_gives_up() -> None:
    from gapfill.emulator.server import free_port

    result = send(f"http://127.0.0.1:{free_port()}/x", b"{}", attempts=3, sleep=lambda _s: None)
    assert not result.ok
    assert result.attempts == 3


def test_retries_stop_when_the_deadline_is_near(server: ResponseServer) -> None:
    server.fail_next = [500] * 10
    result = send(server.url_for("t4"), b"{}", attempts=10, time_left=lambda: 0.5, sleep=lambda _s: None)
    assert not result.ok
    assert result.attempts == 1


def test_huge_non_ascii_ids_still_fit_the_body() -> None:
    # Found by the fuzz suite: ids of 'é' (12 escaped bytes each as \u00e9 in JSON) cut to 256
    # characters still overflowed 4096 bytes (4775) with an empty Reason.
    huge = "\u00e9" * 5000
    body = make(
        status="FAILED",
        stack_id=huge,
        request_id=huge,
        logical_id=huge,
        physical_id=huge,
        reason="CountryCode: 'AA' is not one of " + "X" * 3000,
    ).to_body()
    assert len(body) <= MAX_BODY_BYTES
    assert json.loads(body)["Status"] == "FAILED"
