"""Where a request's time goes, for the `Server-Timing` header of tile responses.

A request opens a collection (`timing_collect`, from the middleware); code below it notes phases
with `@timed("read")` or `with timed("encode"):`, and database queries are added up as `db`.
Outside a collection (a worker, a management command) `timed` only runs the code: the render
modules can be decorated without knowing whether anyone listens.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ContextDecorator, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection

# The phases in the order the header lists them (others noted later follow in their own order).
PHASE_ORDER = ("db", "cache", "open", "read", "render", "encode")


@dataclass
class Timings:
    """Milliseconds per phase of one request, and when the request started."""

    started: float = field(default_factory=time.perf_counter)
    phases: dict[str, float] = field(default_factory=dict)

    def add(self, phase: str, milliseconds: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + milliseconds

    def header(self) -> str:
        """The Server-Timing value: each phase noted, then `app`, the whole request so far."""
        names = [p for p in PHASE_ORDER if p in self.phases]
        names += [p for p in self.phases if p not in PHASE_ORDER]
        parts = [f"{name};dur={self.phases[name]:.2f}" for name in names]
        parts.append(f"app;dur={(time.perf_counter() - self.started) * 1000:.2f}")
        return ", ".join(parts)


_current: ContextVar[Timings | None] = ContextVar("rastercatalog_timings", default=None)


class timed(ContextDecorator):  # noqa: N801 (reads as a verb: @timed("read"))
    """Add the time spent in the block or the function to `phase` of the current request."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self._start = 0.0

    def _recreate_cm(self) -> timed:
        # A decorated function runs in many threads at once: each call gets its own start time.
        return type(self)(self.phase)

    def __enter__(self) -> timed:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        elapsed = (time.perf_counter() - self._start) * 1000
        timings = _current.get()
        if timings is not None:
            timings.add(self.phase, elapsed)


@contextmanager
def timing_collect() -> Iterator[Timings]:
    """Collect the phases of the code run inside, database queries included as `db`."""
    timings = Timings()
    token = _current.set(timings)

    def query_timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.add("db", (time.perf_counter() - started) * 1000)

    try:
        with connection.execute_wrapper(query_timer):
            yield timings
    finally:
        _current.reset(token)


def timing_header() -> str:
    """The Server-Timing value of the current request, or "" outside a collection."""
    timings = _current.get()
    return timings.header() if timings is not None else ""
