"""API_KEY: the `x-api-key` header against the API's keys and their expiry."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from appsync.auth.modes import AuthMode, Caller, Unauthenticated

# Every API-key caller is the same caller: AppSync gives resolvers `ctx.identity` null.
API_KEY_CALLER = Caller(mode=AuthMode.API_KEY, identity=None)


@dataclass(frozen=True, kw_only=True)
class ApiKey:
    """One of the API's keys (`aws_appsync_api_key`).

    Attributes:
        id: the key itself, as sent in `x-api-key` (`da2-...` in AWS).
        expires: when it stops working, in epoch seconds (AppSync's `ApiKey.expires`).
        description: free text.
    """

    id: str
    expires: int
    description: str = ""


class ApiKeyAuthenticator:
    """Admits requests whose `x-api-key` is one of the API's unexpired keys."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._expiry = {key.id: key.expires for key in keys}

    def authenticate(self, key: str, *, now: float | None = None) -> Caller:
        """The API-key caller, if `key` is known and unexpired.

        Raises:
            Unauthenticated: an unknown or expired key. AppSync words both the same way (§0 of
                the checklist: "You are not authorized to make this call.").
        """
        expires = self._expiry.get(key.strip())
        if expires is None or expires <= (time.time() if now is None else now):
            raise Unauthenticated()
        return API_KEY_CALLER
