"""The verification routes' part of the user service's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.shared.ids import ID_MAX_CHARS
from services.shared.openapi import errors, json_body, link, ref

PATHS: dict[str, Any] = {
    "/customers/me/verifications": {
        "post": {
            "summary": "Send a one-time code to the signed-in customer's phone or email",
            "description": (
                "A 6-digit code, valid for 10 minutes, is sent by SMS (to the profile's phone) or "
                "email. At most 5 challenges in any rolling hour (429 RateLimited with "
                "`details.retryAfterSeconds`). An UNVERIFIED customer becomes PENDING. A send "
                "that fails (502) leaves no usable code and does not count against the limit."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("StartVerificationInput")}},
            },
            "responses": {
                "201": {
                    **json_body(ref("VerificationChallenge"), "The code was sent."),
                    "links": {
                        "ConfirmCode": link(
                            "/customers/me/verifications/{challengeId}/confirm",
                            "post",
                            "challengeId",
                            "$response.body#/challengeId",
                        )
                    },
                },
                **errors(400, 403, 404, 413, 429, 502),
            },
        }
    },
    "/customers/me/verifications/{challengeId}/confirm": {
        "post": {
            "summary": "Check a code; the right one makes the customer VERIFIED",
            "description": (
                "A wrong code is 400 ValidationError with `details.remainingAttempts`; the 5th "
                "wrong code, and every try after it, is 409 ChallengeLocked. An expired code is "
                "410 ChallengeExpired; a code already accepted is 409 ChallengeUsed. Another "
                "customer's challenge is 404. Concurrent confirmations succeed at most once."
            ),
            "parameters": [
                {
                    "name": "challengeId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": ID_MAX_CHARS},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("ConfirmVerificationInput")}},
            },
            "responses": {
                "200": json_body(ref("Customer"), "Verified: the customer's profile."),
                **errors(400, 403, 404, 409, 410, 413, 502),
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "StartVerificationInput": {
        "type": "object",
        "required": ["channel"],
        "additionalProperties": False,
        "properties": {"channel": {"type": "string", "enum": ["SMS", "EMAIL"]}},
    },
    "ConfirmVerificationInput": {
        "type": "object",
        "required": ["code"],
        "additionalProperties": False,
        "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}},
    },
    "VerificationChallenge": {
        "type": "object",
        "required": ["challengeId", "channel", "destinationHint", "expiresAt"],
        "properties": {
            "challengeId": {"type": "string"},
            "channel": {"type": "string", "enum": ["SMS", "EMAIL"]},
            "destinationHint": {
                "type": "string",
                "description": "Masked: +44•••••••123 or a•••@example.com.",
            },
            "expiresAt": {"type": "string", "format": "date-time"},
        },
    },
}
