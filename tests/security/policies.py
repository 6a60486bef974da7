"""The providers' IAM role policies from packaging/template.yaml, as concrete JSON documents.

``Fn::Sub`` placeholders become a fixed partition, region, placeholder account and stack
name; ``Fn::GetAtt <LogGroup>.Arn`` becomes the ``...:log-group:<name>:*`` form that
CloudFormation really returns for a log group. Policy auditors then see what IAM would see.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "packaging" / "template.yaml"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "gapfill-providers",
    "AWS::URLSuffix": "amazonaws.com",
}


def _resolve(value: Any, resources: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO.get(m.group(1), m.group(1)), text)
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            name = target[0] if isinstance(target, list) else str(target).split(".")[0]
            kind = resources.get(name, {}).get("Type", "")
            group = _resolve(
                resources.get(name, {}).get("Properties", {}).get("LogGroupName", name), resources
            )
            if kind == "AWS::Logs::LogGroup":
                return f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"
            return f"arn:aws:cloudformation:us-east-1:123456789012:{name}"
        return {k: _resolve(v, resources) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, resources) for v in value]
    return value


def role_policies() -> dict[str, dict[str, Any]]:
    """Role logical id -> its (single, inline) policy document, resolved."""
    from cfnlint.decode import decode

    template, problems = decode(str(TEMPLATE))
    assert not problems, problems
    assert template is not None
    resources = dict(template["Resources"])
    out = {}
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        for policy in resource.get("Properties", {}).get("Policies", []):
            out[name] = _resolve(policy["PolicyDocument"], resources)
    return out
