"""The open-banking part of the user service's OpenAPI document (merged in `openapi.py`)."""

from __future__ import annotations

from typing import Any

from services.shared.ids import ID_MAX_CHARS
from services.shared.openapi import errors, json_body, ref
from services.user.consents.domain import (
    TRANSACTION_DIRECTION,
    TRANSACTION_GRANULARITY,
    ConsentStatus,
    Permission,
)
from services.user.consents.endpoints import MAX_NOTIFICATION_BYTES, NOTIFICATIONS
from services.user.consents.notifications import RETENTION, NotificationType

_INVALID_STATE = json_body(
    ref("Error"),
    "InvalidState: the consent's status does not allow this; `details.status` says what it is.",
)
_CONSENT_ID = {
    "name": "consentId",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": ID_MAX_CHARS},
    "description": (
        "A consent of the signed-in customer; anyone else's is NotFound, and so is an id no "
        f"consent can have (over {ID_MAX_CHARS} characters)."
    ),
}
_DATETIME = {"type": "string", "format": "date-time"}


def _link(path: str, method: str) -> dict[str, Any]:
    """A link from a consent in a response to an operation on it (`path` under BASE)."""
    pointer = f"/customers/me/bank-consents/{{consentId}}{path}".replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method}",
        "parameters": {"consentId": "$response.body#/id"},
    }


_CONSENT_LINKS = {
    "GetConsent": _link("", "get"),
    "RevokeConsent": _link("/revoke", "post"),
    "ReconfirmConsent": _link("/reconfirm", "post"),
    "GetBankData": _link("/data", "get"),
}
_AMOUNT = {
    "type": "object",
    "required": ["Amount", "Currency"],
    "properties": {
        "Amount": {
            "type": "integer",
            "minimum": 0,
            "description": "Minor units (not OBIE's decimal string); the sign is "
            "CreditDebitIndicator.",
        },
        "Currency": {"type": "string"},
    },
}
_INDICATOR = {"type": "string", "enum": ["Credit", "Debit"]}
_GRANULARITY = sorted(p.value for p in TRANSACTION_GRANULARITY)
_DIRECTION = sorted(p.value for p in TRANSACTION_DIRECTION)
_OTHER_PERMISSIONS = sorted({p.value for p in Permission} - {*_GRANULARITY, *_DIRECTION})
# Transactions need both a granularity and a direction: none of either, or some of each.
_PERMISSION_SETS = [
    {"items": {"enum": _OTHER_PERMISSIONS}},
    {"allOf": [{"contains": {"enum": _GRANULARITY}}, {"contains": {"enum": _DIRECTION}}]},
]

PATHS: dict[str, Any] = {
    "/customers/me/bank-consents": {
        "post": {
            "summary": "Grant an open-banking account-access consent",
            "description": (
                "Creates the consent AWAITING_AUTHORISATION and has the customer authorise it at "
                "their bank (locally the sandbox bank answers at once): the answer is AUTHORISED, "
                "or REJECTED when the bank refuses. `expiresAt` defaults to 90 days ahead and may "
                "not be later than the bank allows (365 days for the sandbox bank)."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("GrantBankConsentInput")}},
            },
            "responses": {
                "201": {
                    **json_body(ref("BankConsent"), "The consent, as the bank left it."),
                    "links": _CONSENT_LINKS,
                },
                **errors(400, 403, 413, 502),
            },
        },
        "get": {
            "summary": "The signed-in customer's consents, newest first",
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("BankConsent")}},
                    },
                    "The consents.",
                ),
                **errors(403),
            },
        },
    },
    "/customers/me/bank-consents/{consentId}": {
        "parameters": [_CONSENT_ID],
        "get": {
            "summary": "One of the signed-in customer's consents",
            "responses": {
                "200": json_body(ref("BankConsent"), "The consent (EXPIRED once past expiresAt)."),
                **errors(403, 404),
            },
        },
    },
    "/customers/me/bank-consents/{consentId}/revoke": {
        "parameters": [_CONSENT_ID],
        "post": {
            "summary": "Revoke a consent: no bank data is read under it again",
            "description": "The consent stays readable, REVOKED; revoking it again is 409.",
            "responses": {
                "200": json_body(ref("BankConsent"), "The REVOKED consent."),
                **errors(403, 404),
                "409": _INVALID_STATE,
            },
        },
    },
    "/customers/me/bank-consents/{consentId}/reconfirm": {
        "parameters": [_CONSENT_ID],
        "post": {
            "summary": "The customer reconfirms an AUTHORISED consent (UK: every 90 days)",
            "description": "Moves `reconfirmBy` to 90 days from now; bank data reads resume.",
            "responses": {
                "200": json_body(ref("BankConsent"), "The reconfirmed consent."),
                **errors(403, 404),
                "409": _INVALID_STATE,
            },
        },
    },
    "/customers/me/bank-consents/{consentId}/data": {
        "parameters": [
            _CONSENT_ID,
            {
                "name": "fromBookingDateTime",
                "in": "query",
                "schema": _DATETIME,
                "description": "Earliest transaction booking time (default: 366 days before to).",
            },
            {
                "name": "toBookingDateTime",
                "in": "query",
                "schema": _DATETIME,
                "description": "Transactions booked before this (default: now).",
            },
        ],
        "get": {
            "summary": "The customer's bank data under one of their consents",
            "description": (
                "For the credit service, called with the customer's own token. Only under an "
                "AUTHORISED consent that has not expired and whose 90-day reconfirmation is not "
                "overdue; otherwise InvalidState and no bank data at all. Only the resources the "
                "consent's permissions cover are present: `accounts` (ReadAccountsBasic/Detail), "
                "`balances` (ReadBalances), `transactions` (ReadTransactionsCredits/Debits; "
                "narrative, merchant and category only with ReadTransactionsDetail)."
            ),
            "responses": {
                "200": json_body(ref("BankData"), "What the consent lets us read."),
                **errors(400, 403, 404, 502),
                "409": _INVALID_STATE,
            },
        },
    },
}

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

