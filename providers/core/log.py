"""Structured JSON logs (protocol rule 10) that never carry secrets (rule 9).

One line per phase with RequestId, StackId, LogicalResourceId, ResourceType and duration.
Every record passes through :class:`Redactor`, which replaces writeOnly property values,
generated passwords and anything that looks like a pre-signed URL (with or without a
scheme) or a signature parameter, in the message, the extra fields, and the traceback: an
exception's message can quote a URL, so the traceback is rendered and scrubbed here and
handed to the formatter as text (``exception`` for powertools' JSON, ``exc_text`` for plain
formatters) instead of the live exception.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import traceback
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger

_SIGNED_QUERY = re.compile(
    r"((?:https?://)?[^\s\"'?]+)\?[^\s\"']*(?:X-Amz-|Signature=|AWSAccessKeyId=)[^\s\"']*", re.IGNORECASE
)
#: A signing parameter anywhere, in case a URL was cut before its query string.
_SIGNING_PARAM = re.compile(
    r"\b(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=[^\s&\"'\\]+",
    re.IGNORECASE,
)


class Redactor(logging.Filter):
    """Masks registered secret strings in every record, whatever formatter follows."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            self._secrets.update(v for v in values if isinstance(v, str) and len(v) >= 4)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()

    def scrub(self, text: str) -> str:
        text = _SIGNED_QUERY.sub(r"\1?[redacted]", text)
        text = _SIGNING_PARAM.sub(r"\1=[redacted]", text)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, "[redacted]")
        return text

    def scrub_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub_value(v) for v in value]
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.scrub(record.msg)
        elif isinstance(record.msg, dict | list):
            record.msg = self.scrub_value(record.msg)
        if record.args:
            record.args = (
                tuple(self.scrub_value(a) for a in record.args)
                if isinstance(record.args, tuple)
                else record.args
            )
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str | dict | list):
                record.__dict__[key] = self.scrub_value(value)
        self._scrub_exception(record)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True

    def _scrub_exception(self, record: logging.LogRecord) -> None:
        info = record.exc_info
        if isinstance(info, tuple) and info[0] is not None:
            text = "".join(traceback.format_exception(info[0], info[1], info[2])).rstrip("\n")
            record.exc_info = None
            record.exc_text = self.scrub(text)
            record.__dict__["exception"] = record.exc_text
            record.__dict__["exception_name"] = info[0].__name__
        elif record.exc_text:
            record.exc_text = self.scrub(record.exc_text)


_STANDARD_ATTRS = set(logging.LogRecord("x", 0, "x", 0, "x", None, None).__dict__) | {"message", "asctime"}

redactor = Redactor()
logger = Logger(
    service="gapfill", level=os.environ.get("GAPFILL_LOG_LEVEL", os.environ.get("LOG_LEVEL", "INFO"))
)
logger.addFilter(redactor)
for _handler in logger.handlers:
    _handler.addFilter(redactor)
# Lambda's runtime puts its own handler on the root logger; propagating would print every
# line twice (and hand records to handlers the redactor does not guard).
logging.getLogger(logger.name).propagate = False
