"""Customers: who they are and the rules their profile obeys. Pure: no web, storage or AWS."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from services.shared.errors import ValidationError
from services.shared.timestamps import iso_timestamp
from services.user.customers.countries import COUNTRY_CODES

MIN_AGE_YEARS = 18
# Nobody alive is older; a date before this is a typo.
MAX_AGE_YEARS = 130
NAME_MAX_CHARS = 100
ADDRESS_LINE_MAX_CHARS = 100
POSTCODE_MAX_CHARS = 16
# E.164: a plus, then at most 15 digits in all, the country code first (which never starts with 0).
PHONE_MAX_DIGITS = 15

_E164 = re.compile(rf"^\+[1-9]\d{{1,{PHONE_MAX_DIGITS - 1}}}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

PROFILE_FIELDS = ("givenName", "familyName", "dateOfBirth", "phone", "address")
_REQUIRED_ON_REGISTRATION = ("givenName", "familyName", "dateOfBirth")
_ADDRESS_FIELDS = ("line1", "line2", "city", "postcode", "country")


class VerificationStatus(StrEnum):
    """Whether the customer has proved they control their phone or email."""

    UNVERIFIED = "UNVERIFIED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"


@dataclass(frozen=True, kw_only=True)
class Address:
    """A postal address; `country` is an ISO 3166-1 alpha-2 code."""

    line1: str
    line2: str | None
    city: str
    postcode: str
    country: str

    def to_json(self) -> dict[str, Any]:
        """The API's `Address`."""
        return {
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "postcode": self.postcode,
            "country": self.country,
        }


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What a customer tells us about themselves when they register."""

    given_name: str
    family_name: str
    date_of_birth: date
    phone: str | None = None
    address: Address | None = None


@dataclass(frozen=True, kw_only=True)
class Customer:
    """A shopper's profile. `id` is the subject of their sign-in token; `email` comes from it."""

    id: str
    email: str | None
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str | None
    address: Address | None
    verification_status: VerificationStatus
    created_at: datetime

    @classmethod
    def register(
        cls,
        *,
        customer_id: str,
        email: str | None,
        profile: Profile,
        created_at: datetime,
        verification_status: VerificationStatus = VerificationStatus.UNVERIFIED,
    ) -> Customer:
        """A newly registered customer (unverified unless told otherwise)."""
        return cls(
            id=customer_id,
            email=email,
            given_name=profile.given_name,
            family_name=profile.family_name,
            date_of_birth=profile.date_of_birth,
            phone=profile.phone,
            address=profile.address,
            verification_status=verification_status,
            created_at=created_at,
        )

    def with_changes(self, changes: ProfileChanges) -> Customer:
        """This customer with `changes` applied (fields not in `changes` stay as they are)."""
        return replace(self, **changes.values)

    def to_json(self) -> dict[str, Any]:
        """The API's `Customer`, camelCase."""
        return {
            "id": self.id,
            "email": self.email,
            "phone": self.phone,
            "givenName": self.given_name,
            "familyName": self.family_name,
            "dateOfBirth": self.date_of_birth.isoformat(),
            "address": self.address.to_json() if self.address else None,
            "verificationStatus": self.verification_status.value,
            "createdAt": iso_timestamp(self.created_at),
        }


@dataclass(frozen=True)
class ProfileChanges:
    """A validated partial update: `Customer` attribute name → new value (None clears)."""

    values: Mapping[str, Any]


def parse_registration(payload: Mapping[str, Any], *, today: date) -> Profile:
    """Validate a registration request (`givenName`, `familyName`, `dateOfBirth`, ...).

    Args:
        payload: the decoded JSON body.
        today: the date ages are computed on (UTC).

    Raises:
        ValidationError: naming the first field at fault.

    Example:
        >>> parse_registration(
        ...     {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"},
        ...     today=date(2026, 1, 1),
        ... ).given_name
        'Ada'
    """
    _refuse_unknown(payload)
    for name in _REQUIRED_ON_REGISTRATION:
        if payload.get(name) is None:
            raise ValidationError(f"{name} is required", field=name)
    values = _parse_fields(payload, today=today)
    return Profile(**values)


