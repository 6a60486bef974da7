"""Keep the emulator serving until Ctrl-C or SIGTERM, then return so cleanup runs."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any


def wait_until_interrupted() -> None:
    """Block until SIGINT or SIGTERM.

    SIGINT is reset to Python's default handler because a process started in the background
    of a non-interactive shell inherits it ignored; SIGTERM (``kill``, CI runners) ends the
    wait the same way instead of killing the process before the emulator shuts down.
    """
    stop = threading.Event()

    def handler(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(0.5):
                pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
