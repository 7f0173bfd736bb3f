"""SingleFlight: concurrent calls for one key share one call, its result and its failure; a
call that has returned is never reused."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from services.shared.single_flight import SingleFlight

CALLERS = 50


def test_fifty_callers_at_once_share_one_call():
    flights: SingleFlight[str] = SingleFlight()
    entered, release = threading.Event(), threading.Event()
    calls = []

    def slow() -> str:
        calls.append(1)
        entered.set()
        release.wait(10)
        return "plans"

    with ThreadPoolExecutor(CALLERS) as pool:
        leader = pool.submit(flights.do, "c1", slow)
        assert entered.wait(10)
        followers = [pool.submit(flights.do, "c1", slow) for _ in range(CALLERS - 1)]
        _wait_until_parked(flights, "c1", CALLERS - 1)
        release.set()
        answers = [leader.result(), *(f.result() for f in followers)]
    assert answers == ["plans"] * CALLERS
    assert len(calls) == 1


def _wait_until_parked(flights: SingleFlight[Any], key: str, count: int) -> None:
    """Until `count` callers wait on the key's flight (the condition a Future's result waits
    on counts its waiters), so none of them can arrive after it has landed."""
    flight = flights._flying[key]
    deadline = time.monotonic() + 10
    while len(flight._condition._waiters) < count:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the callers never joined the flight"
        time.sleep(0.001)


def test_the_leaders_failure_reaches_every_caller_and_the_next_call_runs_afresh():
    flights: SingleFlight[int] = SingleFlight()
    entered, release = threading.Event(), threading.Event()

    def broken() -> int:
        entered.set()
        release.wait(10)
        raise ConnectionError("store down")

    with ThreadPoolExecutor(CALLERS) as pool:
        leader = pool.submit(flights.do, "k", broken)
        assert entered.wait(10)
        followers = [pool.submit(flights.do, "k", broken) for _ in range(CALLERS - 1)]
        _wait_until_parked(flights, "k", CALLERS - 1)
        release.set()
        for future in [leader, *followers]:
            with pytest.raises(ConnectionError):
                future.result()
    assert flights.do("k", lambda: 7) == 7  # nothing kept once the flight landed


def test_different_keys_do_not_share():
    flights: SingleFlight[str] = SingleFlight()
    assert [flights.do(k, k.upper) for k in ("a", "b")] == ["A", "B"]