def parse_changes(payload: Mapping[str, Any], *, today: date) -> ProfileChanges:
    """Validate an update: any subset of the registration fields.

    `phone` and `address` may be null to remove them; the names and date of birth may not.

    Raises:
        ValidationError: naming the first field at fault.
    """
    _refuse_unknown(payload)
    for name in _REQUIRED_ON_REGISTRATION:
        if name in payload and payload[name] is None:
            raise ValidationError(f"{name} cannot be removed", field=name)
    return ProfileChanges(_parse_fields(payload, today=today))


def _refuse_unknown(payload: Mapping[str, Any]) -> None:
    if "email" in payload:
        raise ValidationError("email comes from the sign-in token and cannot be set", field="email")
    for name in payload:
        if name not in PROFILE_FIELDS:
            raise ValidationError(f"unknown field {name!r}", field=str(name))


def _parse_fields(payload: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "givenName" in payload:
        values["given_name"] = parse_name(payload["givenName"], field="givenName")
    if "familyName" in payload:
        values["family_name"] = parse_name(payload["familyName"], field="familyName")
    if "dateOfBirth" in payload:
        values["date_of_birth"] = parse_date_of_birth(payload["dateOfBirth"], today=today)
    if "phone" in payload:
        values["phone"] = None if payload["phone"] is None else parse_phone(payload["phone"])
    if "address" in payload:
        raw = payload["address"]
        values["address"] = None if raw is None else parse_address(raw)
    return values


def _text(value: object, *, field: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string", field=field)
    text = value.strip()
    if not text:
        raise ValidationError(f"{field} must not be empty", field=field)
    if len(text) > max_chars:
        raise ValidationError(f"{field} must be at most {max_chars} characters", field=field)
    if _CONTROL.search(text):
        raise ValidationError(f"{field} must not contain control characters", field=field)
    return text


def parse_name(value: object, *, field: str) -> str:
    """A given or family name: 1 to 100 characters once surrounding spaces are trimmed."""
    return _text(value, field=field, max_chars=NAME_MAX_CHARS)


def parse_date_of_birth(value: object, *, today: date) -> date:
    """An ISO date (`YYYY-MM-DD`) of someone at least 18 and at most 130 years old on `today`."""
    field = "dateOfBirth"
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValidationError(f"{field} must be a date as YYYY-MM-DD", field=field)
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} {value!r} is not a real date", field=field) from None
    if born > today:
        raise ValidationError(f"{field} must not be in the future", field=field)
    age = age_on(born, today)
    if age < MIN_AGE_YEARS:
        raise ValidationError(f"customers must be at least {MIN_AGE_YEARS} years old", field=field)
    if age > MAX_AGE_YEARS:
        raise ValidationError(f"{field} must be within the last {MAX_AGE_YEARS} years", field=field)
    return born


def age_on(born: date, today: date) -> int:
    """Whole years between `born` and `today` (a 29 February birthday counts from 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_phone(value: object) -> str:
    """A phone number in E.164 form (at most 15 digits), e.g. `+447700900123`."""
    if not isinstance(value, str) or not _E164.fullmatch(value):
        raise ValidationError(
            f"phone must be in E.164 form: + then country code and number, at most "
            f"{PHONE_MAX_DIGITS} digits, e.g. +447700900123",
            field="phone",
        )
    return value


def parse_address(value: object) -> Address:
    """A postal address with an ISO 3166-1 alpha-2 country."""
    if not isinstance(value, Mapping):
        raise ValidationError("address must be an object", field="address")
    for name in value:
        if name not in _ADDRESS_FIELDS:
            raise ValidationError(f"unknown field {name!r}", field=f"address.{name}")
    for name in ("line1", "city", "postcode", "country"):
        if value.get(name) is None:
            raise ValidationError(f"address.{name} is required", field=f"address.{name}")
    line2 = value.get("line2")
    country = value["country"]
    if not isinstance(country, str) or country not in COUNTRY_CODES:
        raise ValidationError(
            "address.country must be an ISO 3166-1 alpha-2 code such as GB",
            field="address.country",
        )
    return Address(
        line1=_text(value["line1"], field="address.line1", max_chars=ADDRESS_LINE_MAX_CHARS),
        line2=None
        if line2 is None or (isinstance(line2, str) and not line2.strip())
        else _text(line2, field="address.line2", max_chars=ADDRESS_LINE_MAX_CHARS),
        city=_text(value["city"], field="address.city", max_chars=ADDRESS_LINE_MAX_CHARS),
        postcode=_text(value["postcode"], field="address.postcode", max_chars=POSTCODE_MAX_CHARS),
        country=country,
    )
