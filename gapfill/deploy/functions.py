"""The runtime functions' code for ``gapfill deploy``: which zips the root template needs, and
the parameters that point the stacks at them.

``templates/main.yaml`` takes the code location of its runtime functions as parameters:
``FunctionCodeBucket`` (shared by all of them) and one key parameter per function
(:data:`KEY_PARAMETERS`). ``gapfill deploy`` builds the zips (``gapfill package``'s
function zips), uploads them to the deployment bucket under content-addressed keys
(``gapfill/functions/<sha256>.zip``: an unchanged function keeps its key, so CloudFormation
sees no code change; any change gives a new key and so a real code update), and fills those
parameters, unless the parameter file gives them:

* the file sets ``FunctionCodeBucket``: the code is the user's (their bucket, with the keys
  the file or the template's defaults name); nothing is built or uploaded;
* otherwise every key parameter the file leaves out is filled with its uploaded zip's key,
  and a key the file does give is used as it is, in the deployment bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapfill.deploy.artifacts import Packager

BUCKET_PARAMETER = "FunctionCodeBucket"
#: Root template parameter -> the function (``functions/<name>/``) whose zip it names.
KEY_PARAMETERS: dict[str, str] = {
    "FunctionCodeKey": "chat_usage",
    "AgentDirectoryFunctionCodeKey": "agent_directory",
}
#: The templates declare ``Architectures: [arm64]`` for the runtime functions.
FUNCTION_ARCH = "arm64"
PREFIX = "gapfill/functions"


@dataclass(frozen=True)
class FunctionPlan:
    """What the deployment does about function code."""

    #: The bucket to fill in, or None when the template has no such parameter or the user set it.
    bucket: str | None = None
    #: Key parameter -> function name, for the zips to build, upload and fill in.
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def function_names(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.keys.values())))


def plan(template: Mapping[str, Any], given: Mapping[str, str], bucket: str) -> FunctionPlan:
    """Decide from the template's parameters and the user's values (see the module docstring)."""
    declared = template.get("Parameters") or {}
    if BUCKET_PARAMETER not in declared or BUCKET_PARAMETER in given:
        return FunctionPlan()
    keys = {p: name for p, name in KEY_PARAMETERS.items() if p in declared and p not in given}
    return FunctionPlan(bucket=bucket, keys=keys)


def fill(function_plan: FunctionPlan, packager: Packager, zips: Mapping[str, Path]) -> dict[str, str]:
    """Add each planned zip to ``packager`` (content-addressed); returns the parameter values."""
    if function_plan.bucket is None:
        return {}
    if function_plan.bucket != packager.bucket:
        raise ValueError("the function zips must go to the bucket the plan names")
    values = {BUCKET_PARAMETER: function_plan.bucket}
    for parameter, name in sorted(function_plan.keys.items()):
        values[parameter] = packager.add_file(zips[name])
    return values
