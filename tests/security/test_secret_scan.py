"""No secret in any log line or response, over a full contract run of every provider.

The same scanner serves as a session-wide pytest plugin (tests/security/secret_scan.py,
registered in tests/conftest.py); here it watches create, update, a failing create with a
malformed property, and delete of every provider, and must find nothing.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gapfill.local.protocol import LocalCloudFormation
from tests.contract.cases import load_cases
from tests.contract.suite import ContractCase, Env, assert_one_valid_response
from tests.security.secret_scan import Scanner

CASES = load_cases()


@pytest.fixture
def scanner() -> Any:
    made = Scanner(current="tests/security/test_secret_scan.py")
    made.install()
    yield made
    made.uninstall()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_full_lifecycle_leaks_nothing(
    case: ContractCase, scanner: Scanner, cfn: LocalCloudFormation, aws: Any, unique: Any, logs: Any
) -> None:
    env = Env(client=aws, unique=unique, logs=logs, stack_id=cfn.stack_id)
    cfn.function_timeout = case.function_timeout
    props = case.make_properties(env)
    created = cfn.create(case.resource_type, props)
    assert_one_valid_response(created, "SUCCESS")
    if case.secrets is not None:
        scanner.secrets.update(case.secrets(env, created, props))
    updated = cfn.update(
        case.resource_type, created.physical_id, case.update_in_place(env, copy.deepcopy(props)), props
    )
    assert_one_valid_response(updated, "SUCCESS")
    broken = cfn.create(case.resource_type, {**props, "NoSuchProperty": "x"})
    assert_one_valid_response(broken, "FAILED")
    assert_one_valid_response(cfn.delete(case.resource_type, created.physical_id, props), "SUCCESS")
    assert scanner.responses, "no response bodies were seen: the scanner is not wired in"
    assert scanner.lines, "no log lines were seen: the scanner is not wired in"
    assert [vars(leak) for leak in scanner.leaks()] == []


def test_the_scanner_finds_a_planted_leak(scanner: Scanner) -> None:
    import logging

    from providers.core.log import redactor

    redactor.add(["Correct-Horse-Battery-1"])
    redactor.clear()
    logging.getLogger("some.library").warning("connecting with Correct-Horse-Battery-1")
    logging.getLogger("some.library").warning("PUT https://x/y?X-Amz-Signature=abc")
    scanner.current = "tests/security/test_secret_scan.py::elsewhere"
    logging.getLogger("some.library").warning("again Correct-Horse-Battery-1")
    found = scanner.leaks()
    assert {leak.what.split(" (")[0] for leak in found} >= {"a kept secret", "pre-signed URL signature"}
