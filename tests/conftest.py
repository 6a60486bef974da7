"""Shared fixtures: one moto server per test session (with the Connect extension), the
local CloudFormation runner, boto3 clients pointed at the emulator, and log capture."""

from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

os.environ.setdefault("GAPFILL_POLL_INITIAL_SECONDS", "0.1")
os.environ.setdefault("GAPFILL_POLL_MAX_SECONDS", "0.5")
# The S3 notification settle window (3 s in production) scaled to the emulator, whose
# read-to-write gap is milliseconds; tests/nothing_lost/test_s3_concurrent_writers.py races it.
os.environ.setdefault("GAPFILL_S3_SETTLE_SECONDS", "0.3")
os.environ["GAPFILL_ALLOW_LOCAL_RESPONSE_URL"] = "1"

from gapfill.emulator import Emulator, start_emulator
from gapfill.local.protocol import LocalCloudFormation
from providers.core.aws import reset_clients

pytest_plugins = ["tests.iam_report"]


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """moto server on 127.0.0.1 (free port); every boto3 call in the session goes there."""
    with start_emulator() as server, server.applied(on_switch=reset_clients):
        yield server


@pytest.fixture
def aws(emulator: Emulator) -> Callable[[str], Any]:
    """``aws("s3")``: a plain boto3 client on the emulator, for arranging and asserting."""

    def make(service: str) -> Any:
        # The tests' own key, explicitly: never a role's key that a harness put in the environment.
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=emulator.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return make


@pytest.fixture
def cfn(emulator: Emulator) -> Iterator[LocalCloudFormation]:
    """CloudFormation's side of the protocol against ``providers.handler.lambda_handler``."""
    runner = LocalCloudFormation(stack_name=f"test-{uuid.uuid4().hex[:8]}")
    yield runner
    runner.close()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """``unique("bucket")`` -> ``bucket-1a2b3c4d``: names that never collide in a session."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:10]}"


class LogCapture:
    """Every formatted log line of the ``gapfill`` logger, as powertools writes it."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def lines(self) -> list[str]:
        return [line for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    from providers.core.log import logger, redactor

    capture = LogCapture()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(logger.registered_formatter)
    handler.addFilter(redactor)
    target = logging.getLogger(logger.name)
    target.addHandler(handler)
    saved = target.level
    target.setLevel(logging.INFO)
    yield capture
    target.setLevel(saved)
    target.removeHandler(handler)
