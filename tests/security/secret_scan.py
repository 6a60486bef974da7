"""A pytest plugin: no secret in any log line or response of the whole test run (rule 9).

Register it once in tests/conftest.py (``pytest_plugins = ["tests.security.secret_scan"]``).
For the whole session it records

* every log record of the process (root logger and gapfill's own logger), formatted with
  its structured extras, tagged with the test that produced it;
* every response body the protocol core PUTs to a ResponseURL;
* every secret the core was told to keep (writeOnly property values, generated passwords),
  before the per-invocation redactor forgets them;

and at the end fails the run if any log line or response holds one of those secrets or a
pre-signed URL signature (``X-Amz-Signature=``). Tests that show someone else's leak on
purpose (the crhelper baseline, the scanner's own self-test) are listed in EXEMPT.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

#: Tests whose leaks are the point (node id prefixes), each with its reason.
EXEMPT: dict[str, str] = {
    "tests/baseline/": "the naive crhelper baseline logs the ResponseURL on purpose, to document it",
    "tests/security/test_secret_scan.py::test_the_scanner_finds_a_planted_leak": "plants a leak",
}
SIGNATURE_MARKERS = ("X-Amz-Signature=", "Signature=", "X-Amz-Credential=")
_STANDARD = set(logging.LogRecord("x", 0, "x", 0, "x", None, None).__dict__) | {"message", "asctime"}


def _render(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
    text = message + " " + json.dumps(extras, default=str, ensure_ascii=False)
    if record.exc_info and record.exc_info[1] is not None:
        text += " " + repr(record.exc_info[1])
    return text


@dataclass
class Leak:
    test: str
    where: str
    what: str


@dataclass
class Scanner:
    """Collects lines, responses and secrets; ``leaks()`` cross-checks them."""

    current: str = "<session>"
    lines: list[tuple[str, str]] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _undo: list[Callable[[], None]] = field(default_factory=list)

    def install(self) -> None:
        # Import the core first: its logger setup adds the redactor to every handler already
        # on the gapfill logger, and a redacting capture handler would hide the very leaks
        # (in records of other libraries, too) that this scanner looks for.
        from providers.core import engine
        from providers.core.log import Redactor

        scanner = self

        class Capture(logging.Handler):
            def filter(self, record: logging.LogRecord) -> bool:
                # Never redacting: a second copy of providers.core.log (the upgrade rehearsal
                # loads 1.1.0 beside 1.0.0) adds its redactor to the handlers it finds, which
                # would hide from this scanner what other handlers print.
                return True

            def emit(self, record: logging.LogRecord) -> None:
                with scanner._lock:
                    scanner.lines.append((scanner.current, _render(record)))

        for name in ("", "gapfill"):
            handler = Capture(level=logging.DEBUG)
            # First in line: a redacting filter on a later handler (pytest's capture handlers can
            # carry one) rewrites the record in place before the handlers after it see it.
            logging.getLogger(name).handlers.insert(0, handler)
            self._undo.append(
                lambda name=name, handler=handler: logging.getLogger(name).removeHandler(handler)
            )

        original_add = Redactor.add

        def add(redactor: Redactor, values: Iterable[str]) -> None:
            values = list(values)
            with scanner._lock:
                scanner.secrets.update(v for v in values if isinstance(v, str) and len(v) >= 4)
            original_add(redactor, values)

        Redactor.add = add  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(Redactor, "add", original_add))

        original_send = engine.send

        def send(url: str, body: bytes, **kwargs: Any) -> Any:
            with scanner._lock:
                scanner.responses.append((scanner.current, body.decode("utf-8", "replace")))
            return original_send(url, body, **kwargs)

        engine.send = send  # type: ignore[assignment]
        self._undo.append(lambda: setattr(engine, "send", original_send))

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def leaks(self) -> list[Leak]:
        with self._lock:
            secrets = sorted(self.secrets, key=len, reverse=True)
            lines, responses = list(self.lines), list(self.responses)
        found: list[Leak] = []
        for where, items in (("log line", lines), ("response", responses)):
            for test, text in items:
                if any(test.startswith(prefix) for prefix in EXEMPT):
                    continue
                marker = next((m for m in SIGNATURE_MARKERS if m in text), None)
                if marker:
                    found.append(Leak(test, where, f"pre-signed URL signature ({marker})"))
                secret = next((s for s in secrets if s in text), None)
                if secret:
                    found.append(Leak(test, where, f"a kept secret ({len(secret)} characters)"))
        return found


_scanner = Scanner()


def pytest_configure(config: pytest.Config) -> None:
    _scanner.install()


def pytest_runtest_setup(item: pytest.Item) -> None:
    _scanner.current = item.nodeid


def pytest_runtest_teardown(item: pytest.Item) -> None:
    _scanner.current = "<session>"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = _scanner.leaks()
    _scanner.uninstall()
    if not leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    report = [f"secret scan: {len(leaks)} leak(s) in logs or responses"]
    report += [f"  {leak.test}: {leak.what} in a {leak.where}" for leak in leaks[:50]]
    if reporter is not None:
        reporter.write_line("\n".join(report), red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
