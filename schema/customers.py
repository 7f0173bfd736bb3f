"""Customers: the shopper's profile, kept by the user service."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.scalars import AWSDate, AWSDateTime, AWSEmail, AWSPhone


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
    line1: str
    line2: str | None = strawberry.UNSET
    city: str
    postcode: str
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
    given_name: str
    family_name: str
    date_of_birth: AWSDate = strawberry.field(description="The customer must be 18 or older.")
    phone: AWSPhone | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET


@strawberry.input(description="Changes to a profile; fields left out stay as they are.")
class UpdateCustomerInput:
    given_name: str | None = strawberry.UNSET
    family_name: str | None = strawberry.UNSET
    date_of_birth: AWSDate | None = strawberry.UNSET
    phone: AWSPhone | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET
