"""A notification provider in its own OS process, for the concurrent-writers test: each
worker waits at a barrier with the others, then runs one Create (or Delete) of
``Custom::S3BucketNotification`` through the real handler against the shared emulator, the
way CloudFormation runs independent resources of one template in parallel Lambdas."""

from __future__ import annotations

import os
from multiprocessing.synchronize import Barrier
from typing import Any

TYPE = "Custom::S3BucketNotification"


def props(bucket: str, queue: str, writer: int) -> dict[str, Any]:
    """Writer ``writer``'s notification: its own queue, under its own prefix (no overlap)."""
    rules = {"S3Key": {"Rules": [{"Name": "prefix", "Value": f"writer{writer}/"}]}}
    return {
        "BucketName": bucket,
        "NotificationConfiguration": {
            "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": queue, "Filter": rules}]
        },
    }


def serve(env: dict[str, str], writer: int, barrier: Barrier, jobs: Any, results: Any) -> None:
    """Run jobs ``(trial, operation, bucket, queue, physical id)`` until ``None``; report
    ``(trial, writer, status, physical id, configuration ids, reason)`` for each."""
    os.environ.update(env)
    from gapfill.local.protocol import LocalCloudFormation

    with LocalCloudFormation(stack_name="concurrent-writers") as cfn:
        while (job := jobs.get()) is not None:
            trial, operation, bucket, queue, physical_id = job
            wanted = props(bucket, queue, writer)
            logical = f"Writer{writer}"
            barrier.wait()
            if operation == "Create":
                answer = cfn.create(TYPE, wanted, logical_id=logical)
            else:
                answer = cfn.delete(TYPE, physical_id, wanted, logical_id=logical)
            ids = answer.data.get("ConfigurationIds", "") if answer.puts else ""
            results.put((trial, writer, answer.status, answer.physical_id, ids, answer.reason))
