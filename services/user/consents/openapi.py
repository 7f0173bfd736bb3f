"""The open-banking part of the user service's OpenAPI document (merged in `openapi.py`)."""

from __future__ import annotations

from typing import Any

from services.shared.ids import ID_MAX_CHARS
from services.shared.openapi import errors, json_body, link, ref
from services.user.consents.domain import (
    TRANSACTION_DIRECTION,
    TRANSACTION_GRANULARITY,
    ConsentStatus,
    Permission,
)
from services.user.consents.notifications_openapi import (
    PATHS as NOTIFICATION_PATHS,
    SCHEMAS as NOTIFICATION_SCHEMAS,
)

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

_CONSENT = "/customers/me/bank-consents/{consentId}"
_CONSENT_LINKS = {
    "GetConsent": link(_CONSENT, "get", "consentId"),
    "RevokeConsent": link(f"{_CONSENT}/revoke", "post", "consentId"),
    "ReconfirmConsent": link(f"{_CONSENT}/reconfirm", "post", "consentId"),
    "GetBankData": link(f"{_CONSENT}/data", "get", "consentId"),
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
    **NOTIFICATION_PATHS,
}

SCHEMAS: dict[str, Any] = {
    **NOTIFICATION_SCHEMAS,
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
