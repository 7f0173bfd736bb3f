"""Request-rate quotas: Cognito throttles each category of operations at so many requests per
second, and answers TooManyRequestsException beyond that. One token bucket per category, as full
as one second's worth of requests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType

# The operation → its quota category.
CATEGORIES = MappingProxyType(
    {
        "SignUp": "UserCreation",
        "ConfirmSignUp": "UserCreation",
        "ResendConfirmationCode": "UserCreation",
        "InitiateAuth": "UserAuthentication",
        "RespondToAuthChallenge": "UserAuthentication",
        "GetTokensFromRefreshToken": "UserAuthentication",
        "RevokeToken": "UserAuthentication",
        "GlobalSignOut": "UserAuthentication",
        "ForgotPassword": "UserAccountRecovery",
        "ConfirmForgotPassword": "UserAccountRecovery",
        "ChangePassword": "UserAccountRecovery",
        "GetUser": "UserRead",
        "UpdateUserAttributes": "UserUpdate",
        "VerifyUserAttribute": "UserUpdate",
        "GetUserAttributeVerificationCode": "UserUpdate",
    }
)


class RateLimiter:
    """Token buckets by category, refilled continuously at each category's rate."""

    def __init__(self, quotas: Mapping[str, float], clock: Callable[[], float]) -> None:
        self._quotas = dict(quotas)
        self._clock = clock
        self._tokens = dict(self._quotas)
        self._updated = {name: clock() for name in self._quotas}
        self._lock = threading.Lock()

    def allow(self, operation: str) -> bool:
        """Take one request's token from the operation's category; False when none is left."""
        category = CATEGORIES.get(operation)
        if category is None or category not in self._quotas:
            return True
        rate = self._quotas[category]
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated[category])
            self._tokens[category] = min(rate, self._tokens[category] + elapsed * rate)
            self._updated[category] = now
            if self._tokens[category] < 1:
                return False
            self._tokens[category] -= 1
            return True
