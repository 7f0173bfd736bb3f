"""The `/plans` part of the credit service's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.credit.limits import (
    ID_MAX_CHARS,
    IDEMPOTENCY_KEY_MAX_CHARS,
    INSTALMENT_NUMBER_MAX,
    PAGE_DEFAULT,
    PAGE_MAX,
    PAYMENT_TOKEN_MAX_CHARS,
    printable_schema,
)
from services.shared.openapi import errors, json_body, link, ref

_SHOPPER = "The signed-in customer's token, forwarded by the credit proxy."
_PLAN_ID = {"name": "plan_id", "in": "path", "required": True, "schema": {"type": "string"}}

_PLAN = "/plans/{plan_id}"
_PLAN_LINKS = {
    "GetPlan": link(_PLAN, "get", "plan_id"),
    "PayInstalment": link(f"{_PLAN}/payments", "post", "plan_id"),
    "PayOffPlan": link(f"{_PLAN}/payoff", "post", "plan_id"),
}
_MONEY = {
    "type": "object",
    "required": ["amount", "currency"],
    "properties": {"amount": {"type": "integer"}, "currency": {"type": "string"}},
}
_KEY = printable_schema(
    IDEMPOTENCY_KEY_MAX_CHARS, "The same key with the same request returns the first result."
)
_TOKEN = printable_schema(
    PAYMENT_TOKEN_MAX_CHARS,
    "A payment-method token (tok_visa …); never stored, only its brand and last4.",
)
_DECLINED = json_body(ref("Error"), "The card was declined (PaymentDeclined, details.failureCode).")
_REUSED = json_body(ref("Error"), "The key was used for another request (IdempotencyKeyReused).")

PATHS: dict[str, Any] = {
    "/plans": {
        "post": {
            "summary": "Accept an offer: take the first payment, create the plan",
            "description": _SHOPPER + " The checkout moves to CONFIRMED in the same transaction.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("AcceptOfferInput")}},
            },
            "responses": {
                "200": {
                    **json_body(ref("PaymentPlan"), "The plan (the first one, on a replay)."),
                    "links": _PLAN_LINKS,
                },
                "402": _DECLINED,
                "410": json_body(ref("Error"), "The checkout has expired (CheckoutExpired)."),
                "422": _REUSED,
                **errors(400, 403, 404, 409, 413),
            },
        },
        "get": {
            "summary": "The caller's plans, newest first",
            "description": _SHOPPER,
            "parameters": [
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": PAGE_MAX,
                        "default": PAGE_DEFAULT,
                    },
                },
                {"name": "nextToken", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": json_body(ref("PlanConnection"), "A page of plans."),
                **errors(400, 403),
            },
        },
    },
    "/plans/{plan_id}": {
        "get": {
            "summary": "A plan, to its customer",
            "parameters": [_PLAN_ID],
            "responses": {"200": json_body(ref("PaymentPlan"), "The plan."), **errors(403, 404)},
        }
    },
    "/plans/{plan_id}/payments": {
        "post": {
            "summary": "Pay a DUE or LATE instalment",
            "description": _SHOPPER,
            "parameters": [_PLAN_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("PayInstalmentInput")}},
            },
            "responses": {
                "200": json_body(ref("Payment"), "The payment (the first one, on a replay)."),
                "402": _DECLINED,
                "422": _REUSED,
                **errors(400, 403, 404, 409, 413),
            },
        }
    },
    "/plans/{plan_id}/payoff": {
        "post": {
            "summary": "Pay off everything left on the plan now (no fee)",
            "description": _SHOPPER + " Charges the outstanding balance, late fees included.",
            "parameters": [_PLAN_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("PayOffPlanInput")}},
            },
            "responses": {
                "200": json_body(ref("Payment"), "The payment (the first one, on a replay)."),
                "402": _DECLINED,
                "422": _REUSED,
                **errors(400, 403, 404, 409, 413),
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "PayOffPlanInput": {
        "type": "object",
        "required": ["paymentMethodToken", "idempotencyKey"],
        "additionalProperties": False,
        "properties": {"paymentMethodToken": _TOKEN, "idempotencyKey": _KEY},
    },
    "AcceptOfferInput": {
        "type": "object",
        "required": ["applicationId", "offerId", "paymentMethodToken", "idempotencyKey"],
        "additionalProperties": False,
        "properties": {
            "applicationId": printable_schema(ID_MAX_CHARS),
            "offerId": printable_schema(ID_MAX_CHARS),
            "paymentMethodToken": _TOKEN,
            "idempotencyKey": _KEY,
        },
    },
    "PayInstalmentInput": {
        "type": "object",
        "required": ["instalmentNumber", "paymentMethodToken", "idempotencyKey"],
        "additionalProperties": False,
        "properties": {
            "instalmentNumber": {"type": "integer", "minimum": 1, "maximum": INSTALMENT_NUMBER_MAX},
            "paymentMethodToken": _TOKEN,
            "idempotencyKey": _KEY,
        },
    },
    "Payment": {
        "type": "object",
        "required": ["id", "planId", "amount", "status", "instalmentNumbers", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "planId": {"type": "string"},
            "amount": _MONEY,
            "status": {"type": "string", "enum": ["SUCCEEDED", "FAILED"]},
            "instalmentNumbers": {"type": "array", "items": {"type": "integer"}},
            "cardLast4": {"type": ["string", "null"]},
            "failureCode": {"type": ["string", "null"]},
            "createdAt": {"type": "string", "format": "date-time"},
        },
    },
    "PaymentPlan": {
        "type": "object",
        "required": ["id", "checkoutId", "customerId", "status", "principal", "totalPayable"],
        "properties": {
            "id": {"type": "string"},
            "checkoutId": {"type": "string"},
            "customerId": {"type": "string"},
            "status": {"type": "string", "enum": ["ACTIVE", "COMPLETED", "DEFAULTED", "CANCELLED"]},
            "principal": _MONEY,
            "totalPayable": _MONEY,
            "instalments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["number", "dueDate", "amount", "status"],
                    "properties": {
                        "number": {"type": "integer"},
                        "dueDate": {"type": "string", "format": "date"},
                        "amount": _MONEY,
                        "status": {"type": "string", "enum": ["DUE", "PAID", "LATE", "WAIVED"]},
                        "paidAt": {"type": ["string", "null"], "format": "date-time"},
                    },
                },
            },
            "payments": {"type": "array", "items": ref("Payment")},
            "createdAt": {"type": "string", "format": "date-time"},
        },
    },
    "PlanConnection": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": ref("PaymentPlan")},
            "nextToken": {"type": ["string", "null"]},
        },
    },
}
