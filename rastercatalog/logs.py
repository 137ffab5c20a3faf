"""Structured logs: one JSON line per request and per ingestion.

`JsonFormatter` (the `json` formatter of settings.LOGGING) writes every record as one JSON object:
time, level, logger, message, plus the fields passed as `extra={"fields": {...}}`. Log shippers
(Loki, CloudWatch, jq) read the fields without parsing prose.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

request_logger = logging.getLogger("rastercatalog.requests")
ingest_logger = logging.getLogger("rastercatalog.ingest")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: its own fields, then those of `extra={"fields": ...}`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # default=str: a stray Decimal or UUID must not cost the line.
        return json.dumps(line, default=str, ensure_ascii=False)


def request_log(
    *, method: str, path: str, status: int, duration_ms: float, user: str, bytes_sent: int | None
) -> None:
    """Log one answered request (the middleware calls this once per request)."""
    fields = {
        "event": "request",
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "user": user,
        "bytes": bytes_sent,
    }
    level = logging.ERROR if status >= 500 else logging.INFO
    request_logger.log(level, "%s %s %s", method, path, status, extra={"fields": fields})


def ingest_log(
    *, uri: str, outcome: str, raster_id: int | None, duration_s: float, reason: str = ""
) -> None:
    """Log one finished ingestion: where from, how it ended, which raster row, how long."""
    fields = {
        "event": "ingest",
        "uri": uri,
        "outcome": outcome,
        "raster_id": raster_id,
        "duration_ms": round(duration_s * 1000, 2),
    }
    if reason:
        fields["reason"] = reason
    ingest_logger.info("ingest %s %s", outcome, uri, extra={"fields": fields})
