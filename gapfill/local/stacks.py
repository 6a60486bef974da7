"""Stack records in the emulator, kept by the local runner as CloudFormation keeps them.

Providers may ask CloudFormation about their own stack (``DescribeStacks`` with the event's
StackId): ``Custom::S3BucketEmptier`` empties a bucket only while the stack is being
deleted. The local runner plays CloudFormation, so it records each stack it plays in moto's
CloudFormation backend (moto serves ``DescribeStacks`` from it) and moves its status as a
real stack's would: ``CREATE_IN_PROGRESS`` ... ``DELETE_IN_PROGRESS``.
"""

from __future__ import annotations

from gapfill.emulator.server import EMULATOR_ACCOUNT_ID

REGION = "us-east-1"


def record(stack_id: str, status: str, region: str = REGION) -> None:
    """Create or move the record of ``stack_id`` (an ARN ``...:stack/<name>/<uuid>``)."""
    from moto.cloudformation.models import Stack, cloudformation_backends

    backend = cloudformation_backends[EMULATOR_ACCOUNT_ID][region]
    stack = backend.stacks.get(stack_id)
    if stack is None:
        name = stack_id.split(":stack/", 1)[-1].split("/", 1)[0]
        stack = Stack(  # type: ignore[abstract]  # moto's own class, as its backend makes them
            stack_id, name, {}, {}, account_id=EMULATOR_ACCOUNT_ID, region_name=region
        )
        backend.stacks[stack_id] = stack
    stack.status = status


def forget(stack_id: str, region: str = REGION) -> None:
    from moto.cloudformation.models import cloudformation_backends

    cloudformation_backends[EMULATOR_ACCOUNT_ID][region].stacks.pop(stack_id, None)


def tag_bucket(bucket: str, stack_id: str, logical_id: str) -> None:
    """Tag a bucket as CloudFormation tags the buckets a stack creates.

    ``aws:`` tags are reserved for AWS: PutBucketTagging refuses them (moto too), so the
    runner, playing CloudFormation, writes them into moto's tagger directly.
    """
    from moto.s3.models import s3_backends

    backend = s3_backends[EMULATOR_ACCOUNT_ID]["aws"]
    arn = backend.get_bucket(bucket).arn
    name = stack_id.split(":stack/", 1)[-1].split("/", 1)[0]
    tags = {
        "aws:cloudformation:stack-id": stack_id,
        "aws:cloudformation:stack-name": name,
        "aws:cloudformation:logical-id": logical_id,
    }
    backend.tagger.tag_resource(arn, [{"Key": k, "Value": v} for k, v in tags.items()])
