"""The webhook part of the credit service's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.credit.limits import PAGE_DEFAULT, PAGE_MAX
from services.credit.webhooks.addresses import URL_MAX_CHARS
from services.credit.webhooks.domain import (
    DESCRIPTION_MAX_CHARS,
    DeliveryStatus,
    DisabledReason,
    EndpointStatus,
)
from services.credit.webhooks.events import SUBSCRIBABLE, EventType
from services.shared.openapi import errors, json_body, link, ref

_MERCHANT = (
    "Merchants call through the credit proxy: its client-credentials access token plus "
    "`X-Bnpl-Caller-Arn`, the IAM ARN AppSync verified."
)
_ENDPOINT_ID = {"name": "endpoint_id", "in": "path", "required": True, "schema": {"type": "string"}}
_MERCHANT_ID = {
    "name": "merchantId",
    "in": "query",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
}
# https to a DNS name (at least two labels, the last not a number: no address literal, no
# `localhost`), on https's own port, without credentials or a fragment.
_URL_PATTERN = r"^https://([A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*\.?(:443)?([/?][^\s#]*)?$"
_EVENT_TYPES = [t.name for t in SUBSCRIBABLE]
_TIME = {"type": "string", "format": "date-time"}
_MAYBE_TIME = {"type": ["string", "null"], "format": "date-time"}

_ENDPOINT = "/webhook-endpoints/{endpoint_id}"
_REGISTERED_ID = "$response.body#/endpoint/id"
# What the merchant may do next with the endpoint it registered.
_ENDPOINT_LINKS = {
    "RotateSecret": link(f"{_ENDPOINT}/rotate-secret", "post", "endpoint_id", _REGISTERED_ID),
    "DisableEndpoint": link(f"{_ENDPOINT}/disable", "post", "endpoint_id", _REGISTERED_ID),
    "EnableEndpoint": link(f"{_ENDPOINT}/enable", "post", "endpoint_id", _REGISTERED_ID),
    "SendTestEvent": link(f"{_ENDPOINT}/test", "post", "endpoint_id", _REGISTERED_ID),
    "ListDeliveries": link(f"{_ENDPOINT}/deliveries", "get", "endpoint_id", _REGISTERED_ID),
}


def _post(summary: str, answer: str, schema: str, *, status: str = "200") -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "description": _MERCHANT,
            "parameters": [_ENDPOINT_ID],
            "responses": {status: json_body(ref(schema), answer), **errors(400, 403, 404, 409)},
        }
    }


PATHS: dict[str, Any] = {
    "/webhook-endpoints": {
        "post": {
            "summary": "Register a webhook endpoint; its signing secret is answered this once",
            "description": _MERCHANT,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("CreateWebhookEndpointInput")}},
            },
            "responses": {
                "201": {
                    **json_body(ref("WebhookEndpointSecret"), "The endpoint and its secret."),
                    "links": _ENDPOINT_LINKS,
                },
                **errors(400, 403, 409, 413),
            },
        },
        "get": {
            "summary": "The merchant's webhook endpoints, oldest first",
            "description": _MERCHANT,
            "parameters": [_MERCHANT_ID],
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("WebhookEndpoint")}},
                    },
                    "The endpoints.",
                ),
                **errors(400, 403),
            },
        },
    },
    "/webhook-endpoints/{endpoint_id}/rotate-secret": _post(
        "A new signing secret; the old one keeps signing for 24 hours",
        "The endpoint and its new secret.",
        "WebhookEndpointSecret",
    ),
    "/webhook-endpoints/{endpoint_id}/disable": _post(
        "Stop sending to the endpoint", "The endpoint.", "WebhookEndpoint"
    ),
    "/webhook-endpoints/{endpoint_id}/enable": _post(
        "Send to the endpoint again, its failures forgotten", "The endpoint.", "WebhookEndpoint"
    ),
    "/webhook-endpoints/{endpoint_id}/test": _post(
        "Send a webhook.test event to the endpoint",
        "The event, on its way.",
        "WebhookTestEvent",
        status="202",
    ),
    "/webhook-endpoints/{endpoint_id}/deliveries": {
        "get": {
            "summary": "The endpoint's deliveries, newest first",
            "description": _MERCHANT,
            "parameters": [
                _ENDPOINT_ID,
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": [s.value for s in DeliveryStatus]},
                },
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
                "200": json_body(ref("WebhookDeliveryPage"), "A page of deliveries."),
                **errors(400, 403, 404),
            },
        }
    },
    "/webhook-events/{event_id}/replay": {
        "post": {
            "summary": "Send an event again, under its own id, to the endpoints that take it",
            "description": _MERCHANT,
            "parameters": [
                {"name": "event_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": ref("WebhookDelivery")}},
                    },
                    "The deliveries, due now.",
                ),
                **errors(400, 403, 404, 409),
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "CreateWebhookEndpointInput": {
        "type": "object",
        "required": ["merchantId", "url", "eventTypes"],
        "additionalProperties": False,
        "properties": {
            "merchantId": {"type": "string", "minLength": 1},
            "url": {
                "type": "string",
                "format": "uri",
                "maxLength": URL_MAX_CHARS,
                "pattern": _URL_PATTERN,
                "description": "https to a public DNS name (the local stack also takes http to "
                "loopback).",
            },
            "eventTypes": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "enum": _EVENT_TYPES},
            },
            "description": {"type": ["string", "null"], "maxLength": DESCRIPTION_MAX_CHARS},
        },
    },
    "WebhookEndpoint": {
        "type": "object",
        "required": ["id", "merchantId", "url", "eventTypes", "status", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "merchantId": {"type": "string"},
            "url": {"type": "string"},
            "eventTypes": {"type": "array", "items": {"type": "string", "enum": _EVENT_TYPES}},
            "description": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": [s.value for s in EndpointStatus]},
            "disabledReason": {
                "type": ["string", "null"],
                "enum": [*(r.value for r in DisabledReason), None],
            },
            "disabledAt": _MAYBE_TIME,
            "failingSince": _MAYBE_TIME,
            "createdAt": _TIME,
        },
    },
    "WebhookEndpointSecret": {
        "type": "object",
        "required": ["endpoint", "secret"],
        "properties": {
            "endpoint": ref("WebhookEndpoint"),
            "secret": {"type": "string", "pattern": "^whsec_"},
            "previousSecretExpiresAt": _MAYBE_TIME,
        },
    },
    "WebhookDelivery": {
        "type": "object",
        "required": ["id", "eventId", "endpointId", "eventType", "status", "attempts"],
        "properties": {
            "id": {"type": "string"},
            "eventId": {"type": "string"},
            "endpointId": {"type": "string"},
            "eventType": {"type": "string", "enum": [t.name for t in EventType]},
            "checkoutId": {"type": ["string", "null"]},
            "sequence": {"type": "integer"},
            "status": {"type": "string", "enum": [s.value for s in DeliveryStatus]},
            "attempts": {"type": "integer"},
            "createdAt": _TIME,
            "nextAttemptAt": _MAYBE_TIME,
            "lastAttemptAt": _MAYBE_TIME,
            "lastStatusCode": {"type": ["integer", "null"]},
            "lastError": {"type": ["string", "null"]},
            "deliveredAt": _MAYBE_TIME,
        },
    },
    "WebhookDeliveryPage": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": ref("WebhookDelivery")},
            "nextToken": {"type": ["string", "null"]},
        },
    },
    "WebhookTestEvent": {
        "type": "object",
        "required": ["eventId", "endpointId", "eventType", "createdAt"],
        "properties": {
            "eventId": {"type": "string"},
            "endpointId": {"type": "string"},
            "eventType": {"type": "string", "enum": ["WEBHOOK_TEST"]},
            "createdAt": _TIME,
        },
    },
}
