"""Headless Chromium driven over the DevTools protocol, standard library only.

Chromium's ``--remote-debugging-pipe`` speaks the DevTools protocol over file descriptors 3
(commands in) and 4 (replies and events out), one JSON message per NUL-terminated frame, so
no websocket client is needed. Also: a tiny PNG decoder (zlib + the five PNG row filters)
to check that a screenshot is not blank.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
    "--mute-audio",
    "--window-size=1024,768",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    explicit = os.environ.get("GAPFILL_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One Chromium process with a fresh profile; ``page()`` opens a tab to drive."""

    def __init__(self, executable: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="gapfill-chromium-")
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def child_fds() -> None:  # runs in the child between fork and exec
            # Copy first: either pipe end may itself be fd 3 or 4 and must not be clobbered.
            commands, replies = os.dup(commands_read), os.dup(replies_write)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=child_fds,  # noqa: PLW1509 - only dup2, no locks taken
            pass_fds=(3, 4),  # closing the other fds happens after preexec_fn
        )
        os.close(commands_read)
        os.close(replies_write)
        self._ids = itertools.count(1)
        self._waiting: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._replies, "rb", buffering=0) as stream:
            while True:
                chunk = stream.read(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"\0" in buffer:
                    frame, buffer = buffer.split(b"\0", 1)
                    message = json.loads(frame)
                    if "id" in message:
                        with self._lock:
                            box = self._waiting.pop(message["id"], None)
                        if box is not None:
                            box.put(message)
                    else:
                        with self._lock:
                            self.events.append(message)
                            listeners = list(self._listeners)
                        for listener in listeners:
                            listener(message)

    def on_event(self, listener: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 90.0,
    ) -> dict[str, Any]:
        message_id = next(self._ids)
        box: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1)
        with self._lock:
            self._waiting[message_id] = box
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        try:
            reply = box.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no DevTools reply to {method} within {timeout}s") from None
        if "error" in reply:
            raise RuntimeError(f"DevTools {method} failed: {reply['error']}")
        return dict(reply.get("result", {}))

    def page(self) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, session)

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._commands)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self._profile.cleanup()


class Page:
    """One tab: navigate, evaluate, wait for a condition, take a screenshot."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self.dialogs: list[str] = []
        #: Calls of the functions exposed with :meth:`bind`, and CSP violations reported by
        #: the console (``Log`` entries), as the test reads them.
        self.binding_calls: list[tuple[str, str]] = []
        self.log_entries: list[dict[str, Any]] = []
        browser.on_event(self._on_event)
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.send(domain)
        # A fixed viewport: the window size minus browser UI differs between Chromium builds.
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1024, "height": 768, "deviceScaleFactor": 1, "mobile": False},
        )

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("sessionId") != self.session:
            return
        if event.get("method") == "Runtime.bindingCalled":
            self.binding_calls.append((str(event["params"]["name"]), str(event["params"].get("payload", ""))))
        elif event.get("method") == "Log.entryAdded":
            self.log_entries.append(dict(event["params"].get("entry", {})))
        elif event.get("method") == "Page.javascriptDialogOpening":
            self.dialogs.append(str(event["params"].get("message", "")))
            # Dismiss from another thread: the reader thread must stay free to read the reply.
            threading.Thread(
                target=self.send, args=("Page.handleJavaScriptDialog", {"accept": False}), daemon=True
            ).start()

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def navigate(self, url: str) -> None:
        reply = self.send("Page.navigate", {"url": url})
        if reply.get("errorText"):
            raise RuntimeError(f"navigation to {url} failed: {reply['errorText']}")

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise RuntimeError(f"page script failed: {reply['exceptionDetails'].get('text')}: {expression}")
        return reply.get("result", {}).get("value")

    def evaluate_async(self, expression: str) -> Any:
        """Evaluate an expression whose value is a promise, and return what it resolves to."""
        reply = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"page script failed: {reply['exceptionDetails'].get('text')}: {expression}")
        return reply.get("result", {}).get("value")

    def bind(self, name: str) -> None:
        """Expose ``window.<name>(text)`` in every frame of the tab; each call is recorded.

        A payload that calls it proves script ran, wherever it ran (page, iframe, handler)."""
        self.send("Runtime.addBinding", {"name": name})

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Poll until ``expression`` is truthy; return its value."""
        end = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for: {expression}")
            time.sleep(0.05)

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])


# -- PNG --------------------------------------------------------------------------------------------
def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    if depth != 8 or colour not in (2, 6):
        raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {colour})")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = previous[x]
            corner = previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                best = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + best) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3))
        previous = line
    return width, height, rows


def distinct_colours(rows: list[bytes], limit: int = 1000) -> set[bytes]:
    colours: set[bytes] = set()
    for row in rows:
        for x in range(0, len(row), 3):
            colours.add(row[x : x + 3])
            if len(colours) >= limit:
                return colours
    return colours
