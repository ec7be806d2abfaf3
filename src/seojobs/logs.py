"""Structured logs: one JSON object a line, with job id, attempt, topic, partition, offset."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

#: Record attributes copied into the JSON line when a log call passes them in ``extra``.
CONTEXT_FIELDS = ("job_id", "attempt", "topic", "partition", "offset", "service", "job_type")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def json_handler() -> logging.Handler:
    """A stderr handler writing JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def configure(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON."""
    root = logging.getLogger()
    root.handlers[:] = [json_handler()]
    root.setLevel(level)
