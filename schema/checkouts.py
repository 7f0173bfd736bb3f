"""Checkouts: a merchant's order awaiting a pay-later decision, kept by the credit service."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.declare import resolved_by_binding
from appsync.directives import aws_cognito_user_pools, aws_iam
from appsync.scalars import AWSURL, AWSDateTime
from schema.credit import CreditApplication
from schema.limits import ID, IDEMPOTENCY_KEY, MAX_AMOUNT_MINOR_UNITS, URL_MAX_CHARS
from schema.money import Money, MoneyInput
from schema.plans import PaymentPlan


@strawberry.enum(
    description=(
        "Where a checkout is in its life. A partial refund leaves it CAPTURED (refundedAmount "
        "says how much was given back); it is REFUNDED only once everything captured was "
        "refunded."
    )
)
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
    status: CheckoutStatus = strawberry.field(
        description=(
            "To a shopper who applied, their own outcome; to one who has not, CREATED. To the "
            "merchant, the most advanced outcome among the applicants until a shopper accepts "
            "an offer, then the checkout's own."
        )
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description=(
            "To a shopper who applied, their own id. To the merchant, null until a shopper "
            "accepts an offer (CONFIRMED), then that shopper."
        )
    )
    expires_at: AWSDateTime
    created_at: AWSDateTime
    captured_amount: Money | None = strawberry.field(
        description="What the merchant captured; null until CAPTURED."
    )
    refunded_amount: Money | None = strawberry.field(
        description=(
            "What the merchant has refunded of the capture so far; null if nothing. After a "
            "partial refund the checkout stays CAPTURED."
        )
    )
    confirmation_url: AWSURL | None = strawberry.field(
        description=(
            "Where the hosted page sends the shopper after they accept an offer, with "
            "`checkoutId` added to the query; null if the merchant gave none."
        )
    )
    cancel_url: AWSURL | None = strawberry.field(
        description=(
            "Where the hosted page sends the shopper who cancels, with `checkoutId` added to "
            "the query; null if the merchant gave none."
        )
    )
    redirect_url: AWSURL = strawberry.field(
        description=(
            "The hosted checkout page for this checkout: send the shopper's browser here. The "
            "outcome is read with `checkout(id)`, never taken from the return redirect."
        )
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
    sku: str = strawberry.field(description="The merchant's product code, 1 to 64 characters.")
    name: str = strawberry.field(description="1 to 200 characters.")
    quantity: int = strawberry.field(description="1 to 10,000.")
    unit_price: MoneyInput = strawberry.field(
        description=(f"In the checkout's currency; at most {MAX_AMOUNT_MINOR_UNITS:,} minor units.")
    )


@strawberry.input(
    description=(
        "A new checkout. The same merchantId and merchantReference return the same checkout."
    )
)
class CreateCheckoutInput:
    merchant_id: strawberry.ID = strawberry.field(
        description="The caller's own merchant id: 1 to 64 letters, digits, '_' or '-'."
    )
    merchant_reference: str = strawberry.field(
        description="The merchant's own order reference, 1 to 128 characters."
    )
    amount: MoneyInput = strawberry.field(
        description=(
            "The order total: the sum of the lines, at most "
            f"{MAX_AMOUNT_MINOR_UNITS:,} minor units."
        )
    )
    items: list[LineItemInput] = strawberry.field(description="1 to 100 lines.")
    confirmation_url: AWSURL | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Where the hosted page sends the shopper after they accept an offer, at most "
            f"{URL_MAX_CHARS:,} characters. Given with cancelUrl or not at all; https (http "
            "only for localhost in the local stack), no fragment, within one of the merchant's "
            "allowed redirect URL prefixes."
        ),
    )
    cancel_url: AWSURL | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            f"Where the hosted page sends the shopper who cancels, at most {URL_MAX_CHARS:,} "
            "characters; the rules of confirmationUrl."
        ),
    )


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
    confirmation_url: AWSURL | None = strawberry.UNSET
    cancel_url: AWSURL | None = strawberry.UNSET
    # Optional so that a publisher predating it still publishes; the credit service always sends
    # it, and Checkout.redirectUrl is non-null to subscribers who select it.
    redirect_url: AWSURL | None = strawberry.UNSET


@strawberry.input(
    description=(
        "Capture a CONFIRMED checkout: all of it, or part (the rest is released from the "
        "customer's plan). Once per checkout."
    )
)
class CaptureCheckoutInput:
    checkout_id: strawberry.ID = strawberry.field(description=ID)
    amount: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Omit to capture the whole order; at most the order total.",
    )
    idempotency_key: str = strawberry.field(
        description=(
            f"{IDEMPOTENCY_KEY} The same key returns the same answer; scoped to the merchant."
        )
    )


@strawberry.input(
    description=(
        "Refund part or the rest of a CAPTURED checkout: the plan's remaining instalments are "
        "reduced from the last one back; paid money beyond them goes back to the customer."
    )
)
class RefundCheckoutInput:
    checkout_id: strawberry.ID = strawberry.field(description=ID)
    amount: MoneyInput = strawberry.field(
        description="At most what was captured and not yet refunded."
    )
    idempotency_key: str = strawberry.field(
        description=(
            f"{IDEMPOTENCY_KEY} The same key returns the same answer; scoped to the merchant."
        )
    )
