"""The merchant's money operations in the credit service's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.credit.limits import IDEMPOTENCY_KEY_MAX_CHARS, printable_schema
from services.shared.money import CURRENCIES
from services.shared.openapi import errors, json_body, ref

_MERCHANT = (
    "Merchants call through the credit proxy: its service token plus `X-Bnpl-Caller-Arn`. "
    "The checkout must be the caller's merchant's (404 otherwise)."
)
_CHECKOUT_ID = {"name": "checkout_id", "in": "path", "required": True, "schema": {"type": "string"}}
_KEY = printable_schema(
    IDEMPOTENCY_KEY_MAX_CHARS,
    "Scoped to the merchant: the same key with the same request answers the first result; "
    "with another request, IdempotencyKeyReused (422).",
)


def amount_schema(description: str, *, maximum: int | None = None) -> dict[str, Any]:
    """An amount a request gives: `Money` above zero (and at most `maximum` minor units)."""
    minor_units: dict[str, Any] = {"type": "integer", "minimum": 1}
    if maximum is not None:
        minor_units["maximum"] = maximum
    return {
        "type": "object",
        "required": ["amount", "currency"],
        "additionalProperties": False,
        "description": description,
        "properties": {
            "amount": {**minor_units, "description": "Minor units: 1999 is 19.99 GBP."},
            "currency": {"type": "string", "enum": sorted(CURRENCIES)},
        },
    }


_ANSWER = json_body(ref("Checkout"), "The checkout after the operation (the first, on a replay).")
_REUSED = json_body(ref("Error"), "The key was used for another request (IdempotencyKeyReused).")


def _operation(summary: str, description: str, body: str | None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "description": f"{description} {_MERCHANT}",
        "parameters": [_CHECKOUT_ID],
        "responses": {"200": _ANSWER, "422": _REUSED, **errors(400, 403, 404, 409, 413)},
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return operation


PATHS: dict[str, Any] = {
    "/checkouts/{checkout_id}/capture": {
        "post": _operation(
            "Capture a CONFIRMED checkout, in full or in part, once",
            "The part not captured is released from the customer's plan like a refund. "
            "InvalidState (409) unless CONFIRMED and within 28 days of confirmation.",
            "CaptureCheckoutInput",
        )
    },
    "/checkouts/{checkout_id}/void": {
        "post": _operation(
            "Void a CONFIRMED checkout before capture",
            "The plan is cancelled and the customer's payments refunded. Voiding a VOIDED "
            "checkout answers it again; anything else is InvalidState (409).",
            None,
        )
    },
    "/checkouts/{checkout_id}/refunds": {
        "post": _operation(
            "Refund part or the rest of a CAPTURED checkout",
            "Reduces the plan's remaining instalments from the last one back; paid money beyond "
            "them goes back to the customer. Refunding the rest makes it REFUNDED.",
            "RefundCheckoutInput",
        )
    },
}

SCHEMAS: dict[str, Any] = {
    "CaptureCheckoutInput": {
        "type": "object",
        "required": ["idempotencyKey"],
        "additionalProperties": False,
        "properties": {
            "amount": amount_schema("Omit to capture the whole order."),
            "idempotencyKey": _KEY,
        },
    },
    "RefundCheckoutInput": {
        "type": "object",
        "required": ["amount", "idempotencyKey"],
        "additionalProperties": False,
        "properties": {"amount": amount_schema("What to refund."), "idempotencyKey": _KEY},
    },
}
