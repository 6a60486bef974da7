"""Nothing lost under concurrency (issue 11 item 2): several notification resources on one
bucket, each served in its own OS process, created (then deleted) at the same instant against
one emulator. CloudFormation does exactly this for independent resources of a template.

Every trial: a fresh bucket with someone else's notifications, WRITERS providers released
together by a barrier. After the Creates, every writer that answered SUCCESS must find its
notification in the bucket, and the other party's must all be there; after the Deletes, none
of ours may be left and theirs must all be there. ``GAPFILL_CONCURRENT_TRIALS`` sets the number
of trials (default 20).
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from providers.s3_bucket_notification import config
from tests.integration import s3_destinations as dest
from tests.nothing_lost import s3_writers

WRITERS = 3
TRIALS = int(os.environ.get("GAPFILL_CONCURRENT_TRIALS", "20"))


@pytest.fixture(scope="module")
def workers(emulator: Any) -> Iterator[tuple[list[Any], Any]]:
    """WRITERS long-lived provider processes (spawned: nothing shared with this one)."""
    from gapfill.emulator import s3_notifications

    s3_notifications.install()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WRITERS)
    results = context.Queue()
    env = {**emulator.env(), "GAPFILL_ALLOW_LOCAL_RESPONSE_URL": "1"}
    jobs = [context.Queue() for _ in range(WRITERS)]
    procs = [
        context.Process(target=s3_writers.serve, args=(env, i, barrier, jobs[i], results), daemon=True)
        for i in range(WRITERS)
    ]
    for proc in procs:
        proc.start()
    yield jobs, results
    for queue in jobs:
        queue.put(None)
    for proc in procs:
        proc.join(timeout=30)


def _entries(s3: Any, bucket: str) -> dict[str, str]:
    document = config.normalise_document(s3.get_bucket_notification_configuration(Bucket=bucket))
    return {e.id: config.content_key(e.kind, e.body) for e in config.entries_of(document)}


def _round(jobs: list[Any], results: Any, trial: int, work: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    for queue, job in zip(jobs, work, strict=True):
        queue.put((trial, *job))
    answers = [results.get(timeout=300) for _ in jobs]
    return sorted(answers, key=lambda a: a[1])


def test_concurrent_creates_and_deletes_on_one_bucket_lose_nothing(
    workers: tuple[list[Any], Any], emulator: Any
) -> None:
    jobs, results = workers

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=emulator.endpoint)

    s3 = client("s3")
    lost: list[str] = []
    for trial in range(TRIALS):
        tag = uuid.uuid4().hex[:8]
        bucket = dest.bucket(client, f"race-{tag}")
        others = dest.others_configuration(client, lambda name, tag=tag: f"{name}-{tag}")
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=others)
        theirs = _entries(s3, bucket)
        queues = [dest.queue(client, f"race-{tag}-w{i}") for i in range(WRITERS)]

        created = _round(jobs, results, trial, [("Create", bucket, q, "") for q in queues])
        present = _entries(s3, bucket)
        for _, writer, status, _, ids, reason in created:
            assert status == "SUCCESS", f"trial {trial} writer {writer}: {reason}"
            if ids not in present:
                lost.append(f"trial {trial}: writer {writer}'s notification lost after Create")
        lost += [f"trial {trial}: their {i} lost after Create" for i in theirs if i not in present]

        deleted = _round(jobs, results, trial, [("Delete", bucket, q, c[3]) for q, c in zip(queues, created)])
        present = _entries(s3, bucket)
        for _, writer, status, _, _, reason in deleted:
            assert status == "SUCCESS", f"trial {trial} writer {writer}: {reason}"
        lost += [
            f"trial {trial}: writer {c[1]}'s notification left after Delete"
            for c in created
            if c[4] in present
        ]
        lost += [f"trial {trial}: their {i} lost after Delete" for i in theirs if i not in present]
    print(f"\nconcurrent writers: {TRIALS} trials x {WRITERS} writers, {len(lost)} lost")
    assert not lost, f"{len(lost)} lost in {TRIALS} trials x {WRITERS} writers:\n" + "\n".join(lost)
