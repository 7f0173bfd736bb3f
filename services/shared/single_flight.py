"""Concurrent calls for the same key share one call.

A decision reads the customer's plans for its exposure and for its payment history at the same
moment; both want the same query, so the second caller waits for the first one's answer rather
than asking the store again. Only calls in flight are shared: nothing is cached once a call
returns, so no caller sees an answer older than one it could have read itself at its start.
The standard library has no such primitive.
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
        with self._lock:
            flight = self._flying.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flying[key] = Future()
        if not leader:
            return flight.result()
        try:
            flight.set_result(call())
        except BaseException as exc:  # noqa: BLE001 - whatever ends it, followers must not wait on
            flight.set_exception(exc)
        finally:
            with self._lock:
                del self._flying[key]
        return flight.result()
