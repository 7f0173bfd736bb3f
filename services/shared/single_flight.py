"""Concurrent calls for the same key share one call.

A decision reads the customer's plans for its exposure and for its payment history at the same
moment; both want the same query, so the second caller waits for the first one's answer rather
than asking the store again. Only calls in flight are shared: nothing is cached once a call
returns. A caller that must see its own writes (a velocity count must see the application it
counts from) joins only a call that started after them. The standard library has no such
primitive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Runs `call` once for any number of concurrent `do(key, call)` with the same key.

    Example:
        >>> flights: SingleFlight[int] = SingleFlight()
        >>> flights.do("k", lambda: 42)
        42
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._flying: dict[Hashable, tuple[float, Future[T]]] = {}

    def do(self, key: Hashable, call: Callable[[], T], *, started_after: float | None = None) -> T:
        """`call()`'s result, or the result of the same key's call already in flight (its
        exception too).

        Args:
            started_after: join only a call that started at or after this time (the clock's,
                POSIX seconds by default): one that saw whatever the caller wrote before it.
                An older call in flight is left to the callers it serves.
        """
        flight: Future[T] = Future()
        with self._lock:
            flying = self._flying.get(key)
            if flying is not None and (started_after is None or flying[0] >= started_after):
                joined: Future[T] | None = flying[1]
            else:
                joined = None
                if flying is None:  # a newer call is not registered over an older one
                    self._flying[key] = (self._clock(), flight)
        if joined is not None:
            return joined.result()
        try:
            flight.set_result(call())
        except BaseException as exc:  # noqa: BLE001 - whatever ends it, followers must not wait on
            flight.set_exception(exc)
        finally:
            with self._lock:
                if key in self._flying and self._flying[key][1] is flight:
                    del self._flying[key]
        return flight.result()
