"""Concurrent calls for the same key share one call.

A decision reads the customer's plans for its exposure and for its payment history at the same
moment; both want the same query, so the second caller waits for the first one's answer rather
than asking the store again. Only calls in flight are shared: nothing is cached once a call
returns. The standard library has no such primitive.
"""

from __future__ import annotations

import threading
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

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flying: dict[Hashable, Future[T]] = {}

    def do(self, key: Hashable, call: Callable[[], T]) -> T:
        """`call()`'s result, or the result of the same key's call already in flight (its
        exception too)."""
        flight: Future[T] = Future()
        with self._lock:
            joined = self._flying.get(key)
            if joined is None:
                self._flying[key] = flight
        if joined is not None:
            return joined.result()
        try:
            flight.set_result(call())
        except BaseException as exc:  # noqa: BLE001 - whatever ends it, followers must not wait on
            flight.set_exception(exc)
        finally:
            with self._lock:
                if self._flying.get(key) is flight:
                    del self._flying[key]
        return flight.result()
