"""A user of the pool and the rules on its attributes (Cognito's standard attributes)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bnpl.idp import errors, srp

UNCONFIRMED = "UNCONFIRMED"
CONFIRMED = "CONFIRMED"

# The standard attributes a user may write; the pool has no custom attributes.
WRITABLE_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    }
)
# Attributes the pool keeps itself: a client writing one is refused.
READ_ONLY_ATTRIBUTES = frozenset({"sub", "email_verified", "phone_number_verified", "identities"})
MAX_ATTRIBUTE_VALUE = 2048

# Deliberately loose: one @, something on either side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[1-9]\d{4,14}")
_BIRTHDATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, kw_only=True)
class Verifier:
    """What the pool keeps of a password: the SRP salt and verifier, as padded hex."""

    salt: str
    verifier: str

    @classmethod
    def for_password(cls, pool_name: str, username: str, password: str) -> Verifier:
        salt = srp.new_salt()
        value = srp.verifier(pool_name, username, password, salt)
        return cls(salt=srp.pad_hex(salt), verifier=srp.pad_hex(value))

    def matches(self, pool_name: str, username: str, password: str) -> bool:
        """Whether `password` gives this verifier (USER_PASSWORD_AUTH, ChangePassword)."""
        value = srp.verifier(pool_name, username, password, int(self.salt, 16))
        return srp.pad_hex(value) == self.verifier


@dataclass(frozen=True, kw_only=True)
class User:
    """A user. Its `username` is its `sub` (Cognito's choice for pools that sign in by email),
    which is also the `USER_ID_FOR_SRP` of its SRP sign-ins.

    Attributes:
        attributes: standard attributes other than sub, email and email_verified.
        failed_sign_ins: consecutive failed password proofs.
        locked_until: epoch seconds until which sign-in is refused (lockout).
        session_epoch: bumped by GlobalSignOut; sessions of an older epoch are revoked.
        code_sends: when codes were sent to the user in the last hour (epoch seconds).
        version: the stored item's version, for optimistic updates (0: not stored yet).
    """

    username: str
    status: str
    email: str
    email_verified: bool
    credentials: Verifier
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    groups: tuple[str, ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0
    failed_sign_ins: int = 0
    last_failure_at: float | None = None
    locked_until: float | None = None
    session_epoch: int = 0
    code_sends: tuple[float, ...] = ()
    version: int = 0

    @property
    def sub(self) -> str:
        return self.username

    @property
    def confirmed(self) -> bool:
        return self.status == CONFIRMED

    def attribute_list(self) -> list[dict[str, str]]:
        """GetUser's `UserAttributes`: sub, email, email_verified and the rest, by name."""
        listed = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": "true" if self.email_verified else "false",
            **self.attributes,
        }
        return [{"Name": name, "Value": listed[name]} for name in sorted(listed)]


def email_key(email: str) -> str:
    """Emails are usernames, and Terraform's pool compares usernames case-insensitively."""
    return email.strip().lower()


def is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


def masked_email(email: str) -> str:
    """How Cognito shows where a code went: `a***@e***`."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def validated_attributes(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The attributes a client asks to write, checked as Cognito checks them.

    Raises:
        CognitoError: NotAuthorizedException for an attribute the pool keeps itself,
            InvalidParameterException for an unknown attribute or a malformed value.
    """
    written: dict[str, str] = {}
    for name, value in pairs:
        if name in READ_ONLY_ATTRIBUTES or name.startswith("cognito:"):
            raise errors.not_authorized("A client attempted to write unauthorized attribute")
        if name not in WRITABLE_ATTRIBUTES:
            raise errors.invalid_parameter(f"Attribute does not exist in the schema: {name}")
        if len(value) > MAX_ATTRIBUTE_VALUE:
            raise errors.invalid_parameter(f"{name}: value is too long")
        if name == "email" and not is_email(value):
            raise errors.invalid_parameter("Invalid email address format.")
        if name == "phone_number" and _PHONE.fullmatch(value) is None:
            raise errors.invalid_parameter("Invalid phone number format.")
        if name == "birthdate" and _BIRTHDATE.fullmatch(value) is None:
            raise errors.invalid_parameter("birthdate: Value must be YYYY-MM-DD.")
        written[name] = value
    return written
