"""``gapfill drift --stack``: a deployed stack tree rebuilt from CloudFormation's own record.

The emulator cannot hold a deployed stack of custom resources (moto's CloudFormation invokes
each ServiceToken Lambda, which needs a container runtime), so CloudFormation's three answers
(DescribeStacks, GetTemplate, DescribeStackResources) are given with botocore's Stubber, as
CloudFormation documents them; the resource itself is real, in the emulator, and read there."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.stub import Stubber

from gapfill.drift.check import check_all
from gapfill.drift.compare import IN_SYNC, MODIFIED
from gapfill.drift.stack import StackWalk

ROOT_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/11111111-2222-3333-4444-555555555555"


def _stack(
    stub: Stubber,
    stack_id: str,
    name: str,
    template: dict[str, Any],
    params: dict[str, str],
    resources: list[tuple[str, str, str]],
) -> None:
    stub.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackId": stack_id,
                    "StackName": name,
                    "CreationTime": "2026-01-01T00:00:00Z",
                    "StackStatus": "UPDATE_COMPLETE",
                    "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
                }
            ]
        },
    )
    stub.add_response(
        "get_template",
        {"TemplateBody": json.dumps(template)},
        {"StackName": stack_id, "TemplateStage": "Processed"},
    )
    stub.add_response(
        "describe_stack_resources",
        {
            "StackResources": [
                {
                    "StackName": name,
                    "StackId": stack_id,
                    "LogicalResourceId": logical,
                    "PhysicalResourceId": physical,
                    "ResourceType": kind,
                    "Timestamp": "2026-01-01T00:00:00Z",
                    "ResourceStatus": "UPDATE_COMPLETE",
                }
                for logical, kind, physical in resources
            ]
        },
        {"StackName": stack_id},
    )


def test_nested_stacks_are_followed_and_properties_resolved_from_the_record(
    cfn: Any, aws: Any, unique: Any
) -> None:
    bucket = unique("drift-stack")
    aws("s3").create_bucket(Bucket=bucket)
    objects = [{"Key": "index.html", "Content": "<p>hi</p>"}]
    created = cfn.create(
        "Custom::S3Objects", {"Bucket": bucket, "Prefix": "dev/", "Objects": objects}, logical_id="Files"
    )
    assert created.ok, created.reason
    child_id = cfn.stack_id
    root = {
        "Resources": {
            "Site": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "site.yaml"}}
        }
    }
    child = {
        "Parameters": {"SiteBucket": {"Type": "String"}, "Env": {"Type": "String"}},
        "Resources": {
            "Files": {
                "Type": "Custom::S3Objects",
                "Properties": {
                    "ServiceToken": {"Fn::ImportValue": "gapfill-providers-S3Objects-ServiceToken"},
                    "Bucket": {"Ref": "SiteBucket"},
                    "Prefix": {"Fn::Sub": "${Env}/"},
                    "Objects": objects,
                    "CacheControl": {"Fn::GetAtt": ["Policy", "Value"]},
                },
            },
            "Policy": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "no-cache"}},
        },
    }
    client = boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stub:
        for _ in range(2):  # drift before and after the change by hand
            _stack(stub, ROOT_ID, "app", root, {}, [("Site", "AWS::CloudFormation::Stack", child_id)])
            _stack(
                stub,
                child_id,
                "app-Site",
                child,
                {"SiteBucket": bucket, "Env": "dev"},
                [("Files", "Custom::S3Objects", created.physical_id), ("Policy", "AWS::SSM::Parameter", "p")],
            )
        walk = StackWalk(client, lambda _t: {})
        walk.walk("app")
        assert [
            (t.stack, t.logical_id, t.properties["Bucket"], t.properties["Prefix"]) for t in walk.targets
        ] == [("app-Site", "Files", bucket, "dev/")]
        assert walk.notes == ["app-Site/Files: not compared: CacheControl (Fn::GetAtt Policy.Value)"]
        assert [r.status for r in check_all(walk.targets, "us-east-1")] == [IN_SYNC]

        aws("s3").put_object(
            Bucket=bucket,
            Key="dev/index.html",
            Body=b"<p>edited</p>",
            Metadata=aws("s3").head_object(Bucket=bucket, Key="dev/index.html")["Metadata"],
        )
        again = StackWalk(client, lambda _t: {})
        again.walk("app")
        rows = list(check_all(again.targets, "us-east-1"))
        assert ("Files[dev/index.html].ETag", MODIFIED) in [(r.path, r.status) for r in rows]
        assert {r.status for r in rows} == {MODIFIED}
        stub.assert_no_pending_responses()
