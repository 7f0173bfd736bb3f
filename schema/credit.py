"""Credit applications: pre-screening, the decision with its reasons and evidence, and offers."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.scalars import AWSJSON, AWSDate, AWSDateTime
from schema.limits import ID, IDEMPOTENCY_KEY
from schema.money import Money


@strawberry.enum(description="Whether an application has been decided.")
class ApplicationStatus(Enum):
    PENDING = "PENDING"
    DECIDED = "DECIDED"


@strawberry.enum(description="What the credit decision was.")
class DecisionOutcome(Enum):
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    REFERRED = "REFERRED"


@strawberry.enum(description="How a screening step ended.")
class StepStatus(Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


@strawberry.enum(description="A kind of repayment plan.")
class PlanProduct(Enum):
    PAY_IN_4 = "PAY_IN_4"
    MONTHLY = "MONTHLY"


@strawberry.enum(description="How often a plan's instalments fall due.")
class Frequency(Enum):
    FORTNIGHTLY = "FORTNIGHTLY"
    MONTHLY = "MONTHLY"


@strawberry.type(description="Why a decision went the way it did, in plain language.")
class Reason:
    code: str
    description: str


@strawberry.type(
    description=(
        "The affordability figures of the decision (FCA deferred-payment credit): monthly "
        "income and commitments, what is left, and the instalment's share of it."
    )
)
class Affordability:
    monthly_income: Money | None
    monthly_commitments: Money | None
    disposable_income: Money | None
    instalment_to_disposable_income: float | None


@strawberry.type(description="One pre-screening step: how it ended, how long it took, what it saw.")
class ScreeningStep:
    name: str
    status: StepStatus
    duration_ms: int
    detail: AWSJSON | None


@strawberry.type(description="A credit decision and its evidence.")
class Decision:
    outcome: DecisionOutcome
    reasons: list[Reason] = strawberry.field(
        description="At most four, most important first; at least one unless APPROVED."
    )
    decided_at: AWSDateTime
    policy_version: str
    affordability: Affordability | None
    steps: list[ScreeningStep]
    model_version: str | None = strawberry.field(description="The credit model that scored it.")


@strawberry.type(description="One payment of an offer's schedule.")
class ScheduledPayment:
    number: int
    due_date: AWSDate
    amount: Money


@strawberry.type(description="A repayment plan the customer may accept.")
class Offer:
    id: strawberry.ID
    product: PlanProduct
    instalment_count: int
    frequency: Frequency
    apr: float = strawberry.field(description="Annual percentage rate, percent.")
    first_payment: Money
    total_payable: Money
    total_interest: Money
    schedule: list[ScheduledPayment]


@strawberry.type(description="A customer's application for credit on a checkout.")
class CreditApplication:
    id: strawberry.ID
    checkout_id: strawberry.ID
    customer_id: strawberry.ID
    status: ApplicationStatus
    decision: Decision | None = strawberry.field(description="Null while PENDING.")
    offers: list[Offer] = strawberry.field(description="When APPROVED, the plans on offer.")
    steps: list[ScreeningStep] = strawberry.field(
        description="The screening steps so far (a PENDING application's include the one that "
        "errored)."
    )
    created_at: AWSDateTime


@strawberry.input(description="Apply for credit on a checkout.")
class ApplyForCreditInput:
    checkout_id: strawberry.ID = strawberry.field(description=ID)
    bank_consent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            f"An AUTHORISED open-banking consent: its bank data joins the screening. {ID}"
        ),
    )
    idempotency_key: str = strawberry.field(
        description=(
            f"{IDEMPOTENCY_KEY} The same key returns the same application; it never runs twice."
        )
    )


@strawberry.input(description="An underwriter's settlement of a REFERRED application.")
class ReviewApplicationInput:
    application_id: strawberry.ID = strawberry.field(description=ID)
    outcome: DecisionOutcome = strawberry.field(description="APPROVED or DECLINED.")
    note: str = strawberry.field(
        description=("Why, kept with the decision: 1 to 2,000 characters, no control characters.")
    )
