"""The bank's consent notifications, in the user service's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.shared.ids import ID_MAX_CHARS
from services.shared.openapi import json_body, ref
from services.user.consents.endpoints import MAX_NOTIFICATION_BYTES, NOTIFICATIONS
from services.user.consents.notifications import RETENTION, NotificationType

_SIGNATURE_HEADER_DESCRIPTIONS = {
    "webhook-id": (
        "The notification's id, the same on every delivery of it (1 to "
        f"{ID_MAX_CHARS} characters). Each id is applied once; ids are remembered for "
        f"{RETENTION.days} days."
    ),
    "webhook-timestamp": (
        "When this delivery was signed, in whole seconds since the Unix epoch; refused when more "
        "than 5 minutes from the user service's clock."
    ),
    "webhook-signature": (
        "`v1,<base64 HMAC-SHA256 of '<webhook-id>.<webhook-timestamp>.<body>'>` under the "
        "bank's `whsec_` secret; several may be given, separated by spaces."
    ),
}

PATHS: dict[str, Any] = {
    NOTIFICATIONS: {
        "post": {
            "summary": "The bank notifies that it revoked or expired a consent",
            "description": (
                "Called by the bank, not by a customer: no token, but a Standard Webhooks "
                "signature with the bank's secret (BNPL_BANK_WEBHOOK_SECRET; in AWS the "
                "Secrets Manager secret BNPL_BANK_WEBHOOK_SECRET_ARN names), which is its only "
                "authentication. The consent becomes REVOKED (`consent.revoked`) or EXPIRED "
                "(`consent.expired`), and no bank data is read under it again. The "
                "notification id is recorded and the consent changed together, so a repeated "
                "delivery changes nothing. 204 also when there is nothing to change: the id "
                "was applied before, the consent had already ended (REVOKED, REJECTED or "
                "EXPIRED), or the customer has no such consent (which a retry would not "
                "change); the bank need not retry any of them."
            ),
            "security": [],
            "parameters": [
                {
                    "name": name,
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": description,
                }
                for name, description in _SIGNATURE_HEADER_DESCRIPTIONS.items()
            ],
            "requestBody": {
                "required": True,
                "description": f"At most {MAX_NOTIFICATION_BYTES} bytes, signed exactly as sent.",
                "content": {"application/json": {"schema": ref("BankNotification")}},
            },
            "responses": {
                "204": {"description": "Applied, or nothing to apply."},
                "400": json_body(
                    ref("Error"),
                    "ValidationError: signed, but not a notification; `details.field` names the "
                    "field at fault (`webhook-id`, `type`, `timestamp`, `data`, `data.consentId`, "
                    "`data.customerId`).",
                ),
                "401": json_body(
                    ref("Error"),
                    "UnauthorizedException: a signature header is missing, the signature does not "
                    "match, or webhook-timestamp is more than 5 minutes off. Nothing is changed.",
                ),
                "409": json_body(
                    ref("Error"),
                    "InvalidState: the consent kept changing while the notification was applied; "
                    "retry.",
                ),
                "413": json_body(ref("Error"), "Request body too large (ValidationError)."),
                "502": json_body(
                    ref("Error"), "The data store failed; nothing was written (DependencyFailure)."
                ),
                "503": json_body(
                    ref("Error"),
                    "ServiceUnavailable: the user service has no bank webhook secret configured; "
                    "retry once it has.",
                ),
            },
        }
    }
}

SCHEMAS: dict[str, Any] = {
    "BankNotification": {
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "description": "Fields beyond these are ignored.",
        "properties": {
            "type": {"type": "string", "enum": [t.value for t in NotificationType]},
            "timestamp": {
                "type": "string",
                "format": "date-time",
                "description": "When the consent ended at the bank (ISO 8601 with an offset).",
            },
            "data": {
                "type": "object",
                "required": ["consentId", "customerId"],
                "properties": {
                    "consentId": {"type": "string", "minLength": 1, "maxLength": ID_MAX_CHARS},
                    "customerId": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": ID_MAX_CHARS,
                        "description": "The consent's customer: the `sub` of their tokens.",
                    },
                },
            },
        },
    },
}
