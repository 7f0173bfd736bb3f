"""The dev user pool's items in DynamoDB (bnpl/idp/models.py), behind plain methods.

Users are written optimistically: each save is conditional on the version that was read, and a
lost race raises `ConflictError` so the operation is run again on fresh data. Writes that must hold
together (a user and its email) are transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from bnpl.idp.models import AliasItem, CodeItem, SessionItem, UsedChallengeItem, UserItem
from bnpl.idp.users import User, Verifier, email_key
from services.shared.dynamodb import bind, connection
from services.shared.settings import Settings

_CONDITION_FAILED = "ConditionalCheckFailedException"
_USER_SK = "USER"
_ALIAS_SK = "ALIAS"
# DynamoDB's TTL deletes expired items; kept a day longer, an expired code or refresh token is
# still told apart from one that never existed.
_KEEP_AFTER_EXPIRY_S = 86400


class ConflictError(Exception):
    """Another request changed the item first; the operation should run again."""


class EmailTakenError(Exception):
    """The email is already another user's."""


@dataclass(frozen=True, kw_only=True)
class Code:
    """A one-time code as stored: its keyed hash, expiry and failed tries."""

    username: str
    purpose: str
    code_hash: str
    expires_at: float
    failed_attempts: int
    destination: str


@dataclass(frozen=True, kw_only=True)
class Session:
    """A sign-in (identified by the tokens' `origin_jti`) and its refresh token's hash."""

    origin_jti: str
    username: str
    client_id: str
    refresh_hash: str
    epoch: int
    revoked: bool
    auth_time: int
    event_id: str
    expires_at: float


