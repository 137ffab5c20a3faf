"""Rendered bytes in the Django cache, with concurrent identical misses rendered once.

When many clients ask for the same uncached tile at once (a map opening on a shared link), one
request renders it and the others wait for the result. Within a process a per-key lock does this;
across processes (gunicorn workers) a short-lived `cache.add` marker does it when the cache is
shared (Redis). A waiter that sees no result within LOCK_TIMEOUT seconds renders by itself, so a
crashed renderer costs a delay, never a failure.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager

from django.core.cache import cache

LOCK_TIMEOUT = 10.0
POLL_SECONDS = 0.02

_locks: dict[str, tuple[threading.Lock, int]] = {}
_locks_guard = threading.Lock()


def cache_get_or_render(
    key: str, render: Callable[[], bytes], *, timeout: int
) -> tuple[bytes, bool]:
    """Return (bytes, True) from the cache, or render, store for `timeout` s, return (bytes, False)."""
    data = cache.get(key)
    if data is not None:
        return data, True
    with _process_lock(key):
        data = cache.get(key)
        if data is not None:
            return data, True
        marker = f"{key}:rendering"
        if not cache.add(marker, uuid.uuid4().hex, timeout=LOCK_TIMEOUT):
            data = _wait_for(key, marker)
            if data is not None:
                return data, True
        try:
            data = render()
            cache.set(key, data, timeout=timeout)
        finally:
            cache.delete(marker)
        return data, False


def _wait_for(key: str, marker: str) -> bytes | None:
    """Poll for another process's result until it appears or its marker goes."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        data = cache.get(key)
        if data is not None:
            return data
        if cache.get(marker) is None:
            return cache.get(key)
    return None


@contextmanager
def _process_lock(key: str):
    """A lock per key, shared by this process's threads and dropped when nobody holds it."""
    with _locks_guard:
        lock, users = _locks.get(key, (None, 0))
        if lock is None:
            lock = threading.Lock()
        _locks[key] = (lock, users + 1)
    try:
        with lock:
            yield
    finally:
        with _locks_guard:
            lock, users = _locks[key]
            if users <= 1:
                del _locks[key]
            else:
                _locks[key] = (lock, users - 1)
