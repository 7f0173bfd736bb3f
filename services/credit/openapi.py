"""The credit service's OpenAPI 3.1 document."""

from __future__ import annotations

from services.credit.applications.openapi import (
    PATHS as APPLICATION_PATHS,
    SCHEMAS as APPLICATION_SCHEMAS,
)
from services.credit.checkouts.domain import (
    CHECKOUT_LIFETIME,
    ITEM_NAME_MAX_CHARS,
    MAX_CHECKOUT_AMOUNT,
    MAX_ITEMS,
    MAX_QUANTITY,
    REFERENCE_MAX_CHARS,
    SKU_MAX_CHARS,
    CheckoutStatus,
)
from services.credit.checkouts.openapi import (
    PATHS as CHECKOUT_MONEY_PATHS,
    SCHEMAS as CHECKOUT_MONEY_SCHEMAS,
    amount_schema,
)
from services.credit.checkouts.redirects import URL_MAX_CHARS
from services.credit.limits import ID_MAX_CHARS
from services.credit.plans.openapi import PATHS as PLAN_PATHS, SCHEMAS as PLAN_SCHEMAS
from services.credit.webhooks.openapi import PATHS as WEBHOOK_PATHS, SCHEMAS as WEBHOOK_SCHEMAS
from services.shared.openapi import document, errors, json_body, link, ref

_MERCHANT_AUTH = (
    "Merchants call through the credit proxy: its client-credentials access token plus "
    "`X-Bnpl-Caller-Arn`, the IAM ARN AppSync verified."
)
# The merchant's text is taken as sent: not blank, no control characters.
_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$"


def _text(max_chars: int) -> dict[str, object]:
    return {"type": "string", "minLength": 1, "maxLength": max_chars, "pattern": _TEXT_PATTERN}


_LINE_ITEM = {
    "type": "object",
    "required": ["sku", "name", "quantity", "unitPrice"],
    "additionalProperties": False,
    "properties": {
        "sku": _text(SKU_MAX_CHARS),
        "name": _text(ITEM_NAME_MAX_CHARS),
        "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
        "unitPrice": amount_schema("In the checkout's currency.", maximum=MAX_CHECKOUT_AMOUNT),
    },
}
_REQUEST_PROPERTIES = {
    "merchantId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    "merchantReference": _text(REFERENCE_MAX_CHARS),
    "amount": amount_schema(
        f"Above 0, at most {MAX_CHECKOUT_AMOUNT} minor units; the items' sum.",
        maximum=MAX_CHECKOUT_AMOUNT,
    ),
    "items": {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_ITEMS,
        "items": ref("LineItem"),
    },
}

_URL = {"type": "string", "format": "uri", "maxLength": URL_MAX_CHARS}

_CHECKOUT = "/checkouts/{checkout_id}"
# What the merchant may do next with the checkout it created.
_CHECKOUT_LINKS = {
    "GetCheckout": link(_CHECKOUT, "get", "checkout_id"),
    "CaptureCheckout": link(f"{_CHECKOUT}/capture", "post", "checkout_id"),
    "VoidCheckout": link(f"{_CHECKOUT}/void", "post", "checkout_id"),
    "RefundCheckout": link(f"{_CHECKOUT}/refunds", "post", "checkout_id"),
}
_RETURN_URLS = {
    "confirmationUrl": {
        **_URL,
        "description": "Where the hosted page sends the shopper after accepting an offer, with "
        "`checkoutId` added to the query. With cancelUrl or not at all: https (http for "
        "localhost only where the service allows it), no fragment, within one of the "
        "merchant's allowed redirect URL prefixes (ValidationError otherwise).",
    },
    "cancelUrl": {**_URL, "description": "Where the shopper who cancels goes; as confirmationUrl."},
}

OPENAPI = document(
    title="BNPL credit service",
    description="Checkouts, credit applications and payment plans. " + _MERCHANT_AUTH,
    paths={
        "/checkouts": {
            "post": {
                "summary": "Create a checkout (merchants; idempotent per merchantReference)",
                "description": _MERCHANT_AUTH,
                "parameters": [
                    {
                        "name": "X-Bnpl-Caller-Arn",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "Honoured only with the credit proxy's service token.",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("CreateCheckoutInput")}},
                },
                "responses": {
                    "201": {**json_body(ref("Checkout"), "Created."), "links": _CHECKOUT_LINKS},
                    "200": {
                        **json_body(ref("Checkout"), "The same request came before."),
                        "links": _CHECKOUT_LINKS,
                    },
                    **errors(400, 403, 409, 413),
                },
            }
        },
        "/checkouts/{checkout_id}": {
            "get": {
                "summary": "A checkout as the caller may see it",
                "description": (
                    "Until a shopper accepts an offer, the checkout is bound to nobody: a shopper "
                    "who applied sees their own outcome as its status, with their customerId and "
                    "applicationId; any other shopper sees it CREATED with no customer; its "
                    "merchant sees the most advanced outcome among the applicants (APPROVED, "
                    "REFERRED, DECLINED) with no customer. Once bound, only its shopper and its "
                    "merchant see it, as it is. Anything else, and any id longer than "
                    f"{ID_MAX_CHARS} characters or not printable ASCII, is 404."
                ),
                "parameters": [
                    {
                        "name": "checkout_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": json_body(ref("Checkout"), "The checkout."),
                    **errors(403, 404),
                },
            }
        },
        **CHECKOUT_MONEY_PATHS,
        **APPLICATION_PATHS,
        **PLAN_PATHS,
        **WEBHOOK_PATHS,
    },
    schemas={
        "LineItem": _LINE_ITEM,
        "CreateCheckoutInput": {
            "type": "object",
            "required": sorted(_REQUEST_PROPERTIES),
            "additionalProperties": False,
            "properties": {**_REQUEST_PROPERTIES, **_RETURN_URLS},
        },
        "Checkout": {
            "type": "object",
            "required": [
                "id",
                "merchantId",
                "merchantReference",
                "amount",
                "items",
                "status",
                "expiresAt",
                "createdAt",
                "redirectUrl",
            ],
            "properties": {
                "id": {"type": "string"},
                **_REQUEST_PROPERTIES,
                "status": {"type": "string", "enum": [s.value for s in CheckoutStatus]},
                "customerId": {"type": ["string", "null"]},
                "applicationId": {
                    "type": "string",
                    "description": "The application whose offer was accepted; in an "
                    "applicant's view of an unbound checkout, their own.",
                },
                "planId": {
                    "type": "string",
                    "description": "The plan of the accepted offer (absent before CONFIRMED).",
                },
                "capturedAmount": {**ref("Money"), "description": "Absent until CAPTURED."},
                "refundedAmount": {
                    **ref("Money"),
                    "description": "What the merchant refunded so far (absent if nothing).",
                },
                "expiresAt": {
                    "type": "string",
                    "format": "date-time",
                    "description": f"createdAt + {int(CHECKOUT_LIFETIME.total_seconds())} s.",
                },
                "createdAt": {"type": "string", "format": "date-time"},
                "confirmationUrl": {"type": ["string", "null"], "format": "uri"},
                "cancelUrl": {"type": ["string", "null"], "format": "uri"},
                "redirectUrl": {
                    "type": "string",
                    "format": "uri",
                    "description": "The hosted checkout page: `<BNPL_CHECKOUT_PAGE_URL>/checkout/"
                    "<id>`.",
                },
            },
        },
        **CHECKOUT_MONEY_SCHEMAS,
        **APPLICATION_SCHEMAS,
        **PLAN_SCHEMAS,
        **WEBHOOK_SCHEMAS,
    },
)
