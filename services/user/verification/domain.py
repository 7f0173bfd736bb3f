"""Verification challenges: a one-time code sent to the customer's phone or email, and the rules
that guard it. Pure: no web, storage or AWS; the clock and the random source are passed in.

Rules: a 6-digit code, kept only as a salted scrypt hash; it expires after 10 minutes and
allows 5 attempts (the 5th wrong one locks it); it is accepted once; a customer may start at most
5 challenges in any rolling hour. The hour is enforced with 5 *slots* per customer: a challenge
takes a slot that is free or whose challenge is over an hour old, so "6 in an hour" cannot happen
even when starts race (storage claims a slot with a conditional write).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from services.shared.errors import (
    ChallengeExpired,
    ChallengeLocked,
    ChallengeUsed,
    NotFound,
    RateLimited,
    ServiceError,
    ValidationError,
)
from services.shared.timestamps import iso_timestamp

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CHALLENGES_PER_WINDOW = 5
RATE_WINDOW = timedelta(hours=1)
SLOTS = range(MAX_CHALLENGES_PER_WINDOW)
SALT_BYTES = 16
MASK = "\u2022"  # •

# Why scrypt and not HMAC-SHA256: a 6-digit code has only a million values, so with a fast hash
# anyone who can read the table tries them all in about a second, well inside the code's
# 10 minutes. scrypt at these parameters (16 MiB, some tens of ms a try) makes that take hours per
# challenge. The per-challenge random salt stops one precomputed table from serving every
# challenge. The cost is paid once per confirmation, which is rate limited anyway.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_CODE = re.compile(rf"^[0-9]{{{CODE_DIGITS}}}$")

# E.164 country codes are prefix-free: every code starting with 1 or 7 has one digit, these have
# two, and all the others three. Enough to keep the country code visible in a masked number.
_TWO_DIGIT_COUNTRY_CODES = frozenset(
    re.findall(
        r"\d\d",
        "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
        "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98",
    )
)


class Channel(StrEnum):
    """Where the code goes."""

    SMS = "SMS"
    EMAIL = "EMAIL"


class ChallengeStatus(StrEnum):
    """A challenge's stored state. Locked and expired are derived (attempts, clock), not stored:
    the conditional writes check them directly, so there is no status to fall out of date."""

    # Slot claimed, code not yet handed to the messaging provider: cannot be confirmed.
    SENDING = "SENDING"
    OPEN = "OPEN"
    USED = "USED"


class RandomSource(Protocol):
    """Where codes, salts and ids come from; the `secrets` module is one."""

    def randbelow(self, exclusive_upper_bound: int, /) -> int: ...

    def token_bytes(self, nbytes: int | None = None, /) -> bytes: ...


@dataclass(frozen=True, kw_only=True)
class Challenge:
    """One verification code sent to one destination of one customer.

    `slot` is which of the customer's rate-limit slots the challenge occupies.
    """

    id: str
    customer_id: str
    slot: int
    channel: Channel
    destination_hint: str
    salt: bytes
    code_hash: bytes
    status: ChallengeStatus
    attempts: int
    created_at: datetime
    expires_at: datetime

    @property
    def retain_until(self) -> datetime:
        """When storage may forget it (its TTL): once it no longer counts against the limit."""
        return max(self.expires_at, self.created_at + RATE_WINDOW)

    @property
    def locked(self) -> bool:
        return self.attempts >= MAX_ATTEMPTS

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def ensure_confirmable(self, now: datetime) -> None:
        """Raise the error that says why this challenge cannot take a code now, if any.

        Raises:
            ChallengeUsed: the code was accepted already.
            ChallengeLocked: too many wrong codes.
            ChallengeExpired: the 10 minutes are up.
            NotFound: the code was never sent (the send failed or is still under way).
        """
        if self.status is ChallengeStatus.USED:
            raise ChallengeUsed("This code has been used already; start a new verification")
        if self.status is ChallengeStatus.SENDING:
            raise NotFound("Verification challenge not found")
        if self.locked:
            raise ChallengeLocked(
                f"{MAX_ATTEMPTS} wrong codes locked this challenge; start a new verification",
                details={"remainingAttempts": 0},
            )
        if self.expired(now):
            minutes = int(CODE_LIFETIME.total_seconds() // 60)
            raise ChallengeExpired(
                f"This code has expired (codes last {minutes} minutes); start a new verification"
            )

    def matches(self, code: str) -> bool:
        """Whether `code` is the one sent (in constant time)."""
        return hmac.compare_digest(hash_code(code, self.salt), self.code_hash)

    def to_json(self) -> dict[str, Any]:
        """The API's `VerificationChallenge`."""
        return {
            "challengeId": self.id,
            "channel": self.channel.value,
            "destinationHint": self.destination_hint,
            "expiresAt": iso_timestamp(self.expires_at),
        }


