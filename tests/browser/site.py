"""A loopback web server for the browser tests: generated pages, the streams build, stand-in
CCPs and an events sink, each page with the response headers the test gives it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STREAMS = ROOT / "node_modules" / "amazon-connect-streams" / "release" / "connect-streams-min.js"

STAND_IN_CCP = """<!doctype html>
<html><body style="margin:0;background:#dde6f0;font:20px sans-serif">
<p id="stand-in" style="padding:24px">Stand-in CCP ({mode})</p>
<script>
  // What the real CCP posts to the page that embeds it (streams' IFrameConduit format).
  if ("{mode}" === "auth-fail") {{
    window.parent.postMessage({{ event: "auth_fail", data: {{}} }}, "*");
  }}
</script>
</body></html>
"""


def streams_script() -> bytes:
    if not STREAMS.is_file():
        pytest.fail(f"{STREAMS.relative_to(ROOT)} is missing: run `npm ci` (scripts/setup.sh does)")
    return STREAMS.read_bytes()


class Site:
    """Loopback server: generated pages, the streams build, stand-in CCPs, an events sink."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.events: list[dict[str, Any]] = []
        self.streams = streams_script()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/streams/connect-streams-min.js":
                    self._reply(200, "application/javascript", site.streams)
                elif path in ("/ccp-ok/", "/ccp-auth-fail/"):
                    mode = path.strip("/").removeprefix("ccp-")
                    self._reply(200, "text/html; charset=utf-8", STAND_IN_CCP.format(mode=mode).encode())
                elif path in site.pages:
                    self._reply(200, "text/html; charset=utf-8", site.pages[path], site.headers.get(path))
                else:
                    self._reply(404, "text/plain", b"not found")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path.startswith("/events"):
                    site.events.append({"path": self.path, "record": json.loads(body)})
                    self._reply(200, "application/json", b"{}")
                else:
                    self._reply(404, "text/plain", b"not found")

            def _reply(
                self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
