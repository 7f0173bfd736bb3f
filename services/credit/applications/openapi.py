"""The `/applications` part of the credit service's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.credit.checkouts.domain import MAX_APPLICANTS_PER_CHECKOUT
from services.credit.limits import (
    ID_MAX_CHARS,
    IDEMPOTENCY_KEY_MAX_CHARS,
    NOTE_MAX_CHARS,
    printable_schema,
)
from services.shared.openapi import errors, json_body, link, ref

_SHOPPER = (
    "The signed-in customer's token (forwarded by the credit proxy), with "
    "`X-Bnpl-Source-Ip` and `X-Bnpl-Device-Id` as AppSync saw the request."
)
_ID = {"name": "application_id", "in": "path", "required": True, "schema": {"type": "string"}}
_STEP = {
    "type": "object",
    "required": ["name", "status", "durationMs"],
    "properties": {
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["PASSED", "FAILED", "SKIPPED", "ERROR"]},
        "durationMs": {"type": "integer"},
        "detail": {"type": "object", "description": "What the step read and concluded."},
    },
}

_AUDIT_ENTRY = {
    "type": "object",
    "required": [
        "sequence",
        "at",
        "actor",
        "action",
        "requestId",
        "before",
        "after",
        "evidence",
        "hash",
        "previousHash",
    ],
    "properties": {
        "sequence": {"type": "integer", "minimum": 1, "description": "1, 2, ... in its stream."},
        "at": {"type": "string", "format": "date-time"},
        "actor": {
            "type": "string",
            "description": "Who: a Cognito sub, a merchant's IAM principal, or `system`.",
        },
        "action": {"type": "string", "enum": ["application.decided", "application.reviewed"]},
        "requestId": {"type": ["string", "null"], "description": "The API request's id."},
        "before": {"type": ["object", "null"], "description": "Status and outcome before."},
        "after": {"type": "object", "description": "Status and outcome after."},
        "evidence": {
            "type": "object",
            "description": (
                "References: checkout, customer and consent ids, policy and model versions, "
                "band, reason codes, offer ids, the stored decision's SHA-256."
            ),
        },
        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "previousHash": {
            "type": "string",
            "description": "The previous entry's hash; empty for the first.",
        },
    },
}

PATHS: dict[str, Any] = {
    "/applications": {
        "post": {
            "summary": "Apply for credit on a checkout (verified customers; idempotent per key)",
            "description": (
                _SHOPPER + " Runs pre-screening and the decision synchronously. The same "
                "idempotencyKey returns the same application and never runs the workflow "
                "twice; after a DependencyFailure (502) the application stays PENDING and a "
                "retry with the same key runs it again from the start. A decision is its "
                "shopper's alone and closes the checkout for nobody; at most "
                f"{MAX_APPLICANTS_PER_CHECKOUT} shoppers may apply to one checkout until one "
                "accepts an offer (409 InvalidState, details.reason APPLICANT_LIMIT), and a "
                "shopper's later application replaces their earlier one."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("ApplyForCreditInput")}},
            },
            "responses": {
                "200": {
                    **json_body(ref("CreditApplication"), "The decided application."),
                    "links": {
                        "GetApplication": link(
                            "/applications/{application_id}", "get", "application_id"
                        )
                    },
                },
                "410": json_body(ref("Error"), "The checkout has expired (CheckoutExpired)."),
                "422": json_body(
                    ref("Error"), "The key was used for another request (IdempotencyKeyReused)."
                ),
                **errors(400, 403, 404, 409, 413, 502),
            },
        }
    },
    "/applications/{application_id}": {
        "get": {
            "summary": "An application, to its customer or the underwriters",
            "parameters": [_ID],
            "responses": {
                "200": json_body(ref("CreditApplication"), "The application."),
                **errors(403, 404),
            },
        }
    },
    "/applications/{application_id}/audit": {
        "get": {
            "summary": "An application's audit trail, oldest first (group underwriters)",
            "description": (
                "Its decision and any underwriter's review, each with who, when, the request, "
                "the state before and after, and its evidence by reference, hash-chained. To "
                "anyone but an underwriter the application is not found; its customer reads the "
                "decision's reasons on the application itself."
            ),
            "parameters": [_ID],
            "responses": {
                "200": json_body(ref("ApplicationAudit"), "The application's audit entries."),
                **errors(403, 404),
            },
        }
    },
    "/applications/{application_id}/review": {
        "post": {
            "summary": "Settle a REFERRED application (group underwriters)",
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("ReviewApplicationInput")}},
            },
            "responses": {
                "200": {
                    **json_body(ref("CreditApplication"), "The settled application."),
                    # The reviewer may read the trail their review was added to.
                    "links": {
                        "GetApplicationAudit": link(
                            "/applications/{application_id}/audit", "get", "application_id"
                        )
                    },
                },
                "410": json_body(ref("Error"), "The checkout has expired (CheckoutExpired)."),
                **errors(400, 403, 404, 409, 413),
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "ApplyForCreditInput": {
        "type": "object",
        "required": ["checkoutId", "idempotencyKey"],
        "additionalProperties": False,
        "properties": {
            "checkoutId": printable_schema(ID_MAX_CHARS),
            "bankConsentId": {**printable_schema(ID_MAX_CHARS), "type": ["string", "null"]},
            "idempotencyKey": printable_schema(IDEMPOTENCY_KEY_MAX_CHARS),
        },
    },
    "ReviewApplicationInput": {
        "type": "object",
        "required": ["outcome", "note"],
        "additionalProperties": False,
        "properties": {
            "outcome": {"type": "string", "enum": ["APPROVED", "DECLINED"]},
            "note": {"type": "string", "minLength": 1, "maxLength": NOTE_MAX_CHARS},
        },
    },
    "ScreeningStep": _STEP,
    "ApplicationAudit": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("AuditEntry")}},
    },
    "AuditEntry": _AUDIT_ENTRY,
    "CreditApplication": {
        "type": "object",
        "required": ["id", "checkoutId", "customerId", "status", "offers", "steps", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "checkoutId": {"type": "string"},
            "customerId": {"type": "string"},
            "status": {"type": "string", "enum": ["PENDING", "DECIDED"]},
            "decision": {
                "type": ["object", "null"],
                "description": (
                    "outcome, reasons (at most four), decidedAt, policyVersion, affordability, "
                    "steps, and evidence: band, limit, rules, probabilityBad, modelVersion, "
                    "review."
                ),
            },
            "offers": {"type": "array", "items": {"type": "object"}},
            "steps": {"type": "array", "items": ref("ScreeningStep")},
            "createdAt": {"type": "string", "format": "date-time"},
        },
    },
}
