"""Bounded retries with exponential backoff and full jitter, for calls to dependencies.

Each dependency client carries its own timeout (HTTP and botocore timeouts); this helper decides
how often a failed call is tried again and how long to wait between tries. The sleep and the
random source are injected, so tests run without waiting and see the delays chosen.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.shared.errors import DependencyFailure

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How a dependency call is retried.

    Attributes:
        attempts: tries in all, the first included (1 means no retry).
        base_delay_s: the backoff's first ceiling; it doubles after each failure...
        max_delay_s: ...up to this.
    """

    attempts: int = 3
    base_delay_s: float = 0.05
    max_delay_s: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay_s < 0 or self.max_delay_s < self.base_delay_s:
            raise ValueError("attempts >= 1 and 0 <= base_delay_s <= max_delay_s")

    def ceiling(self, failures: int) -> float:
        """The longest wait after `failures` failed tries (1, 2, ...)."""
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (failures - 1)))


@dataclass(frozen=True)
class Attempted(Generic[T]):
    """A call's result and how many tries it took."""

    value: T
    attempts: int


def call_with_retries(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
    retry_on: tuple[type[BaseException], ...] = (DependencyFailure,),
) -> Attempted[T]:
    """Call `call` until it succeeds or `policy.attempts` tries have failed.

    Only exceptions in `retry_on` are retried (a dependency that failed or timed out); any other
    exception, such as a refusal of the caller's request, propagates at once. Between tries it
    sleeps a uniformly random time up to the backoff ceiling ("full jitter"), so many callers
    retrying one dependency spread out instead of arriving together.

    Raises:
        The last exception, once the tries are used up.

    Example:
        >>> waits = []
        >>> calls = iter([DependencyFailure("down"), DependencyFailure("down"), "ok"])
        >>> def flaky():
        ...     result = next(calls)
        ...     if isinstance(result, Exception):
        ...         raise result
        ...     return result
        >>> call_with_retries(flaky, policy=RetryPolicy(), sleep=waits.append, jitter=lambda: 1.0)
        Attempted(value='ok', attempts=3)
        >>> waits
        [0.05, 0.1]
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            return Attempted(call(), attempt)
        except retry_on:
            if attempt == policy.attempts:
                raise
        sleep(policy.ceiling(attempt) * jitter())
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover
