"""gapfill benchmarks: one run, one machine, one table, every number against a baseline
measured (or, where said, computed) in the same run. Never asserted by tests.

    .venv/bin/python benchmarks/run.py           # full
    .venv/bin/python benchmarks/run.py --quick   # CI smoke mode, well under a minute
    .venv/bin/python benchmarks/run.py --only "bulk users"   # one row

Rows:
  import        import of providers.handler vs `import boto3` (fresh processes, median)
  cold start    fresh process: import + first S3BucketNotification event against the emulator,
                vs the same job with the naive crhelper baseline (tests/baseline); alternating
                runs, medians; settle window off, bytecode and production logging on both sides
  zip size      the providers' Lambda zip (`gapfill package`) vs Lambda's 50 MB upload limit
  overhead      Connect instance creation with the emulator's delay knob: time from the
                instance becoming ACTIVE to the response PUT; the baseline's wait is COMPUTED
                from crhelper's documented polling rule (a CloudWatch Events schedule, at
                least one minute): an operation done after X s is seen after ceil(X/60)*60 s
  bulk users    user directory sync against the emulator throttled as Connect documents (token
                bucket per API: 2 requests/s, burst 5): the busiest API's pace, from its first to
                its last call, as a fraction of the best the documented bucket allows for that
                many calls ((calls - burst) / rate seconds); throttled calls (should be 0); and
                Connect calls per unchanged row
  directory N   Custom::ConnectUserDirectory Create of N new agents (1,000, 5,000, 10,000; quick: 30)
                against the emulator throttled at 50x the documented rate (token bucket per API),
                RequestsPerSecond at the scaled quota, a 90 s function timeout (hand-overs): the busiest API's pace against the scaled limit, throttled calls,
                re-invocations; projected to the documented rate (2/s per API: every Connect call
                waits for its API's bucket, or the measured pace if slower): minutes,
                re-invocations of the 900 s function, the largest new directory one stack
                operation creates in the provider's 3,300 s; peak memory of the sync's data
  lint          `gapfill lint` (cfn-lint + gapfill's schema rules) vs plain cfn-lint, all templates
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PYTHON = sys.executable
ROWS = ("import", "cold start", "zip size", "overhead", "bulk users", "directory", "lint")
#: Agents per directory row (quick: one small row, so that CI runs it in seconds).
DIRECTORY_SIZES = (1000, 5000, 10000)
QUICK_DIRECTORY_SIZES = (30,)


@dataclass
class Row:
    name: str
    measured: str
    baseline: str
    ratio: str
    note: str


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _median_subprocess(code: str, runs: int, env: dict[str, str] | None = None) -> float:
    """Median seconds printed by ``code`` (it prints its own elapsed time) in fresh processes."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [PYTHON, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, check=True, timeout=120
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def bench_import(runs: int) -> Row:
    timer = "import time; t=time.perf_counter(); import {m}; print(time.perf_counter()-t)"
    ours = _median_subprocess(timer.format(m="providers.handler"), runs)
    boto = _median_subprocess(timer.format(m="boto3"), runs)
    return Row(
        "import", _fmt_s(ours), _fmt_s(boto) + " (import boto3)", f"{ours / boto:.2f}x", f"median of {runs}"
    )


_COLD = """
import time, sys
t, c = time.perf_counter(), time.process_time()
{imports}
event = {{"RequestType": "Create", "ResponseURL": sys.argv[1], "StackId": "{stack}", "RequestId": "{rid}",
         "LogicalResourceId": "Notifications", "ResourceType": "Custom::S3BucketNotification",
         "ResourceProperties": {{"ServiceToken": "x", "BucketName": sys.argv[2], "NotificationConfiguration":
             {{"QueueConfigurations": [{{"Event": "s3:ObjectCreated:*", "Queue": sys.argv[3]}}]}}}}}}
class Ctx:
    aws_request_id = "cold"; function_name = "cold"; invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cold"
    def get_remaining_time_in_millis(self): return 60000
{call}
print(time.perf_counter() - t, time.process_time() - c)
"""


