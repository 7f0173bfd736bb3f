"""What every operation of the user pool works with: the pool's rules, its store, its codes,
its sealed values and its clock; built once per process by `build`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from bnpl.idp import errors
from bnpl.idp.codes import Codes, CodeSender
from bnpl.idp.keys import signing_key
from bnpl.idp.pool import AppClient, UserPool
from bnpl.idp.sealing import RefreshTokens, Sealer
from bnpl.idp.store import ConflictError, UserStore
from bnpl.idp.throttle import RateLimiter
from bnpl.idp.users import User
from bnpl.settings import DevSettings
from services.shared.settings import Settings

_UPDATE_ATTEMPTS = 8


@dataclass(frozen=True, kw_only=True)
class Provider:
    """One user pool, ready to answer Cognito's operations."""

    settings: DevSettings
    pool: UserPool
    store: UserStore
    codes: Codes
    challenges: Sealer
    refresh_tokens: RefreshTokens
    limiter: RateLimiter
    clock: Callable[[], float]
    # Keys simulated answers for unknown users: the same name always gets the same answer.
    decoy_key: bytes

    def now(self) -> float:
        return self.clock()

    def client(self, client_id: str) -> AppClient:
        """The app client `client_id`.

        Raises:
            CognitoError: ResourceNotFoundException for a client the pool does not have.
        """
        client = self.pool.clients.get(client_id)
        if client is None:
            raise errors.CognitoError(
                "ResourceNotFoundException", f"User pool client {client_id} does not exist."
            )
        return client

    def check_secret_hash(self, client: AppClient, username: str, secret_hash: str | None) -> None:
        """A confidential client proves itself with SECRET_HASH = HMAC(secret, username+id)."""
        if client.secret is None:
            return
        if secret_hash is None:
            raise errors.not_authorized(
                f"Client {client.client_id} is configured for secret but secret was not received"
            )
        digest = hmac.new(
            client.secret.encode(), (username + client.client_id).encode(), hashlib.sha256
        ).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), secret_hash):
            raise errors.not_authorized(
                f"Unable to verify secret hash for client {client.client_id}"
            )

    def update_user(self, username: str, change: Callable[[User], User]) -> User:
        """Apply `change` to the stored user and save it, again on fresh data if another
        request saved it first.

        Raises:
            CognitoError: UserNotFoundException if the user is gone, or what `change` raises.
        """
        for _ in range(_UPDATE_ATTEMPTS):
            user = self.store.user(username)
            if user is None:
                raise errors.user_not_found()
            try:
                return self.store.save(change(user))
            except ConflictError:
                continue
        raise errors.CognitoError("TooManyRequestsException", errors.RATE_EXCEEDED)


def build(
    settings: DevSettings,
    service_settings: Settings,
    *,
    sender: CodeSender,
    pool: UserPool | None = None,
    clock: Callable[[], float] = time.time,
    rate_clock: Callable[[], float] = time.monotonic,
) -> Provider:
    """The provider of the pool `settings` describe, on the tables `service_settings` name.

    Args:
        sender: where codes go (the dev outbox).
        pool: the pool's rules; the local stack's pool by default.
        clock: the time of day (epoch seconds) for expiries, lockouts and tokens.
        rate_clock: the monotonic clock the request-rate quotas refill by.
    """
    pool = pool or UserPool.from_settings(settings)
    key = signing_key(settings.signing_key_path)
    store = UserStore(service_settings, pool.pool_id)
    return Provider(
        settings=settings,
        pool=pool,
        store=store,
        codes=Codes(
            pool=pool,
            store=store,
            sender=sender,
            hash_key=key.derived_secret("bnpl dev idp: codes"),
            clock=clock,
        ),
        challenges=Sealer(key.derived_secret("bnpl dev idp: srp"), "SECRET_BLOCK"),
        refresh_tokens=RefreshTokens(
            Sealer(key.derived_secret("bnpl dev idp: refresh"), "REFRESH_TOKEN")
        ),
        limiter=RateLimiter(pool.quotas, rate_clock),
        clock=clock,
        decoy_key=key.derived_secret("bnpl dev idp: decoys"),
    )
