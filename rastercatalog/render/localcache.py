"""A local-memory Django cache bounded in bytes, for servers without Redis.

Django's LocMemCache bounds the number of entries (MAX_ENTRIES), not their size: a rendered tile
is 1 KB to 1 MB, so a count says little about memory. This backend also keeps the pickled values
under OPTIONS["MAX_BYTES"] per process, dropping the least recently used entries first; a value
larger than a quarter of the limit is not stored at all (it would push out everything else).
"""

from __future__ import annotations

from django.core.cache.backends.locmem import LocMemCache

DEFAULT_MAX_BYTES = 64 * 1024 * 1024

# Bytes held per named cache: the entries themselves are shared by every instance of a name
# (Django makes one instance per thread), so their total must be too.
_sizes: dict[str, int] = {}


class ByteBoundedLocMemCache(LocMemCache):
    """LocMemCache whose pickled values never add up to more than OPTIONS["MAX_BYTES"]."""

    def __init__(self, name: str, params: dict) -> None:
        super().__init__(name, params)
        self._name = name
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", DEFAULT_MAX_BYTES))
        _sizes.setdefault(name, 0)

    @property
    def size_bytes(self) -> int:
        """Bytes of pickled values held now (keys and bookkeeping not counted)."""
        return _sizes[self._name]

    def _set(self, key, value, timeout=None):
        # Called with self._lock held, like every method below.
        if len(value) > self.max_bytes // 4:
            self._delete(key)
            return
        self._delete(key)
        while self._cache and _sizes[self._name] + len(value) > self.max_bytes:
            self._pop_oldest()
        super()._set(key, value, timeout)
        _sizes[self._name] += len(value)

    def _pop_oldest(self) -> None:
        # Entries are kept most recent first (LocMemCache moves each one read to the front).
        old_key, old_value = self._cache.popitem()
        self._expire_info.pop(old_key, None)
        _sizes[self._name] -= len(old_value)

    def _cull(self):
        count = (
            len(self._cache) // self._cull_frequency if self._cull_frequency else len(self._cache)
        )
        for _ in range(max(1, count)):
            if self._cache:
                self._pop_oldest()

    def _delete(self, key):
        value = self._cache.get(key)
        deleted = super()._delete(key)
        if deleted and value is not None:
            _sizes[self._name] -= len(value)
        return deleted

    def incr(self, key, delta=1, version=None):
        new_value = super().incr(key, delta, version)
        with self._lock:
            _sizes[self._name] = sum(len(value) for value in self._cache.values())
        return new_value

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            _sizes[self._name] = 0
