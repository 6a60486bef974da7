"""Runs every contract check against every provider that has a case module."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.cases import load_cases
from tests.contract.suite import CHECKS, ContractCase, Env

CASES = load_cases()


def test_every_registered_provider_has_a_contract_case() -> None:
    from providers.registry import PROVIDERS

    covered = {case.resource_type for case in CASES}
    missing = sorted(set(PROVIDERS) - covered)
    assert not missing or all(not _available(t) for t in missing), (
        f"providers without a contract case: {missing}"
    )


def _available(resource_type: str) -> bool:
    import importlib.util

    from providers.registry import PROVIDERS

    module = PROVIDERS[resource_type].split(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_contract(check: Any, case: ContractCase, cfn: Any, aws: Any, unique: Any, logs: Any) -> None:
    cfn.function_timeout = case.function_timeout
    check(cfn, case, Env(client=aws, unique=unique, logs=logs, stack_id=cfn.stack_id))
