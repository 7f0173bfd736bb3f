"""Mutual exclusion by key with a fixed number of locks: a key's lock is the stripe its hash
falls in, so however many keys there are (customers, devices, addresses), memory stays bounded.
Two keys may share a stripe, which costs only some waiting. The standard library has none.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager


class StripedLocks:
    """`holding(keys)` holds the locks of all `keys` at once.

    Example:
        >>> locks = StripedLocks(8)
        >>> with locks.holding(["device#1", "ip#2"]):
        ...     pass
    """

    def __init__(self, stripes: int) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    def stripe(self, key: str) -> int:
        """The index of `key`'s lock (stable across processes: not Python's salted `hash`)."""
        return zlib.crc32(key.encode()) % len(self._locks)

    @contextmanager
    def holding(self, keys: Iterable[str]) -> Iterator[None]:
        """Hold the locks of `keys`, taken in one order (by stripe) so two holders of
        overlapping keys cannot deadlock."""
        with ExitStack() as held:
            for index in sorted({self.stripe(key) for key in keys}):
                held.enter_context(self._locks[index])
            yield
