"""``gapfill deploy --local``: the project's real templates, played locally.

The embedded emulator starts on loopback; the prerequisites a contact centre already has are
created in it (:func:`gapfill.local.prerequisites.seed`); each template the plan names
(:mod:`gapfill.local.plan`: without ``--template``, every application: the contact centre
``main.yaml``, the QR upload stack and the concert data platform) is played through
CloudFormation's side of the protocol (:mod:`gapfill.local.deployment`), with its parameters
checked as CloudFormation checks them (:mod:`gapfill.local.parameters`). What was deployed is
recorded for ``gapfill drift --local`` (:mod:`gapfill.local.record`) and the pages the
resources published are written out (:mod:`gapfill.local.pages`).

ServiceTokens resolve through the exports of a providers stack played from the generated
``packaging/template.yaml`` (:mod:`gapfill.local.providers_stack`): a template importing an
export the providers do not create fails here as in CloudFormation, and each event runs the
build its alias points at. ``--rehearse`` first upgrades the providers to the next minor
release under the live stacks (:mod:`gapfill.local.upgrade`), then plays each stack's update
(:mod:`gapfill.local.rehearsal`) and its deletion in reverse order.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from gapfill.deploy.params import load as load_parameters
from gapfill.emulator.server import Emulator
from gapfill.local import plan, standins
from gapfill.local import providers_stack as providers_model
from gapfill.local.deployment import LocalDeployment
from gapfill.local.intrinsics import UnsupportedIntrinsicError
from gapfill.local.model import REGION, LocalDeployError
from gapfill.local.pages import write_pages
from gapfill.local.prerequisites import seed
from gapfill.local.record import record
from gapfill.local.summary import print_iam_report, summary
from gapfill.local.upgrade import rehearse_upgrade


def main(args: argparse.Namespace) -> int:
    """Entry point of ``gapfill deploy --local``."""
    from gapfill.emulator import start_emulator
    from providers.core.aws import reset_clients
    from providers.core.log import logger

    saved_level = logger.log_level
    if "GAPFILL_LOG_LEVEL" not in os.environ:
        logger.setLevel("WARNING")  # the progress lines and the table tell the story; logs on request
    output = Path(getattr(args, "output", None) or ".gapfill/local")
    os.environ.setdefault("GAPFILL_POLL_INITIAL_SECONDS", "0.2")
    os.environ.setdefault("GAPFILL_POLL_MAX_SECONDS", "1")
    try:
        with start_emulator() as emulator, emulator.applied(on_switch=reset_clients):
            return _run(args, emulator, plan.plays(args), output)
    finally:
        logger.setLevel(saved_level)


def _deploy_one(
    template: Path, params_path: Path, output: Path, providers: providers_model.Region | None = None
) -> tuple[LocalDeployment, list[Path]]:
    """Deploy one template; a LocalDeployError is reported in one line by the caller."""
    print(
        f"\n== template {plan.relative(template)}, parameters "
        f"{params_path.name if params_path.is_file() else '(defaults)'}",
        flush=True,
    )
    parameters = load_parameters(params_path) if params_path.is_file() else {}
    deployment = LocalDeployment(
        template, parameters, stack_name=plan.stack_name(template), providers=providers
    )
    try:
        seed(deployment.root_parameters)
        deployment.deploy()
    except BaseException:
        deployment.close()
        raise
    return deployment, write_pages(deployment, output)


def _failed(errors: list[str], exc: Exception) -> None:
    """A template or rehearsal that could not be played: one line on stderr, exit code 2."""
    errors.append(f"gapfill deploy --local: {exc}")
    print(errors[-1], file=sys.stderr, flush=True)


def _run(args: argparse.Namespace, emulator: Emulator, played: list[tuple[Path, Path]], output: Path) -> int:
    print(
        f"embedded AWS emulator on {emulator.endpoint} (moto server + gapfill's Connect extension)",
        flush=True,
    )
    deployments: list[LocalDeployment] = []
    pages: list[Path] = []
    errors: list[str] = []
    started = time.time()
    region = providers_model.installed_providers()
    notes: list[str] = []
    try:
        for template, params_path in played:
            try:
                deployment, written = _deploy_one(template, params_path, output, region)
            except (LocalDeployError, UnsupportedIntrinsicError, standins.StandInError) as exc:
                _failed(errors, exc)
                continue
            deployments.append(deployment)
            pages += written
        record(deployments, emulator, output)
        if getattr(args, "keep", False):
            _keep_serving(emulator)
        if getattr(args, "rehearse", False):
            notes = _rehearse(region, [d for d in deployments if not d.failed], output, errors)
        code = summary(deployments, pages, errors, started, notes)
        print_iam_report(output)
        return code
    finally:
        for deployment in deployments:
            deployment.close()


def _rehearse(
    region: providers_model.Region, rehearsed: list[LocalDeployment], output: Path, errors: list[str]
) -> list[str]:
    """The providers' minor upgrade under every stack, then each stack's update and deletion;
    returns the upgrade's lines for the summary (errors are appended to ``errors``)."""
    upgrade = None
    if rehearsed:
        try:
            upgrade = rehearse_upgrade(region, rehearsed, output)
        except (LocalDeployError, UnsupportedIntrinsicError) as exc:
            _failed(errors, exc)
    for deployment in rehearsed:
        try:
            deployment.rehearse_update()
            deployment.delete_all()
        except (LocalDeployError, UnsupportedIntrinsicError) as exc:
            _failed(errors, exc)
    return upgrade.check(rehearsed) if upgrade is not None else []


def _keep_serving(emulator: Emulator) -> None:
    print(
        f"\nemulator keeps serving on {emulator.endpoint}; inspect with e.g.\n"
        f"  AWS_ENDPOINT_URL={emulator.endpoint} AWS_ACCESS_KEY_ID=testing "
        f"AWS_SECRET_ACCESS_KEY=testing "
        f"aws s3 ls --region {REGION}\nCtrl-C to continue",
        flush=True,
    )
    from gapfill.local.serve import wait_until_interrupted

    wait_until_interrupted()
    print("", flush=True)
