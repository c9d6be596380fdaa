"""Structured logging (结构化日志) that never prints personal data.

Every record passes through a filter that masks anything shaped like a citizen ID number,
so a careless ``log.info(row)`` cannot leak one."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import TextIO

_ID_PATTERN = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")


def scrub(text: str) -> str:
    """Mask 18-digit ID-shaped substrings (keeps the division code and last four)."""
    return _ID_PATTERN.sub(lambda m: m.group(1) + "********" + m.group(3), text)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            payload.update({k: scrub(str(v)) for k, v in extra.items()})
        return json.dumps(payload, ensure_ascii=False)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is when a record comes, not as it was when logging was
    configured: a command run inside a test runner gets a stderr that is closed after it."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def configure_logging(level: str = "WARNING") -> None:
    root = logging.getLogger("renkou")
    if root.handlers:
        return
    handler = _Stderr()
    handler.setFormatter(_JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"renkou.{name}")
