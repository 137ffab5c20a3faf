"""Every finished ingestion counted (Prometheus) and logged (one JSON line), wherever it ran."""

from __future__ import annotations

import functools
import time

from ..errors import IngestError
from ..logs import ingest_log
from ..metrics import ingest_outcome_count


def ingest_observed(ingest):
    """Wrap `raster_ingest`: count and log its outcome (ingested, already present, failed)."""

    @functools.wraps(ingest)
    def observed(*, uri: str, **kwargs):
        started = time.monotonic()
        try:
            result = ingest(uri=uri, **kwargs)
        except IngestError as exc:
            _record(uri, "failed", exc.raster, started, exc.reason)
            raise
        _record(uri, "ingested" if result.created else "already present", result.raster, started)
        return result

    return observed


def _record(uri: str, outcome: str, raster, started: float, reason: str = "") -> None:
    ingest_outcome_count(outcome)
    ingest_log(
        uri=uri,
        outcome=outcome,
        raster_id=getattr(raster, "pk", None),
        duration_s=time.monotonic() - started,
        reason=reason,
    )
