"""Webhooks: a merchant's endpoints, the events they take, and each delivery's attempts.

Events are sent with the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
`webhook-signature`); an event type's enum value here, such as CHECKOUT_APPROVED, is sent in the
body as its dotted name, `checkout.approved`.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.directives import aws_iam
from appsync.scalars import AWSURL, AWSDateTime
from schema.limits import ID, URL_MAX_CHARS

# What a merchant may write about an endpoint (the credit service enforces the same).
DESCRIPTION_MAX_CHARS = 200


@strawberry.enum(
    description=(
        "What an endpoint can take. Each is sent as its dotted name: CHECKOUT_APPROVED as "
        "`checkout.approved`, PLAN_INSTALMENT_PAID as `plan.instalment_paid`, WEBHOOK_TEST "
        "(sendTestWebhook only) as `webhook.test`."
    )
)
class WebhookEventType(Enum):
    CHECKOUT_APPROVED = "CHECKOUT_APPROVED"
    CHECKOUT_DECLINED = "CHECKOUT_DECLINED"
    CHECKOUT_REFERRED = "CHECKOUT_REFERRED"
    CHECKOUT_CONFIRMED = "CHECKOUT_CONFIRMED"
    CHECKOUT_CAPTURED = "CHECKOUT_CAPTURED"
    CHECKOUT_VOIDED = "CHECKOUT_VOIDED"
    CHECKOUT_REFUNDED = "CHECKOUT_REFUNDED"
    CHECKOUT_EXPIRED = "CHECKOUT_EXPIRED"
    PLAN_INSTALMENT_PAID = "PLAN_INSTALMENT_PAID"
    PLAN_INSTALMENT_LATE = "PLAN_INSTALMENT_LATE"
    PLAN_COMPLETED = "PLAN_COMPLETED"
    WEBHOOK_TEST = "WEBHOOK_TEST"


@strawberry.enum
class WebhookEndpointStatus(Enum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@strawberry.enum(description="Why an endpoint was disabled.")
class WebhookDisabledReason(Enum):
    MERCHANT = "MERCHANT"
    GONE = "GONE"
    FAILING = "FAILING"


@strawberry.enum(
    description=(
        "PENDING: being attempted (nextAttemptAt says when next). DELIVERED: the endpoint "
        "answered 2xx. FAILED: dead-lettered: every attempt failed over about three days, the "
        "endpoint answered 410, or it was disabled; replayWebhookEvent sends it again."
    )
)
class WebhookDeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@strawberry.type(
    directives=[aws_iam()],
    description="Where a merchant's events are sent. Its signing secret is never shown again.",
)
class WebhookEndpoint:
    id: strawberry.ID
    merchant_id: strawberry.ID
    url: AWSURL
    event_types: list[WebhookEventType]
    description: str | None
    status: WebhookEndpointStatus
    disabled_reason: WebhookDisabledReason | None = strawberry.field(
        description="Set while DISABLED: by the merchant, a 410 answer, or three days of failures."
    )
    disabled_at: AWSDateTime | None
    failing_since: AWSDateTime | None = strawberry.field(
        description="The first failed attempt since the last delivered one; null while healthy."
    )
    created_at: AWSDateTime


@strawberry.type(
    directives=[aws_iam()],
    description="An endpoint with its signing secret: answered once, when created or rotated.",
)
class WebhookEndpointSecret:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(
        description="`whsec_` and base64: verify `webhook-signature` with it (Standard Webhooks)."
    )
    previous_secret_expires_at: AWSDateTime | None = strawberry.field(
        description="After a rotation: until when the old secret also signs (24 hours)."
    )


@strawberry.type(directives=[aws_iam()], description="One event's delivery to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID
    event_id: strawberry.ID = strawberry.field(description="Also the `webhook-id` header.")
    endpoint_id: strawberry.ID
    event_type: WebhookEventType
    checkout_id: strawberry.ID | None = strawberry.field(
        description="The checkout the event is about; null for a test event."
    )
    sequence: int = strawberry.field(
        description="The event's place among its checkout's events: 1, 2, 3..."
    )
    status: WebhookDeliveryStatus
    attempts: int
    created_at: AWSDateTime
    next_attempt_at: AWSDateTime | None
    last_attempt_at: AWSDateTime | None
    last_status_code: int | None = strawberry.field(description="The last answer's HTTP status.")
    last_error: str | None = strawberry.field(
        description="What went wrong last: an HTTP status, a timeout, a refused connection."
    )
    delivered_at: AWSDateTime | None


@strawberry.type(directives=[aws_iam()], description="A page of deliveries, newest first.")
class WebhookDeliveryConnection:
    items: list[WebhookDelivery]
    next_token: str | None = strawberry.field(description="Pass it back for the next page.")


@strawberry.type(directives=[aws_iam()], description="A test event on its way to its endpoint.")
class WebhookTestEvent:
    event_id: strawberry.ID
    endpoint_id: strawberry.ID
    event_type: WebhookEventType
    created_at: AWSDateTime


@strawberry.input(description="A new webhook endpoint of the caller's merchant.")
class CreateWebhookEndpointInput:
    merchant_id: strawberry.ID = strawberry.field(description=f"The caller's own merchant id: {ID}")
    url: AWSURL = strawberry.field(
        description=(
            f"https, at most {URL_MAX_CHARS:,} characters, to a public address on https's own "
            "port (plain http to "
            "this machine's loopback address or localhost in the local stack only)."
        )
    )
    event_types: list[WebhookEventType] = strawberry.field(
        description="At least one; WEBHOOK_TEST is not subscribed to (sendTestWebhook sends it)."
    )
    description: str | None = strawberry.field(
        default=None,
        description=f"For the merchant's own use, at most {DESCRIPTION_MAX_CHARS} characters.",
    )
