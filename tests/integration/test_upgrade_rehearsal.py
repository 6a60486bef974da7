"""The upgrade rehearsal of the local main job: providers N -> N+1 under live stacks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from gapfill import versioning
from gapfill.deploy.params import load as load_parameters
from gapfill.local.deployment import LocalDeployment
from gapfill.local.plan import SEED_DIR
from gapfill.local.providers_stack import installed_providers
from gapfill.local.upgrade import Upgrade, rehearse_upgrade

ROOT = Path(__file__).resolve().parents[2]
QR = ROOT / "templates" / "qr-upload.yaml"
N = str(versioning.current())
N1 = str(versioning.current().next_minor())


@pytest.fixture
def qr(emulator: Any) -> Any:
    params = load_parameters(SEED_DIR / "qr-upload-local-parameters.json")
    params.update(EmptyBucketsOnDelete="false")  # other tests of the session share these buckets
    region = installed_providers()
    deployment = LocalDeployment(
        QR, params, progress=lambda _line: None, stack_name="it-upgrade", providers=region
    )
    deployment.deploy()
    assert not deployment.failed, deployment.table()
    yield region, deployment
    deployment.close()


def test_a_minor_upgrade_keeps_every_resource_and_answers_from_the_new_code(qr: Any, tmp_path: Path) -> None:
    region, deployment = qr
    assert {row.code_version for row in deployment.rows} == {N}
    before = {c.logical_id: (c.physical_id, c.properties["ServiceToken"]) for c in deployment.created}
    assert all(token.endswith(":v1") for _, token in before.values()), before

    upgrade = rehearse_upgrade(region, [deployment], tmp_path)
    assert (upgrade.old, upgrade.new) == (N, N1)
    assert len(upgrade.moved) == len(list((ROOT / "schemas").glob("*.json")))
    # The stack update with the template unchanged changed nothing, so nothing was sent.
    assert deployment.rows[upgrade.marks[id(deployment)] - 1].code_version == N
    assert {c.logical_id: (c.physical_id, c.properties["ServiceToken"]) for c in deployment.created} == before

    deployment.rehearse_update()
    deployment.delete_all()
    notes = upgrade.check([deployment])
    assert not deployment.failed, deployment.table()
    after = deployment.rows[upgrade.marks[id(deployment)] :]
    assert {row.code_version for row in after} == {N1}
    assert {row.logical_id for row in after if row.operation == "DELETE"} == set(before)
    assert f"{len(before)} of {len(before)} resources answered from {N1}" in notes[0]


def test_answers_from_the_old_code_after_an_upgrade_fail_the_rehearsal(qr: Any) -> None:
    _, deployment = qr
    # An "upgrade" that moved no alias: the v1 tokens still run N.
    upgrade = Upgrade(N, N1, [], {id(deployment): len(deployment.rows)})
    deployment.delete_all()
    upgrade.check([deployment])
    assert deployment.failed
    assert {row.reason for row in deployment.failed} == {f"answered by code {N}, not {N1}"}


def test_a_changed_service_token_is_what_cloudformation_refuses(qr: Any) -> None:
    _, deployment = qr
    stack = deployment.stacks["qr-upload"]
    stack.template = copy.deepcopy(stack.template)
    files = stack.template["Resources"]["WebsiteFiles"]["Properties"]
    files["ServiceToken"] = {"Fn::ImportValue": {"Fn::Sub": "${ProvidersStackName}-S3Objects-ServiceToken"}}
    changed = deployment.update_unchanged()
    assert len(changed) == 1
    assert changed[0].startswith("qr-upload/WebsiteFiles: ServiceToken ")
    assert "CloudFormation does not support updating a ServiceToken" in changed[0]
    assert [row.logical_id for row in deployment.failed] == ["WebsiteFiles"]
