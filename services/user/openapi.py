"""The user service's OpenAPI 3.1 document."""

from __future__ import annotations

from services.shared.openapi import document, errors, json_body, ref
from services.user.consents import openapi as consent_openapi
from services.user.customers.countries import COUNTRY_CODES
from services.user.customers.domain import (
    ADDRESS_LINE_MAX_CHARS,
    MAX_AGE_YEARS,
    MIN_AGE_YEARS,
    NAME_MAX_CHARS,
    PHONE_MAX_DIGITS,
    POSTCODE_MAX_CHARS,
)
from services.user.verification import openapi as verification_openapi

# Text is trimmed; what is left must be 1 to `max_chars` characters, none of them a control
# character. The limit applies after trimming, so it is in the pattern, not a maxLength.
_BLANK = r"\s*"
_OK = r"[^\x00-\x1f\x7f]"
_EDGE = r"[^\x00-\x1f\x7f\s]"


def _trimmed(max_chars: int) -> str:
    return rf"{_BLANK}{_EDGE}({_OK}{{0,{max_chars - 2}}}{_EDGE})?{_BLANK}"


def _text(max_chars: int) -> dict[str, object]:
    return {"type": "string", "pattern": f"^{_trimmed(max_chars)}$"}


_ADDRESS = {
    "type": "object",
    "required": ["line1", "city", "postcode", "country"],
    "additionalProperties": False,
    "properties": {
        "line1": _text(ADDRESS_LINE_MAX_CHARS),
        "line2": {
            "type": ["string", "null"],
            "pattern": f"^({_trimmed(ADDRESS_LINE_MAX_CHARS)}|{_BLANK})$",
            "description": "Blank is the same as null.",
        },
        "city": _text(ADDRESS_LINE_MAX_CHARS),
        "postcode": _text(POSTCODE_MAX_CHARS),
        "country": {
            "type": "string",
            "enum": sorted(COUNTRY_CODES),
            "description": "ISO 3166-1 alpha-2",
        },
    },
}
_NAME = _text(NAME_MAX_CHARS)
_PROFILE_PROPERTIES = {
    "givenName": _NAME,
    "familyName": _NAME,
    "dateOfBirth": {
        "type": "string",
        "format": "date",
        "description": f"At least {MIN_AGE_YEARS} and at most {MAX_AGE_YEARS} years ago.",
    },
    "phone": {
        "type": ["string", "null"],
        "pattern": rf"^\+[1-9][0-9]{{1,{PHONE_MAX_DIGITS - 1}}}$",
        "description": f"E.164: at most {PHONE_MAX_DIGITS} digits.",
    },
    "address": {"oneOf": [ref("Address"), {"type": "null"}]},
}

OPENAPI = document(
    title="BNPL user service",
    description=(
        "Customer profiles, verification and open-banking consents. Every route acts for the "
        "customer the token names, except `POST /bank/notifications`, which the bank signs."
    ),
    paths={
        "/customers": {
            "post": {
                "summary": "Register the signed-in customer (idempotent per token subject)",
                "description": "The email comes from the token's `email` claim, never the body.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("RegisterCustomerInput")}},
                },
                "responses": {
                    "201": json_body(ref("Customer"), "Registered."),
                    "200": json_body(ref("Customer"), "Already registered; profile unchanged."),
                    **errors(400, 403, 413),
                },
            }
        },
        "/customers/me": {
            "get": {
                "summary": "The signed-in customer's profile",
                "responses": {
                    "200": json_body(ref("Customer"), "The profile."),
                    **errors(403, 404),
                },
            },
            "patch": {
                "summary": "Change any subset of the signed-in customer's profile",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("UpdateCustomerInput")}},
                },
                "responses": {
                    "200": json_body(ref("Customer"), "The updated profile."),
                    **errors(400, 403, 404, 413),
                },
            },
        },
        **consent_openapi.PATHS,
        **verification_openapi.PATHS,
    },
    schemas={
        "Address": _ADDRESS,
        "RegisterCustomerInput": {
            "type": "object",
            "required": ["givenName", "familyName", "dateOfBirth"],
            "additionalProperties": False,
            "properties": _PROFILE_PROPERTIES,
        },
        "UpdateCustomerInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": _PROFILE_PROPERTIES,
        },
        "Customer": {
            "type": "object",
            "required": ["id", "givenName", "familyName", "verificationStatus", "createdAt"],
            "properties": {
                "id": {"type": "string", "description": "The token's `sub`."},
                "email": {"type": ["string", "null"], "format": "email"},
                **_PROFILE_PROPERTIES,
                "verificationStatus": {
                    "type": "string",
                    "enum": ["UNVERIFIED", "PENDING", "VERIFIED"],
                },
                "createdAt": {"type": "string", "format": "date-time"},
            },
        },
        **consent_openapi.SCHEMAS,
        **verification_openapi.SCHEMAS,
    },
)
