"""Locks by key: holders of a shared key take turns, overlapping holders never deadlock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from services.shared.striped_locks import StripedLocks


def test_holders_of_one_key_take_turns():
    locks = StripedLocks(4)
    inside, most = [0], [0]
    guard = threading.Lock()

    def hold() -> None:
        with locks.holding(["device#1"]):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            threading.Event().wait(0.002)
            with guard:
                inside[0] -= 1

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(hold) for _ in range(40)]:
            future.result()
    assert most[0] == 1


def test_overlapping_keys_in_any_order_do_not_deadlock():
    locks = StripedLocks(16)
    keys = [f"k{i}" for i in range(6)]

    def hold(i: int) -> None:
        # Each holder names its keys in its own order; the locks are taken by stripe.
        with locks.holding(keys[i % 6 :] + keys[: i % 6]):
            pass

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(hold, i) for i in range(200)]
        for future in futures:
            future.result(timeout=10)


def test_a_key_always_falls_in_the_same_stripe():
    assert StripedLocks(64).stripe("device#abc") == StripedLocks(64).stripe("device#abc")