def bench_cold_start(runs: int, endpoint_env: dict[str, str], aws: Callable[[str], Any]) -> Row:
    """Alternating fresh processes (gapfill, crhelper, gapfill, ...), each against its own new
    bucket and queue, so that machine noise falls on both alike; the median of each side.

    Like for like: the S3 notification provider's settle window (re-reads for 3 s after its
    write, against concurrent writers; docs/guarantees.md) is work crhelper does not do at all,
    so the row runs with ``GAPFILL_S3_SETTLE_SECONDS=0``: both sides then write the document
    once and answer; gapfill still reads it first, validates, logs in JSON and checks the URL.
    Both log as in production (gapfill at INFO, the baseline at the DEBUG it is written with),
    and both load bytecode: a warm-up run of each compiles every module into a private pycache
    (an installed crhelper comes with pip's bytecode; a source checkout run with
    PYTHONDONTWRITEBYTECODE would otherwise compile gapfill on every run and only gapfill).
    """
    from gapfill.local.protocol import ResponseServer

    server = ResponseServer()
    pycache = tempfile.TemporaryDirectory(prefix="gapfill-bench-pyc-")
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        **endpoint_env,
        "GAPFILL_ALLOW_LOCAL_RESPONSE_URL": "1",
        "PYTHONPATH": str(REPO),
        "PYTHONPYCACHEPREFIX": pycache.name,
        "GAPFILL_S3_SETTLE_SECONDS": "0",
        "GAPFILL_LOG_LEVEL": "INFO",
    }
    variants = {
        "gapfill": ("from providers.handler import lambda_handler", "lambda_handler(event, Ctx())"),
        "crhelper": (
            "from tests.baseline import crhelper_s3_notification as naive",
            "with naive.loopback_transport([]):\n    naive.handler(event, Ctx())",
        ),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    try:
        for imports, call in variants.values():  # bytecode and disk cache, not counted
            _cold_run(server, env, aws, imports, call)
        for _ in range(runs):
            for name, (imports, call) in variants.items():
                times[name].append(_cold_run(server, env, aws, imports, call, name))
    finally:
        server.close()
        pycache.cleanup()
    ours, theirs = (statistics.median(wall for wall, _ in times[side]) for side in ("gapfill", "crhelper"))
    cpu = statistics.median(c for _, c in times["gapfill"]) / statistics.median(
        c for _, c in times["crhelper"]
    )
    return Row(
        "cold start",
        _fmt_s(ours),
        _fmt_s(theirs) + " (crhelper)",
        f"{ours / theirs:.2f}x",
        f"import + first S3BucketNotification event (CPU time {cpu:.2f}x); median of {runs} "
        "alternating pairs; settle window off, bytecode and logs on both sides",
    )


def _cold_run(
    server: Any,
    env: dict[str, str],
    aws: Callable[[str], Any],
    imports: str,
    call: str,
    name: str = "warm-up",
) -> tuple[float, float]:
    """One fresh process serving one Create on a new bucket: the wall and CPU seconds it printed."""
    from tests.integration.s3_destinations import s3_may

    bucket = f"bench-cold-{uuid.uuid4().hex[:10]}"
    aws("s3").create_bucket(Bucket=bucket)
    queue_url = aws("sqs").create_queue(QueueName=bucket)["QueueUrl"]
    queue = aws("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    arn = queue["Attributes"]["QueueArn"]  # S3 validates it: the policy comes first
    aws("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": s3_may("sqs:SendMessage", arn)})
    token = uuid.uuid4().hex
    stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/bench/1"
    code = _COLD.format(imports=imports, call=call, stack=stack, rid=token)
    done = subprocess.run(
        [PYTHON, "-c", code, server.url_for(token), bucket, arn],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=True,
    )
    puts = server.puts_for(token)
    if len(puts) != 1 or puts[0].body.get("Status") != "SUCCESS":
        raise RuntimeError(f"{name} cold start did not answer SUCCESS once: {done.stderr[-500:]}")
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def bench_zip(quick: bool) -> Row:
    limit = 50 * 1024 * 1024
    from gapfill.bundling import zipbuild

    try:
        with tempfile.TemporaryDirectory() as out:
            result = zipbuild.build(output_dir=Path(out))
            size, how = result.zipped_bytes, "built now"
    except Exception as exc:  # no wheel cache and no index: fall back to the last build
        existing = zipbuild.DEFAULT_OUTPUT / zipbuild.ZIP_NAME
        if not existing.exists():
            return Row("zip size", "n/a", "50 MB limit", "n/a", f"gapfill package failed: {exc}"[:80])
        size, how = existing.stat().st_size, "last `gapfill package` output"
    return Row(
        "zip size",
        f"{size / 1024 / 1024:.2f} MB",
        "50 MB (Lambda zip upload limit)",
        f"{size / limit:.3f}",
        how,
    )


def bench_overhead(quick: bool, cfn: Any) -> Row:
    from gapfill.emulator.connect import backend

    delays = [2.0] if quick else [2.0, 5.0, 20.0]
    knobs = backend().knobs
    overheads, ours_total, theirs_total = [], 0.0, 0.0
    try:
        for delay in delays:
            knobs.update({"instance_creation_delay": delay})
            props = {
                "InstanceAlias": f"bench-{uuid.uuid4().hex[:8]}",
                "IdentityManagementType": "CONNECT_MANAGED",
                "Attributes": {"InboundCalls": True, "OutboundCalls": True},
            }
            started = time.time()
            answer = cfn.create("Custom::ConnectInstance", props)
            elapsed = time.time() - started
            if not answer.ok:
                raise RuntimeError(f"ConnectInstance create failed: {answer.reason}")
            overheads.append(elapsed - delay)
            ours_total += elapsed
            theirs_total += math.ceil(delay / 60.0) * 60.0
    finally:
        knobs.update({"instance_creation_delay": 0.0})
    mean_over = statistics.mean(overheads)
    return Row(
        "overhead",
        f"{_fmt_s(mean_over)} after ACTIVE",
        f"{_fmt_s(theirs_total / len(delays))} wait (computed: 1-min polling)",
        f"{theirs_total / ours_total:.1f}x faster",
        f"Connect instance, delay {', '.join(f'{d:g}' for d in delays)} s; "
        f"polling {os.environ.get('GAPFILL_POLL_INITIAL_SECONDS', '0.5')} s first, "
        f"cap {os.environ.get('GAPFILL_POLL_MAX_SECONDS', '10')} s",
    )


def bench_bulk(quick: bool, cfn: Any, aws: Callable[[str], Any]) -> Row:
    from gapfill.emulator.connect import backend
    from gapfill.emulator.connect.knobs import documented_limit

    rows = 8 if quick else 40
    connect = backend()
    instance = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=f"bench-{uuid.uuid4().hex[:8]}",
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    bucket = f"gapfill-bench-dir-{uuid.uuid4().hex[:8]}"  # in the default DirectoryBuckets
    aws("s3").create_bucket(Bucket=bucket)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Username", "FirstName", "LastName", "Email", "RoutingProfile", "SecurityProfiles"])
    prefix = uuid.uuid4().hex[:6]
    for i in range(rows):
        writer.writerow(
            [
                f"b{prefix}{i}",
                "Bench",
                f"User{i}",
                f"b{prefix}{i}@example.com",
                "Basic Routing Profile",
                "Agent",
            ]
        )
    for key in ("a.csv", "b.csv"):  # same content twice: the second sync has only unchanged rows
        aws("s3").put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())
    props = {"InstanceArn": instance["Arn"], "Bucket": bucket, "Key": "a.csv", "RequestsPerSecond": 2}
    connect.knobs.update({"throttle_rate_scale": 1.0, "throttle_burst_scale": 1.0})
    with connect.state_lock:
        connect.throttle_buckets.clear()
    try:
        with connect.state_lock:
            connect.call_counts.clear()
            connect.call_spans.clear()
            connect.throttled_count = 0
        started = time.time()
        created = cfn.create("Custom::ConnectUserDirectory", props)
        elapsed = time.time() - started
        if not created.ok:
            raise RuntimeError(f"directory create failed: {created.reason}")
        with connect.state_lock:
            busiest_api, busiest = connect.call_counts.most_common(1)[0]
            first, last = connect.call_spans[busiest_api]
            throttled = connect.throttled_count
            connect.call_counts.clear()
        updated = cfn.update(
            "Custom::ConnectUserDirectory", created.physical_id, {**props, "Key": "b.csv"}, props
        )
        if not updated.ok:
            raise RuntimeError(f"directory update failed: {updated.reason}")
        with connect.state_lock:
            unchanged_calls = sum(connect.call_counts.values())
    finally:
        connect.knobs.update({"throttle_rate_scale": None})
    rate, burst = documented_limit(busiest_api)
    best = max(busiest - burst, 0.0) / rate  # the documented bucket's shortest first-to-last span
    span = last - first
    return Row(
        "bulk users",
        f"{busiest} {busiest_api} in {span:.1f} s",
        f"{best:.1f} s at {rate:g}/s, burst {burst:g} (documented)",
        f"{best / span:.2f} of documented rate" if span > 0 else "-",
        f"{rows} rows, {throttled} throttled, sync {elapsed:.1f} s; "
        f"{unchanged_calls / rows:.2f} calls/unchanged row",
    )


