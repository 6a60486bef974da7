"""``gapfill emulator``: run the embedded AWS emulator in the foreground."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "emulator",
        help="run moto server with gapfill's Connect extension on 127.0.0.1",
        description=(
            "Runs the embedded AWS emulator (moto server plus the Amazon Connect operations gapfill adds) in "
            "the foreground and prints its endpoint. Point any tool at it with AWS_ENDPOINT_URL."
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gapfill.emulator import start_emulator
    from gapfill.local.serve import wait_until_interrupted

    emulator = start_emulator(args.port)
    print(f"gapfill emulator listening on {emulator.endpoint}", flush=True)
    print("use it with:", flush=True)
    for key, value in emulator.env().items():
        print(f"  export {key}={value}", flush=True)
    print(
        "knobs and Connect call counts: GET/POST " + emulator.endpoint + "/moto-api/gapfill/connect",
        flush=True,
    )
    print("press Ctrl-C to stop", flush=True)
    try:
        wait_until_interrupted()
    finally:
        emulator.stop()
    return 0
