"""Customers: the shopper's profile, kept by the user service."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.scalars import AWSDate, AWSDateTime, AWSEmail, AWSPhone

_NAME = "1 to 100 characters once surrounding spaces are trimmed; no control characters."
_DATE_OF_BIRTH = "The customer must be 18 to 130 years old."
_PHONE = "E.164: + then the country code and number, at most 15 digits, e.g. +447700900123."
_LINE = "1 to 100 characters once trimmed."


@strawberry.enum(description="Whether the customer has proved they control their phone or email.")
class VerificationStatus(Enum):
    UNVERIFIED = "UNVERIFIED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"


@strawberry.type(description="A postal address.")
class Address:
    line1: str
    line2: str | None
    city: str
    postcode: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. GB.")


@strawberry.input(description="A postal address.")
class AddressInput:
    line1: str = strawberry.field(description=_LINE)
    line2: str | None = strawberry.field(
        default=strawberry.UNSET, description="At most 100 characters; blank means none."
    )
    city: str = strawberry.field(description=_LINE)
    postcode: str = strawberry.field(description="1 to 16 characters once trimmed.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. GB.")


@strawberry.type(description="A shopper's profile. Its id is the subject of their sign-in token.")
class Customer:
    id: strawberry.ID
    email: AWSEmail | None = strawberry.field(description="From the sign-in token, never input.")
    phone: AWSPhone | None
    given_name: str | None
    family_name: str | None
    date_of_birth: AWSDate | None
    address: Address | None
    verification_status: VerificationStatus
    created_at: AWSDateTime


@strawberry.input(description="The profile a signed-in shopper registers with.")
class RegisterCustomerInput:
    given_name: str = strawberry.field(description=_NAME)
    family_name: str = strawberry.field(description=_NAME)
    date_of_birth: AWSDate = strawberry.field(description=_DATE_OF_BIRTH)
    phone: AWSPhone | None = strawberry.field(default=strawberry.UNSET, description=_PHONE)
    address: AddressInput | None = strawberry.UNSET


@strawberry.input(description="Changes to a profile; fields left out stay as they are.")
class UpdateCustomerInput:
    given_name: str | None = strawberry.field(default=strawberry.UNSET, description=_NAME)
    family_name: str | None = strawberry.field(default=strawberry.UNSET, description=_NAME)
    date_of_birth: AWSDate | None = strawberry.field(
        default=strawberry.UNSET, description=_DATE_OF_BIRTH
    )
    phone: AWSPhone | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_PHONE} Null removes it."
    )
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description="Null removes it."
    )
