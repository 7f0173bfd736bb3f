"""How the dev user pool keeps its users: one DynamoDB table, several kinds of item.

Every key starts with the pool id, so pools never see each other's users. Passwords are never
stored: a user item holds the SRP salt and verifier (v = g^x mod N) only; codes and refresh
tokens are kept as keyed hashes.

| item | pk | sk |
|---|---|---|
| user | `<pool>#USER#<username>` | `USER` |
| email alias (unique) | `<pool>#EMAIL#<lower-case email>` | `ALIAS` |
| one-time code | `<pool>#USER#<username>` | `CODE#<purpose>` |
| sign-in session (refresh token) | `<pool>#SESSION#<origin_jti>` | `SESSION` |
| answered SRP challenge | `<pool>#SRP#<challenge id>` | `USED` |
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.models import Model


class UserPoolItem(Model):
    """The table: every kind of item below shares its keys and its expiry attribute."""

    class Meta:
        table_name = "dev_user_pool"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    ttl = TTLAttribute(null=True)


class UserItem(UserPoolItem):
    """A user: identity, attributes, status, SRP verifier and sign-in failure counters."""

    username = UnicodeAttribute()
    status = UnicodeAttribute()
    email = UnicodeAttribute()
    email_verified = BooleanAttribute()
    attributes: MapAttribute[str, Any] = MapAttribute()  # type: ignore[no-untyped-call]
    # pynamodb's stubs type a list of primitives by the Python type its items read back as.
    groups: ListAttribute[str] = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    salt = UnicodeAttribute()
    verifier = UnicodeAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    failed_sign_ins = NumberAttribute(default=0)
    last_failure_at = NumberAttribute(null=True)
    locked_until = NumberAttribute(null=True)
    session_epoch = NumberAttribute(default=0)
    code_sends: ListAttribute[float] = ListAttribute(of=NumberAttribute, default=list)  # type: ignore[arg-type]
    version = VersionAttribute()


class AliasItem(UserPoolItem):
    """An email taken by a user: its existence is what keeps emails unique."""

    username = UnicodeAttribute()


class CodeItem(UserPoolItem):
    """A one-time code (confirmation, reset, attribute verification), as a keyed hash."""

    code_hash = UnicodeAttribute()
    expires_at = NumberAttribute()
    failed_attempts = NumberAttribute(default=0)
    destination = UnicodeAttribute()


class SessionItem(UserPoolItem):
    """One sign-in: its refresh token's hash, and whether it was revoked."""

    username = UnicodeAttribute()
    client_id = UnicodeAttribute()
    refresh_hash = UnicodeAttribute()
    epoch = NumberAttribute()
    revoked = BooleanAttribute(default=False)
    auth_time = NumberAttribute()
    event_id = UnicodeAttribute()
    expires_at = NumberAttribute()


class UsedChallengeItem(UserPoolItem):
    """An SRP challenge already answered: a SECRET_BLOCK verifies once only."""


# The tables the dev identity provider creates (bnpl/tables.py): the one above.
MODELS: tuple[type[Model], ...] = (UserPoolItem,)
