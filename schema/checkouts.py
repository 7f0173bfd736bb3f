"""Checkouts: a merchant's order awaiting a pay-later decision, kept by the credit service."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.declare import resolved_by_binding
from appsync.directives import aws_cognito_user_pools, aws_iam
from appsync.scalars import AWSDateTime
from schema.credit import CreditApplication
from schema.money import Money, MoneyInput
from schema.plans import PaymentPlan


@strawberry.enum(description="Where a checkout is in its life.")
class CheckoutStatus(Enum):
    CREATED = "CREATED"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    REFERRED = "REFERRED"
    CONFIRMED = "CONFIRMED"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"


@strawberry.type(directives=[aws_cognito_user_pools(), aws_iam()], description="One order line.")
class LineItem:
    sku: str
    name: str
    quantity: int
    unit_price: Money


@strawberry.type(
    directives=[aws_cognito_user_pools(), aws_iam()],
    description="A merchant's order that a shopper may pay for later.",
)
class Checkout:
    id: strawberry.ID
    merchant_id: strawberry.ID
    merchant_reference: str = strawberry.field(description="The merchant's own order reference.")
    amount: Money
    items: list[LineItem]
    status: CheckoutStatus
    customer_id: strawberry.ID | None = strawberry.field(
        description="The shopper who applied; null until someone does."
    )
    expires_at: AWSDateTime
    created_at: AWSDateTime
    captured_amount: Money | None = strawberry.field(
        description="What the merchant captured; null until CAPTURED."
    )
    refunded_amount: Money | None = strawberry.field(
        description="What the merchant has refunded of the capture so far; null if nothing."
    )

    @strawberry.field(
        directives=[aws_cognito_user_pools()],
        description=(
            "The application that decided this checkout, to its customer or the underwriters; "
            "null before a decision."
        ),
    )
    def application(self) -> CreditApplication | None:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_cognito_user_pools()],
        description="The plan of the accepted offer, to its customer; null before acceptance.",
    )
    def plan(self) -> PaymentPlan | None:
        resolved_by_binding()


@strawberry.input(description="One order line.")
class LineItemInput:
    sku: str
    name: str
    quantity: int = strawberry.field(description="At least 1.")
    unit_price: MoneyInput = strawberry.field(description="In the checkout's currency.")


@strawberry.input(
    description=(
        "A new checkout. The same merchantId and merchantReference return the same checkout."
    )
)
class CreateCheckoutInput:
    merchant_id: strawberry.ID
    merchant_reference: str
    amount: MoneyInput = strawberry.field(description="The order total: the sum of the lines.")
    items: list[LineItemInput]


@strawberry.input(
    description=(
        "A checkout as it now stands, published by the credit service to the checkout's "
        "onCheckoutUpdated subscribers."
    )
)
class CheckoutUpdateInput:
    id: strawberry.ID
    merchant_id: strawberry.ID
    merchant_reference: str
    amount: MoneyInput
    items: list[LineItemInput]
    status: CheckoutStatus
    customer_id: strawberry.ID | None = strawberry.UNSET
    expires_at: AWSDateTime
    created_at: AWSDateTime
    captured_amount: MoneyInput | None = strawberry.UNSET
    refunded_amount: MoneyInput | None = strawberry.UNSET


@strawberry.input(
    description=(
        "Capture a CONFIRMED checkout: all of it, or part (the rest is released from the "
        "customer's plan). Once per checkout."
    )
)
class CaptureCheckoutInput:
    checkout_id: strawberry.ID
    amount: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET, description="Omit to capture the whole order."
    )
    idempotency_key: str = strawberry.field(
        description="The same key returns the same answer; scoped to the merchant."
    )


@strawberry.input(
    description=(
        "Refund part or the rest of a CAPTURED checkout: the plan's remaining instalments are "
        "reduced from the last one back; paid money beyond them goes back to the customer."
    )
)
class RefundCheckoutInput:
    checkout_id: strawberry.ID
    amount: MoneyInput
    idempotency_key: str = strawberry.field(
        description="The same key returns the same answer; scoped to the merchant."
    )
