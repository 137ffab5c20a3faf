"""A clock the test moves by hand, for the per-process memos that read time.monotonic."""

from __future__ import annotations


class Clock:
    """Stands in for time.monotonic: returns `now`, which the test sets."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