def hash_code(code: str, salt: bytes) -> bytes:
    """The stored form of a code: scrypt(code, salt)."""
    return hashlib.scrypt(code.encode(), salt=salt, **_SCRYPT)


def new_code(random: RandomSource) -> str:
    """A uniformly random 6-digit code, leading zeros kept."""
    return f"{random.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def issue(
    *,
    customer_id: str,
    channel: Channel,
    destination: str,
    slot: int,
    now: datetime,
    random: RandomSource,
) -> tuple[Challenge, str]:
    """A new challenge (not yet sent) and its code in clear, which only the sender may see."""
    code = new_code(random)
    salt = random.token_bytes(SALT_BYTES)
    challenge = Challenge(
        id="vc_" + random.token_bytes(16).hex(),
        customer_id=customer_id,
        slot=slot,
        channel=channel,
        destination_hint=destination_hint(channel, destination),
        salt=salt,
        code_hash=hash_code(code, salt),
        status=ChallengeStatus.SENDING,
        attempts=0,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    return challenge, code


def opened(challenge: Challenge) -> Challenge:
    """The challenge once its code has been handed to the provider."""
    return replace(challenge, status=ChallengeStatus.OPEN)


def choose_slot(started: Mapping[int, datetime], *, now: datetime) -> int:
    """The rate-limit slot a new challenge may take.

    Args:
        started: when the challenge in each occupied slot was created.
        now: the current time.

    Raises:
        RateLimited: every slot holds a challenge from the last hour; `retryAfterSeconds` says
            when the oldest one stops counting.
    """
    for slot in SLOTS:
        created = started.get(slot)
        if created is None or slot_is_free(created, now=now):
            return slot
    oldest = min(started[slot] for slot in SLOTS)
    wait = math.ceil((oldest + RATE_WINDOW - now).total_seconds())
    raise RateLimited(
        f"At most {MAX_CHALLENGES_PER_WINDOW} verifications an hour; try again in {wait} s",
        details={"retryAfterSeconds": max(wait, 1)},
    )


def slot_is_free(created: datetime, *, now: datetime) -> bool:
    """Whether a slot whose challenge was created at `created` may be reused at `now`."""
    return created <= now - RATE_WINDOW


def wrong_code_error(attempts: int) -> ServiceError:
    """The error for a wrong code, given the attempts made so far (this one included)."""
    remaining = max(MAX_ATTEMPTS - attempts, 0)
    if remaining == 0:
        return ChallengeLocked(
            f"Wrong code, and that was the last of {MAX_ATTEMPTS} attempts; start a new "
            "verification",
            details={"remainingAttempts": 0},
        )
    return ValidationError(
        f"Wrong code; {remaining} attempt{'s' if remaining > 1 else ''} left",
        field="code",
        details={"remainingAttempts": remaining},
    )


def parse_channel(payload: Mapping[str, Any]) -> Channel:
    """The `channel` of a start request: SMS or EMAIL."""
    _refuse_unknown(payload, {"channel"})
    value = payload.get("channel")
    if not isinstance(value, str) or value not in Channel.__members__:
        raise ValidationError("channel must be SMS or EMAIL", field="channel")
    return Channel(value)


def parse_code(payload: Mapping[str, Any]) -> str:
    """The `code` of a confirm request: exactly 6 digits (a malformed code costs no attempt)."""
    _refuse_unknown(payload, {"code"})
    value = payload.get("code")
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise ValidationError(f"code must be the {CODE_DIGITS} digits sent", field="code")
    return value


def _refuse_unknown(payload: Mapping[str, Any], allowed: set[str]) -> None:
    for name in payload:
        if name not in allowed:
            raise ValidationError(f"unknown field {name!r}", field=str(name))


def destination_hint(channel: Channel, destination: str) -> str:
    """The destination as the customer may see it: masked."""
    return mask_phone(destination) if channel is Channel.SMS else mask_email(destination)


def mask_phone(phone: str) -> str:
    """`+447700900123` → `+44•••••••123`: the country code and the last 3 digits stay.

    Example:
        >>> mask_phone("+14155550123")
        '+1•••••••123'
    """
    digits = phone.removeprefix("+")
    if digits[:1] in {"1", "7"}:
        country = digits[:1]
    elif digits[:2] in _TWO_DIGIT_COUNTRY_CODES:
        country = digits[:2]
    else:
        country = digits[:3]
    rest = digits[len(country) :]
    shown = rest[-3:] if len(rest) > 3 else ""
    return f"+{country}{MASK * (len(rest) - len(shown))}{shown}"


def mask_email(email: str) -> str:
    """`ada@example.com` → `a•••@example.com`: the first letter and the domain stay; the number
    of bullets is fixed so the length of the name is not revealed."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"