#: Seconds one stack operation may spend on a directory: the provider's max_wait_seconds, 5 min
#: below CloudFormation's hour for a custom resource.
DIRECTORY_BUDGET_SECONDS = 3300.0
#: The directory provider's Lambda timeout (packaging/template.yaml) and the engine's reserve.
DIRECTORY_FUNCTION_TIMEOUT = 900.0
RESERVE_SECONDS = 8.0
#: The scaled run's function timeout: short enough that large directories hand over to
#: re-invocations within the run, long enough to keep the production margins (reserve 8 s).
SCALED_FUNCTION_TIMEOUT = 90.0


def _directory_csv(rows: int, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Username", "FirstName", "LastName", "Email", "RoutingProfile", "SecurityProfiles"])
    for i in range(rows):
        name = f"d{prefix}{i:05d}"
        writer.writerow([name, "Scale", f"Agent{i}", f"{name}@example.com", "Basic Routing Profile", "Agent"])
    return out.getvalue().encode()


_MEMORY = """
import json, sys, tracemalloc
from providers.connect import directory, sync
rows = int(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
tracemalloc.start()
parsed = directory.parse_csv(text)
desired, errors = directory.resolve_rows(parsed.rows, lambda kind, value: "id-" + kind + "-" + value[:8])
managed = [sync.from_search({"Id": f"u{i}", "Arn": f"arn:aws:connect:us-east-1:123456789012:instance/i/agent/u{i}",
    "Username": d.username, "IdentityInfo": dict(d.identity), "PhoneConfig": dict(d.phone),
    "RoutingProfileId": d.routing_profile_id, "SecurityProfileIds": sorted(d.security_profile_ids),
    "Tags": {"gapfill:owner": "o"}}) for i, d in enumerate(desired)]
changes = directory.diff(desired, managed)
mapping = {c.username: ("id", "arn") for c in changes}
print(json.dumps({"peak": tracemalloc.get_traced_memory()[1], "errors": len(parsed.errors) + len(errors)}))
"""


def _directory_memory(rows: int, body: bytes) -> int:
    """Peak Python heap (tracemalloc, fresh process) of the sync's data for ``rows`` rows: the CSV
    text, its parsed and resolved rows, as many managed users as SearchUsers returns them, the
    diff and the mapping: everything that grows with the directory (clients and code do not)."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(body)
        handle.flush()
        done = subprocess.run(
            [PYTHON, "-c", _MEMORY, str(rows), handle.name],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
            check=True,
        )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    if found["errors"]:
        raise RuntimeError(f"the benchmark's CSV has {found['errors']} problem(s)")
    return int(found["peak"])


def bench_directory(rows: int, scale: float, aws: Callable[[str], Any]) -> Row:
    """One Create of a ``rows``-agent Custom::ConnectUserDirectory against the emulator's Connect
    throttled at ``scale`` times the documented rate, the directory's RequestsPerSecond at the
    scaled quota and a 90 s function timeout (so that large ones hand over within the run);
    then projected to the documented rate and the real 900 s function."""
    from gapfill.emulator.connect import backend
    from gapfill.emulator.connect.knobs import documented_limit
    from gapfill.local.protocol import LocalCloudFormation

    connect = backend()
    instance = aws("connect").create_instance(
        IdentityManagementType="CONNECT_MANAGED",
        InstanceAlias=f"bench-{uuid.uuid4().hex[:8]}",
        InboundCallsEnabled=True,
        OutboundCallsEnabled=True,
    )
    bucket = f"gapfill-bench-dir-{uuid.uuid4().hex[:8]}"  # in the default DirectoryBuckets
    aws("s3").create_bucket(Bucket=bucket)
    body = _directory_csv(rows, uuid.uuid4().hex[:6])
    aws("s3").put_object(Bucket=bucket, Key="agents.csv", Body=body)
    props = {
        "InstanceArn": instance["Arn"],
        "Bucket": bucket,
        "Key": "agents.csv",
        "RequestsPerSecond": 2 * scale,
    }
    connect.knobs.update({"throttle_rate_scale": scale, "throttle_burst_scale": 1.0})
    with connect.state_lock:
        connect.throttle_buckets.clear()
        connect.call_counts.clear()
        connect.call_spans.clear()
        connect.throttled_count = 0
    try:
        with LocalCloudFormation(
            stack_name=f"bench-{uuid.uuid4().hex[:6]}", function_timeout=SCALED_FUNCTION_TIMEOUT
        ) as cfn:
            started = time.time()
            answer = cfn.create("Custom::ConnectUserDirectory", props)
            elapsed = time.time() - started
        if not answer.ok:
            raise RuntimeError(f"directory create failed: {answer.reason}"[:300])
        with connect.state_lock:
            counts = dict(connect.call_counts)
            spans = {api: tuple(span) for api, span in connect.call_spans.items()}
            throttled = connect.throttled_count
    finally:
        connect.knobs.update({"throttle_rate_scale": None})
    busiest = max(counts, key=lambda api: counts[api])
    rate, burst = documented_limit(busiest)
    first, last = spans[busiest]
    achieved = (counts[busiest] - 1) / (last - first) if last > first else 0.0
    # At the documented rate every Connect API waits for its own bucket, one call after another;
    # a sync slower than that (its own and AWS's latency, measured here at the scaled rate) is
    # not sped up by a faster quota, so the slower of the two is the projection.
    throttle_bound = sum(
        max(n - documented_limit(api)[1], 0) / documented_limit(api)[0] for api, n in counts.items()
    )
    projected = max(throttle_bound, elapsed)
    per_row = projected / rows
    largest = int(DIRECTORY_BUDGET_SECONDS / per_row) if per_row > 0 else 0
    window = DIRECTORY_FUNCTION_TIMEOUT - RESERVE_SECONDS - 2.0  # the sync's own margin: 2 s
    memory = _directory_memory(rows, body)
    return Row(
        f"directory {rows}",
        f"{counts[busiest]} {busiest} at {achieved:.1f}/s",
        f"{rate * scale:g}/s ({scale:g}x the documented {rate:g}/s, burst {burst:g})",
        f"{achieved / (rate * scale):.2f} of limit",
        f"throttled {throttled}, re-invocations {answer.invocations - 1} (90 s function), run "
        f"{elapsed:.0f} s; at the "
        f"documented rate: {projected / 60:.0f} min, {max(math.ceil(projected / window) - 1, 0)} "
        f"re-invocations, largest new directory in one stack operation ~{largest:,}"
        + (" (this one is refused before any write at 2/s)" if projected > DIRECTORY_BUDGET_SECONDS else "")
        + f"; peak data {memory / 2**20:.1f} MiB",
    )


def bench_lint(runs: int) -> Row:
    templates = sorted(str(p) for p in (REPO / "templates").glob("*.yaml"))
    gapfill = str(Path(PYTHON).with_name("gapfill"))
    cfn_lint = str(Path(PYTHON).with_name("cfn-lint"))

    def timed(cmd: list[str]) -> float:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(cmd, capture_output=True, cwd=REPO, timeout=300, check=False)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    ours = timed([gapfill, "lint", *templates])
    plain = timed([cfn_lint, *templates])
    return Row(
        "lint",
        _fmt_s(ours),
        _fmt_s(plain) + " (plain cfn-lint)",
        f"{ours / plain:.2f}x",
        f"{len(templates)} templates, median of {runs}",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short CI mode (small N, one delay)")
    parser.add_argument("--only", action="append", metavar="ROW", help="run only this row (repeatable)")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 7
    # Production polling (0.5 s first, x1.6, capped at 10 s) unless the caller chose otherwise;
    # only warnings and errors of the providers' logs, so that the table stands alone.
    os.environ.setdefault("GAPFILL_LOG_LEVEL", "WARNING")

    import boto3

    from gapfill.emulator import start_emulator
    from gapfill.local.protocol import LocalCloudFormation
    from providers.core.aws import reset_clients

    emulator = start_emulator()
    rows: list[Row] = []
    try:
        with emulator.applied(on_switch=reset_clients):

            def aws(service: str) -> Any:
                return boto3.client(service, region_name="us-east-1", endpoint_url=emulator.endpoint)

            with LocalCloudFormation(stack_name=f"bench-{uuid.uuid4().hex[:6]}") as cfn:
                steps: list[tuple[str, Callable[[], Row]]] = [
                    ("import", lambda: bench_import(max(3, runs))),
                    ("cold start", lambda: bench_cold_start(3 if args.quick else 15, emulator.env(), aws)),
                    ("zip size", lambda: bench_zip(args.quick)),
                    ("overhead", lambda: bench_overhead(args.quick, cfn)),
                    ("bulk users", lambda: bench_bulk(args.quick, cfn, aws)),
                    *(
                        ("directory", lambda n=n: bench_directory(n, 50.0, aws))  # type: ignore[misc]
                        for n in (QUICK_DIRECTORY_SIZES if args.quick else DIRECTORY_SIZES)
                    ),
                    ("lint", lambda: bench_lint(runs)),
                ]
                for name, step in steps:
                    if args.only and name not in args.only:
                        continue
                    try:
                        rows.append(step())
                    except Exception as exc:
                        rows.append(Row(name, "error", "-", "-", f"{type(exc).__name__}: {exc}"[:100]))
    finally:
        emulator.stop()
    widths = [
        max(
            len(r[i])
            for r in [("row", "measured", "baseline", "ratio", "note")]
            + [(x.name, x.measured, x.baseline, x.ratio, x.note) for x in rows]
        )
        for i in range(5)
    ]
    header = ("row", "measured", "baseline", "ratio", "note")
    print(
        f"gapfill benchmarks ({'quick' if args.quick else 'full'}, {os.cpu_count()} CPUs, python {sys.version.split()[0]})"
    )
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = (row.name, row.measured, row.baseline, row.ratio, row.note)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    return 1 if any(r.measured == "error" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
