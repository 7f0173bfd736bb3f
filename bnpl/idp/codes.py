"""One-time codes (sign-up confirmation, password reset, email verification): made, sent to the
dev outbox (the same one as the user service's verification codes, listed by `bnpl outbox`),
kept as keyed hashes, and checked with a limited number of tries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from bnpl.idp import errors
from bnpl.idp.pool import HOUR_S, UserPool
from bnpl.idp.store import Code, UserStore
from bnpl.idp.users import User, masked_email
from services.user.verification.domain import Channel

SIGN_UP = "SIGN_UP"
RESET = "RESET"
VERIFY_EMAIL = "VERIFY_EMAIL"
CODE_DIGITS = 6


class CodeSender(Protocol):
    """Where codes go (services.user.messaging's senders have this shape)."""

    def send(self, channel: Channel, destination: str, code: str, expires_at: datetime) -> None:
        """Deliver `code` to `destination`."""


def with_code_sent(pool: UserPool, user: User, now: float) -> User:
    """`user` with one more code sent now.

    Raises:
        CognitoError: LimitExceededException when the user was sent too many codes this hour.
    """
    recent = tuple(t for t in user.code_sends if now - t < HOUR_S)
    if len(recent) >= pool.codes_per_hour:
        raise errors.limit_exceeded()
    return replace(user, code_sends=(*recent, now))


def delivery(email: str) -> dict[str, str]:
    """Cognito's CodeDeliveryDetails for a code emailed to `email`."""
    return {"Destination": masked_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


class Codes:
    """Issues and checks one pool's codes."""

    def __init__(
        self,
        *,
        pool: UserPool,
        store: UserStore,
        sender: CodeSender,
        hash_key: bytes,
        clock: Callable[[], float],
    ) -> None:
        self._pool = pool
        self._store = store
        self._sender = sender
        self._hash_key = hash_key
        self._clock = clock

    def _hash(self, username: str, purpose: str, code: str) -> str:
        message = f"{self._pool.pool_id}|{username}|{purpose}|{code}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def send(self, user: User, purpose: str, ttl_s: int) -> dict[str, str]:
        """Make a new code for `purpose` (replacing any earlier one) and email it.

        Returns:
            The CodeDeliveryDetails to answer with.
        """
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        expires_at = self._clock() + ttl_s
        self._store.put_code(
            Code(
                username=user.username,
                purpose=purpose,
                code_hash=self._hash(user.username, purpose, code),
                expires_at=expires_at,
                failed_attempts=0,
                destination=user.email,
            )
        )
        self._sender.send(
            Channel.EMAIL, user.email, code, datetime.fromtimestamp(expires_at, tz=UTC)
        )
        return delivery(user.email)

    def use(self, user: User, purpose: str, code: str, *, exhausted: errors.CognitoError) -> None:
        """Check `code` and consume it.

        Raises:
            CognitoError: CodeMismatchException (wrong), ExpiredCodeException (expired, used
                already, or never sent), or `exhausted` once the code's tries are used up.
        """
        stored = self._store.code(user.username, purpose)
        if stored is None:
            # As Cognito answers a reset with no code outstanding: ask for a new one.
            raise errors.code_expired()
        if stored.failed_attempts >= self._pool.code_attempts:
            raise exhausted
        if not hmac.compare_digest(stored.code_hash, self._hash(user.username, purpose, code)):
            self._store.code_failed(stored)
            raise errors.code_mismatch()
        if self._clock() > stored.expires_at:
            raise errors.code_expired()
        self._store.delete_code(user.username, purpose)
