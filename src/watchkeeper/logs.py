"""Logging: readable lines on a terminal, one JSON object per line anywhere else."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

_REFERENCE = re.compile(r"\bINC-(\d+)\b")
#: Secrets that must never reach a log line, whatever logged them.
_SECRET = re.compile(r"\b(xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


def redact(text: str) -> str:
    """Hide Slack tokens that a library might have put into a message."""
    return _SECRET.sub(lambda m: m.group(1)[:5] + "…redacted", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with `incident` set on every line about one."""

    def format(self, record: logging.LogRecord) -> str:
        message = redact(record.getMessage())
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        incident = getattr(record, "incident", None) or _reference_in(message)
        if incident:
            line["incident"] = incident
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The terminal form, with secrets redacted too."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Set up the root logger once, for the whole process."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter() if stream.isatty() else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic narrates every plugin it loads; operators need only its warnings.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def _reference_in(message: str) -> str | None:
    match = _REFERENCE.search(message)
    return match.group(0) if match else None
