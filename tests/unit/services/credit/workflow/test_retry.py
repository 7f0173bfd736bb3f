from __future__ import annotations

import pytest

from services.credit.screening.retry import RetryPolicy, call_with_retries
from services.shared.errors import DependencyFailure, NotFound


class Flaky:
    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or DependencyFailure("down")
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


@pytest.mark.parametrize(
    ("failures", "attempts", "waits"),
    [
        (0, 1, []),
        (1, 2, [0.1]),
        (2, 3, [0.1, 0.2]),
        (3, 4, [0.1, 0.2, 0.4]),
        (4, 5, [0.1, 0.2, 0.4, 0.5]),  # capped at max_delay_s
    ],
)
def test_retries_a_failing_dependency_with_exponential_backoff(failures, attempts, waits):
    sleeps: list[float] = []
    call = Flaky(failures)
    policy = RetryPolicy(attempts=5, base_delay_s=0.1, max_delay_s=0.5)
    result = call_with_retries(call, policy=policy, sleep=sleeps.append, jitter=lambda: 1.0)
    assert (result.value, result.attempts) == ("ok", attempts)
    assert sleeps == pytest.approx(waits)


def test_full_jitter_waits_a_random_share_of_the_ceiling():
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay_s=0.2, max_delay_s=1.0)
    call_with_retries(Flaky(2), policy=policy, sleep=sleeps.append, jitter=lambda: 0.25)
    assert sleeps == pytest.approx([0.05, 0.1])


def test_gives_up_after_the_last_attempt_with_the_last_error():
    call = Flaky(10)
    with pytest.raises(DependencyFailure):
        call_with_retries(call, policy=RetryPolicy(attempts=3), sleep=lambda _: None)
    assert call.calls == 3


def test_a_refusal_is_not_retried():
    call = Flaky(1, NotFound("no such consent"))
    with pytest.raises(NotFound):
        call_with_retries(call, policy=RetryPolicy(attempts=3), sleep=lambda _: None)
    assert call.calls == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"attempts": 0}, {"base_delay_s": -1}, {"base_delay_s": 2, "max_delay_s": 1}],
)
def test_refuses_a_policy_that_cannot_work(kwargs):
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(**kwargs)
