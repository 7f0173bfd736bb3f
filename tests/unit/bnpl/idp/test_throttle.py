"""Request-rate quotas: a bucket per operation category, refilled at its rate."""

from __future__ import annotations

from bnpl.idp.cognito_api import OPERATIONS
from bnpl.idp.throttle import CATEGORIES, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_category_allows_its_rate_then_refuses_until_it_refills():
    clock = Clock()
    limiter = RateLimiter({"UserRead": 3.0}, clock)
    assert [limiter.allow("GetUser") for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # half a second: one and a half requests' worth
    assert [limiter.allow("GetUser") for _ in range(2)] == [True, False]
    clock.now += 60  # a quiet minute fills the bucket to one second's worth, no more
    assert [limiter.allow("GetUser") for _ in range(4)] == [True, True, True, False]


def test_categories_are_counted_apart():
    limiter = RateLimiter({"UserRead": 1.0, "UserAuthentication": 1.0}, Clock())
    assert limiter.allow("GetUser")
    assert not limiter.allow("GetUser")
    assert limiter.allow("InitiateAuth")
    assert not limiter.allow("RespondToAuthChallenge")  # the same category as InitiateAuth


def test_every_operation_has_a_category():
    assert set(CATEGORIES) == set(OPERATIONS)
    assert set(CATEGORIES.values()) == {
        "UserAuthentication",
        "UserCreation",
        "UserAccountRecovery",
        "UserRead",
        "UserUpdate",
    }
    assert RateLimiter({}, Clock()).allow("SignUp")  # no quota for it: never refused
