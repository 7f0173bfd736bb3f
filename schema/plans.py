"""Payment plans: an accepted offer's instalments and the payments against them."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.scalars import AWSDate, AWSDateTime
from schema.limits import ID, IDEMPOTENCY_KEY, PAYMENT_TOKEN
from schema.money import Money


@strawberry.enum(description="Where a payment plan is in its life.")
class PlanStatus(Enum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    DEFAULTED = "DEFAULTED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="Whether an instalment is owed, paid, overdue or waived.")
class InstalmentStatus(Enum):
    DUE = "DUE"
    PAID = "PAID"
    LATE = "LATE"
    WAIVED = "WAIVED"


@strawberry.enum(description="How a card payment ended.")
class PaymentStatus(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.type(description="One instalment of a plan.")
class Instalment:
    number: int
    due_date: AWSDate
    amount: Money
    status: InstalmentStatus
    paid_at: AWSDateTime | None


@strawberry.type(
    description="One card payment against a plan: never the card, only its last four digits."
)
class Payment:
    id: strawberry.ID
    plan_id: strawberry.ID
    amount: Money
    status: PaymentStatus
    instalment_numbers: list[int]
    card_last4: str | None
    failure_code: str | None = strawberry.field(
        description="Why a FAILED payment failed, e.g. insufficient_funds."
    )
    created_at: AWSDateTime


@strawberry.type(description="An accepted offer: its instalments and the payments made.")
class PaymentPlan:
    id: strawberry.ID
    checkout_id: strawberry.ID
    customer_id: strawberry.ID
    status: PlanStatus
    principal: Money
    total_payable: Money
    instalments: list[Instalment]
    payments: list[Payment]
    created_at: AWSDateTime


@strawberry.type(description="A page of plans, newest first.")
class PlanConnection:
    items: list[PaymentPlan]
    next_token: str | None = strawberry.field(description="Pass it back for the next page.")


@strawberry.input(description="Accept an offer of an APPROVED application.")
class AcceptOfferInput:
    application_id: strawberry.ID = strawberry.field(description=ID)
    offer_id: strawberry.ID = strawberry.field(description=ID)
    payment_method_token: str = strawberry.field(description=PAYMENT_TOKEN)
    idempotency_key: str = strawberry.field(
        description=(
            f"{IDEMPOTENCY_KEY} The same key returns the same plan; the card is charged once."
        )
    )


@strawberry.input(description="Pay a DUE or LATE instalment of one's own plan.")
class PayInstalmentInput:
    plan_id: strawberry.ID = strawberry.field(description=ID)
    instalment_number: int = strawberry.field(description="The instalment's number, 1 to 100.")
    payment_method_token: str = strawberry.field(description=PAYMENT_TOKEN)
    idempotency_key: str = strawberry.field(
        description=(
            f"{IDEMPOTENCY_KEY} The same key returns the same payment; the card is charged once."
        )
    )


@strawberry.input(description="Pay off everything left on one's own plan now, with no fee.")
class PayOffPlanInput:
    plan_id: strawberry.ID = strawberry.field(description=ID)
    payment_method_token: str = strawberry.field(description=PAYMENT_TOKEN)
    idempotency_key: str = strawberry.field(
        description=(
            f"{IDEMPOTENCY_KEY} The same key returns the same payment; the card is charged once."
        )
    )