class UserStore:
    """One pool's users, codes, sessions and answered challenges."""

    def __init__(self, settings: Settings, pool_id: str) -> None:
        self._pool = pool_id
        self._users = bind(UserItem, settings)
        self._aliases = bind(AliasItem, settings)
        self._codes = bind(CodeItem, settings)
        self._sessions = bind(SessionItem, settings)
        self._challenges = bind(UsedChallengeItem, settings)
        self._connection = connection(settings)

    def _user_pk(self, username: str) -> str:
        return f"{self._pool}#USER#{username}"

    def _alias_pk(self, email: str) -> str:
        return f"{self._pool}#EMAIL#{email_key(email)}"

    # ---------------------------------------------------------------- users

    def user(self, username: str) -> User | None:
        try:
            item = self._users.get(self._user_pk(username), _USER_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return _user(item)

    def user_by_email(self, email: str) -> User | None:
        try:
            alias = self._aliases.get(self._alias_pk(email), _ALIAS_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return self.user(alias.username)

    def find(self, name: str) -> User | None:
        """The user whose username or email is `name` (sign-in accepts either)."""
        return self.user_by_email(name) if "@" in name else self.user(name.lower())

    def create(self, user: User) -> User:
        """Store a new user and claim its email, together.

        Raises:
            EmailTakenError: the email (or the username) is already taken.
        """
        item = self._item(user)
        alias = self._aliases(self._alias_pk(user.email), _ALIAS_SK, username=user.username)
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.save(alias, condition=self._aliases.pk.does_not_exist())
                transaction.save(item, condition=self._users.pk.does_not_exist())
        except TransactWriteError as exc:
            raise _transaction_failure(exc, EmailTakenError, alias_at=0) from None
        return replace(user, version=1)

    def save(self, user: User) -> User:
        """Write `user` over the version it was read at.

        Raises:
            ConflictError: the stored user changed since.
        """
        item = self._item(user)
        try:
            item.save()
        except PutError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                raise ConflictError from None
            raise
        return replace(user, version=user.version + 1)

    def change_email(self, user: User, previous_email: str) -> User:
        """Save `user` with its new email, moving the alias from `previous_email`.

        Raises:
            EmailTakenError: the new email is another user's.
            ConflictError: the stored user changed since it was read.
        """
        item = self._item(user)
        new_alias = self._aliases(self._alias_pk(user.email), _ALIAS_SK, username=user.username)
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.save(new_alias, condition=self._aliases.pk.does_not_exist())
                transaction.delete(self._aliases(self._alias_pk(previous_email), _ALIAS_SK))
                transaction.save(item)
        except TransactWriteError as exc:
            # The old alias's delete goes first (see `_transaction_failure`).
            raise _transaction_failure(exc, EmailTakenError, alias_at=1) from None
        return replace(user, version=user.version + 1)

    def _item(self, user: User) -> UserItem:
        item = self._users(
            self._user_pk(user.username),
            _USER_SK,
            username=user.username,
            status=user.status,
            email=user.email,
            email_verified=user.email_verified,
            attributes=dict(user.attributes),
            groups=list(user.groups),
            salt=user.credentials.salt,
            verifier=user.credentials.verifier,
            created_at=user.created_at,
            updated_at=user.updated_at,
            failed_sign_ins=user.failed_sign_ins,
            last_failure_at=user.last_failure_at,
            locked_until=user.locked_until,
            session_epoch=user.session_epoch,
            code_sends=list(user.code_sends),
        )
        if user.version:
            # pynamodb checks the version it holds and writes the next one.
            item.version = user.version
        return item

    # ---------------------------------------------------------------- codes

    def put_code(self, code: Code) -> None:
        self._codes(
            self._user_pk(code.username),
            f"CODE#{code.purpose}",
            code_hash=code.code_hash,
            expires_at=code.expires_at,
            failed_attempts=code.failed_attempts,
            destination=code.destination,
            ttl=_expiry(code.expires_at + _KEEP_AFTER_EXPIRY_S),
        ).save()

    def code(self, username: str, purpose: str) -> Code | None:
        try:
            item = self._codes.get(self._user_pk(username), f"CODE#{purpose}", consistent_read=True)
        except DoesNotExist:
            return None
        return Code(
            username=username,
            purpose=purpose,
            code_hash=item.code_hash,
            expires_at=float(item.expires_at),
            failed_attempts=int(item.failed_attempts),
            destination=item.destination,
        )

    def code_failed(self, code: Code) -> None:
        """Count one wrong try against the code, unless it was replaced meanwhile."""
        item = self._codes(self._user_pk(code.username), f"CODE#{code.purpose}")
        try:
            item.update(
                actions=[self._codes.failed_attempts.add(1)],
                condition=self._codes.code_hash == code.code_hash,
            )
        except UpdateError as exc:
            if exc.cause_response_code != _CONDITION_FAILED:
                raise

    def delete_code(self, username: str, purpose: str) -> None:
        self._codes(self._user_pk(username), f"CODE#{purpose}").delete()

    # ---------------------------------------------------------------- sessions

    def put_session(self, session: Session) -> None:
        self._sessions(
            f"{self._pool}#SESSION#{session.origin_jti}",
            "SESSION",
            username=session.username,
            client_id=session.client_id,
            refresh_hash=session.refresh_hash,
            epoch=session.epoch,
            revoked=session.revoked,
            auth_time=session.auth_time,
            event_id=session.event_id,
            expires_at=session.expires_at,
            ttl=_expiry(session.expires_at + _KEEP_AFTER_EXPIRY_S),
        ).save()

    def session(self, origin_jti: str) -> Session | None:
        try:
            item = self._sessions.get(
                f"{self._pool}#SESSION#{origin_jti}", "SESSION", consistent_read=True
            )
        except DoesNotExist:
            return None
        return Session(
            origin_jti=origin_jti,
            username=item.username,
            client_id=item.client_id,
            refresh_hash=item.refresh_hash,
            epoch=int(item.epoch),
            revoked=bool(item.revoked),
            auth_time=int(item.auth_time),
            event_id=item.event_id,
            expires_at=float(item.expires_at),
        )

    def revoke_session(self, origin_jti: str) -> None:
        item = self._sessions(f"{self._pool}#SESSION#{origin_jti}", "SESSION")
        try:
            item.update(
                actions=[self._sessions.revoked.set(True)],
                condition=self._sessions.pk.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code != _CONDITION_FAILED:
                raise

    # ---------------------------------------------------------------- SRP challenges

    def use_challenge(self, challenge_id: str, *, expires_at: float) -> bool:
        """Record that a challenge was answered; False if it already was."""
        item = self._challenges(
            f"{self._pool}#SRP#{challenge_id}", "USED", ttl=_expiry(expires_at + 60)
        )
        try:
            item.save(condition=self._challenges.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True


def _user(item: UserItem) -> User:
    attributes: dict[str, Any] = item.attributes.as_dict() if item.attributes else {}  # type: ignore[no-untyped-call]
    return User(
        username=item.username,
        status=item.status,
        email=item.email,
        email_verified=bool(item.email_verified),
        credentials=Verifier(salt=item.salt, verifier=item.verifier),
        attributes=MappingProxyType({str(k): str(v) for k, v in attributes.items()}),
        groups=tuple(item.groups or ()),
        created_at=float(item.created_at),
        updated_at=float(item.updated_at),
        failed_sign_ins=int(item.failed_sign_ins or 0),
        last_failure_at=_optional_float(item.last_failure_at),
        locked_until=_optional_float(item.locked_until),
        session_epoch=int(item.session_epoch or 0),
        code_sends=tuple(float(t) for t in item.code_sends or ()),
        version=int(item.version or 0),
    )


def _expiry(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _transaction_failure(
    exc: TransactWriteError, taken: type[Exception], *, alias_at: int
) -> Exception:
    """`taken()` if the new alias's condition failed, ConflictError if another did.

    `alias_at` is the alias's place among the transaction's items, which pynamodb sends
    in the order condition checks, deletes, puts, updates (not the order they were added).
    """
    if exc.cause_response_code == "TransactionCanceledException":
        reasons = [r.code if r is not None else None for r in exc.cancellation_reasons or ()]
        # A transaction names a failed condition without the "Exception" suffix.
        if len(reasons) > alias_at and reasons[alias_at] == "ConditionalCheckFailed":
            return taken()
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            return ConflictError()
    return exc
