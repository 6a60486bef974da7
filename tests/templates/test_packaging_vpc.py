"""Custom::PostgresSql's function, alone among the providers, can run inside a VPC: optional subnet
and security group parameters, a condition, and the network-interface permissions Lambda needs
for it (the EC2 actions of the AWS managed policy AWSLambdaVPCAccessExecutionRole, no more)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.templates.test_packaging import load, translate

#: AWSLambdaVPCAccessExecutionRole's EC2 actions (AWS managed policy reference).
MANAGED_EC2_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_only_the_postgres_function_has_a_vpc_config_under_a_condition() -> None:
    resources = load()["Resources"]
    with_vpc = [k for k, v in resources.items() if "VpcConfig" in v.get("Properties", {})]
    assert with_vpc == ["PostgresSqlFunction"]
    config = resources["PostgresSqlFunction"]["Properties"]["VpcConfig"]["Fn::If"]
    assert config[0] == "PostgresSqlInVpc"
    assert config[1] == {
        "SubnetIds": {"Ref": "PostgresSqlSubnetIds"},
        "SecurityGroupIds": {"Ref": "PostgresSqlSecurityGroupIds"},
    }
    assert config[2] == {"Ref": "AWS::NoValue"}


def test_parameters_default_to_no_vpc_and_a_rule_wants_groups_with_subnets() -> None:
    template = load()
    for name in ("PostgresSqlSubnetIds", "PostgresSqlSecurityGroupIds"):
        assert template["Parameters"][name]["Type"] == "CommaDelimitedList"
        assert template["Parameters"][name]["Default"] == ""
    rule = template["Rules"]["PostgresSqlVpcComplete"]
    assert "PostgresSqlSecurityGroupIds" in str(rule["Assertions"])


def test_eni_permissions_are_the_managed_policys_ec2_actions_for_this_role_only() -> None:
    resources = load()["Resources"]
    policies = {k: v for k, v in resources.items() if v["Type"] == "AWS::IAM::Policy"}
    assert list(policies) == ["PostgresSqlVpcAccessPolicy"]
    policy = policies["PostgresSqlVpcAccessPolicy"]
    assert policy["Condition"] == "PostgresSqlInVpc"
    assert policy["Properties"]["Roles"] == [{"Ref": "PostgresSqlRole"}]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    granted = set().union(*(_actions(s) for s in statements))
    assert granted == MANAGED_EC2_ACTIONS
    for statement in statements:
        if statement["Resource"] == "*":
            assert _actions(statement) <= {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
    for key, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            assert "ec2:" not in str(resource["Properties"]["Policies"]), key


def test_sam_translates_the_conditional_vpc_config(monkeypatch: pytest.MonkeyPatch) -> None:
    translated = translate(load(), monkeypatch)
    function = translated["Resources"]["PostgresSqlFunction"]
    assert function["Type"] == "AWS::Lambda::Function"
    assert function["Properties"]["VpcConfig"]["Fn::If"][0] == "PostgresSqlInVpc"
    assert translated["Resources"]["PostgresSqlVpcAccessPolicy"]["Condition"] == "PostgresSqlInVpc"


def test_the_role_gets_the_eni_policy_only_when_subnets_are_given() -> None:
    from gapfill.emulator.iam.roles import PROVIDERS_STACK, PROVIDERS_TEMPLATE, load_role

    def documents(parameters: dict[str, Any]) -> int:
        role = load_role(
            PROVIDERS_TEMPLATE, "PostgresSqlRole", stack_name=PROVIDERS_STACK, parameters=parameters
        )
        return len(role.policies)

    assert documents({}) == 1
    assert documents({"PostgresSqlSubnetIds": ["subnet-0a"], "PostgresSqlSecurityGroupIds": ["sg-0a"]}) == 2