PATHS[NOTIFICATIONS] = {
    "post": {
        "summary": "The bank notifies that it revoked or expired a consent",
        "description": (
            "Called by the bank, not by a customer: no token, but a Standard Webhooks signature "
            "with the bank's secret (BNPL_BANK_WEBHOOK_SECRET; in AWS the Secrets Manager "
            "secret BNPL_BANK_WEBHOOK_SECRET_ARN names), which is its only authentication. The "
            "consent becomes REVOKED (`consent.revoked`) or EXPIRED (`consent.expired`), and no "
            "bank data is read under it again. The notification id is recorded and the consent "
            "changed together, so a repeated delivery changes nothing. 204 also when there is "
            "nothing to change: the id was applied before, the consent had already ended "
            "(REVOKED, REJECTED or EXPIRED), or the customer has no such consent (which a retry "
            "would not change); the bank need not retry any of them."
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

SCHEMAS: dict[str, Any] = {
    "BankNotification": {
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "description": "Fields beyond these are ignored.",
        "properties": {
            "type": {"type": "string", "enum": [t.value for t in NotificationType]},
            "timestamp": {
                **_DATETIME,
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
    "GrantBankConsentInput": {
        "type": "object",
        "required": ["permissions"],
        "additionalProperties": False,
        "properties": {
            "permissions": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "enum": [p.value for p in Permission]},
                "anyOf": _PERMISSION_SETS,
                "description": (
                    "OBIE permissions. Transactions need ReadTransactionsBasic or "
                    "ReadTransactionsDetail together with ReadTransactionsCredits and/or "
                    "ReadTransactionsDebits."
                ),
            },
            "expiresAt": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "In the future, and at most as far ahead as the bank allows. "
                "Absent or null: 90 days from now.",
            },
        },
    },
    "BankConsent": {
        "type": "object",
        "required": ["id", "status", "permissions", "expiresAt", "createdAt", "statusUpdatedAt"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in ConsentStatus]},
            "permissions": {"type": "array", "items": {"type": "string"}},
            "expiresAt": _DATETIME,
            "createdAt": _DATETIME,
            "statusUpdatedAt": _DATETIME,
            "authorisedAt": {"type": ["string", "null"], "format": "date-time"},
            "reconfirmBy": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "AUTHORISED only: after this, no bank data until reconfirmed.",
            },
        },
    },
    "BankData": {
        "type": "object",
        "required": ["consentId"],
        "description": "OBIE-shaped resources; a resource the consent does not cover is absent.",
        "properties": {
            "consentId": {"type": "string"},
            "accounts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["AccountId", "Currency", "Nickname"],
                    "properties": {
                        "AccountId": {"type": "string"},
                        "Currency": {"type": "string"},
                        "Nickname": {"type": "string"},
                        "AccountType": {"type": "string"},
                        "AccountSubType": {"type": "string"},
                        "OpeningDate": {"type": "string", "format": "date"},
                        "Account": {"type": "array", "description": "ReadAccountsDetail only."},
                    },
                },
            },
            "balances": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["AccountId", "Amount", "CreditDebitIndicator", "Type"],
                    "properties": {
                        "AccountId": {"type": "string"},
                        "Amount": _AMOUNT,
                        "CreditDebitIndicator": _INDICATOR,
                        "Type": {"type": "string", "enum": ["InterimBooked", "InterimAvailable"]},
                        "DateTime": _DATETIME,
                        "CreditLine": {"type": "array"},
                    },
                },
            },
            "transactions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "AccountId",
                        "TransactionId",
                        "Amount",
                        "CreditDebitIndicator",
                        "BookingDateTime",
                    ],
                    "properties": {
                        "AccountId": {"type": "string"},
                        "TransactionId": {"type": "string"},
                        "Amount": _AMOUNT,
                        "CreditDebitIndicator": _INDICATOR,
                        "Status": {"type": "string"},
                        "BookingDateTime": _DATETIME,
                        "ValueDateTime": _DATETIME,
                        "ProprietaryBankTransactionCode": {"type": "object"},
                        "TransactionInformation": {
                            "type": "string",
                            "description": "ReadTransactionsDetail only.",
                        },
                        "MerchantDetails": {
                            "type": "object",
                            "description": "Card payments, ReadTransactionsDetail only.",
                        },
                        "SupplementaryData": {
                            "type": "object",
                            "description": "`Category` (e.g. SALARY, RENT, GAMBLING, "
                            "RETURNED_DIRECT_DEBIT); ReadTransactionsDetail only.",
                        },
                    },
                },
            },
        },
    },
}
