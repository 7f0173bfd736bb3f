"""The API's root operations. Each is resolved by its binding in `resolvers/`."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.schema.config import StrawberryConfig

from appsync.declare import resolved_by_binding
from appsync.directives import aws_cognito_user_pools, aws_iam, aws_subscribe
from appsync.scalars import SCALAR_MAP
from schema.audit import AuditEntry
from schema.checkouts import (
    CaptureCheckoutInput,
    Checkout,
    CheckoutUpdateInput,
    CreateCheckoutInput,
    RefundCheckoutInput,
)
from schema.consents import BankConsent, GrantBankConsentInput
from schema.credit import ApplyForCreditInput, CreditApplication, ReviewApplicationInput
from schema.customers import Customer, RegisterCustomerInput, UpdateCustomerInput
from schema.limits import ID
from schema.plans import (
    AcceptOfferInput,
    PayInstalmentInput,
    Payment,
    PaymentPlan,
    PayOffPlanInput,
    PlanConnection,
)
from schema.verification import VerificationChallenge, VerificationChannel
from schema.webhooks import (
    CreateWebhookEndpointInput,
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEndpointSecret,
    WebhookTestEvent,
)

# An id argument, with the limit every id obeys.
IdArgument = Annotated[strawberry.ID, strawberry.argument(description=ID)]


@strawberry.type
class Query:
    @strawberry.field(
        directives=[aws_cognito_user_pools()],
        description="The signed-in customer; null until they register.",
    )
    def me(self) -> Customer | None:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_cognito_user_pools()],
        description="The signed-in customer's open-banking consents, newest first.",
    )
    def my_bank_consents(self) -> list[BankConsent]:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_cognito_user_pools(), aws_iam()],
        description=(
            "A checkout. A shopper sees it until another shopper accepts an offer on it: with "
            "their own outcome if they applied, as CREATED if not. A merchant sees its own. "
            "Null for anyone else."
        ),
    )
    def checkout(self, id: IdArgument) -> Checkout | None:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_cognito_user_pools()],
        description="A credit application, to its customer or the underwriters.",
    )
    def application(self, id: IdArgument) -> CreditApplication | None:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_cognito_user_pools(cognito_groups=["underwriters"])],
        description=(
            "An application's audit trail, oldest first: its decision and any review, with "
            "who, when, the request and the evidence. Underwriters only. NotFound when there "
            "is no such application."
        ),
    )
    def application_audit(self, application_id: IdArgument) -> list[AuditEntry]:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_cognito_user_pools()],
        description="A payment plan, to its customer.",
    )
    def plan(self, id: IdArgument) -> PaymentPlan | None:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_cognito_user_pools()],
        description="The signed-in customer's payment plans, newest first, a page at a time.",
    )
    def my_plans(
        self,
        limit: Annotated[
            int | None, strawberry.argument(description="Plans per page, 1 to 100; 20 if omitted.")
        ] = None,
        next_token: Annotated[
            str | None,
            strawberry.argument(
                description="The previous page's nextToken, as given: at most 2,048 characters."
            ),
        ] = None,
    ) -> PlanConnection:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_iam()],
        description="The merchant's webhook endpoints, oldest first (its own merchant only).",
    )
    def webhook_endpoints(self, merchant_id: IdArgument) -> list[WebhookEndpoint]:
        resolved_by_binding()

    @strawberry.field(
        directives=[aws_iam()],
        description="An endpoint's deliveries, newest first, a page at a time.",
    )
    def webhook_deliveries(
        self,
        endpoint_id: IdArgument,
        status: Annotated[
            WebhookDeliveryStatus | None,
            strawberry.argument(description="Only deliveries in this status."),
        ] = None,
        limit: Annotated[
            int | None,
            strawberry.argument(description="Deliveries per page, 1 to 100; 20 if omitted."),
        ] = None,
        next_token: Annotated[
            str | None,
            strawberry.argument(
                description="The previous page's nextToken, as given: at most 2,048 characters."
            ),
        ] = None,
    ) -> WebhookDeliveryConnection:
        resolved_by_binding()


@strawberry.type
class Mutation:
    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description="Creates the signed-in customer's profile; the same customer again returns it.",
    )
    def register_customer(self, input: RegisterCustomerInput) -> Customer:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description="Changes the signed-in customer's profile.",
    )
    def update_customer(self, input: UpdateCustomerInput) -> Customer:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description=(
            "Sends a one-time code to the signed-in customer's phone (SMS) or email; at most 5 "
            "an hour (RateLimited). The code lasts 10 minutes and allows 5 attempts."
        ),
    )
    def start_verification(self, channel: VerificationChannel) -> VerificationChallenge:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description=(
            "Checks a code: the right one makes the customer VERIFIED, once. Wrong codes give "
            "ValidationError with remainingAttempts; then ChallengeLocked, ChallengeExpired or "
            "ChallengeUsed."
        ),
    )
    def confirm_verification(
        self,
        challenge_id: Annotated[
            strawberry.ID,
            strawberry.argument(description=f"What startVerification returned. {ID}"),
        ],
        code: Annotated[str, strawberry.argument(description="The 6 digits sent.")],
    ) -> Customer:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description=(
            "Grants an open-banking account-information consent; the customer authorises it at "
            "their bank (the sandbox bank locally): AUTHORISED, or REJECTED if the bank refuses."
        ),
    )
    def grant_bank_consent(self, input: GrantBankConsentInput) -> BankConsent:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description="Revokes one of the signed-in customer's consents: no bank data is read again.",
    )
    def revoke_bank_consent(self, id: IdArgument) -> BankConsent:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "A merchant opens a checkout. The same merchantId and merchantReference return the "
            "same checkout."
        ),
    )
    def create_checkout(self, input: CreateCheckoutInput) -> Checkout:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description=(
            "A verified customer applies for credit on a checkout: pre-screening and the "
            "decision run at once. Up to 3 shoppers may apply to one checkout; one shopper's "
            "decision never closes it for another. The same idempotencyKey returns the same "
            "application; DependencyFailure leaves it PENDING for a retry with that key."
        ),
    )
    def apply_for_credit(self, input: ApplyForCreditInput) -> CreditApplication:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools(cognito_groups=["underwriters"])],
        description="An underwriter settles a REFERRED application: APPROVED or DECLINED.",
    )
    def review_application(self, input: ReviewApplicationInput) -> CreditApplication:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description=(
            "The customer accepts an offer of their APPROVED application: the first payment is "
            "taken, the plan created and the checkout CONFIRMED and bound to this customer, all "
            "or nothing. The same idempotencyKey returns the same plan."
        ),
    )
    def accept_offer(self, input: AcceptOfferInput) -> PaymentPlan:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description=(
            "The customer pays a DUE or LATE instalment of their plan; the same idempotencyKey "
            "returns the same payment."
        ),
    )
    def pay_instalment(self, input: PayInstalmentInput) -> Payment:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_cognito_user_pools()],
        description=(
            "The customer pays everything left on their plan now (early payoff, no fee); the "
            "same idempotencyKey returns the same payment."
        ),
    )
    def pay_off_plan(self, input: PayOffPlanInput) -> Payment:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "The merchant captures a CONFIRMED checkout, in full or in part, once. The same "
            "idempotencyKey returns the same checkout."
        ),
    )
    def capture_checkout(self, input: CaptureCheckoutInput) -> Checkout:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "The merchant voids a CONFIRMED checkout before capture: the plan is cancelled and "
            "the customer's payments are refunded. Voiding again answers the voided checkout."
        ),
    )
    def void_checkout(self, checkout_id: IdArgument) -> Checkout:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "The merchant refunds part or the rest of a CAPTURED checkout: after a partial "
            "refund it stays CAPTURED, and it is REFUNDED once everything captured was refunded. "
            "The same idempotencyKey returns the same checkout."
        ),
    )
    def refund_checkout(self, input: RefundCheckoutInput) -> Checkout:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "Registers a webhook endpoint of the caller's merchant. Its signing secret is "
            "answered this once: keep it."
        ),
    )
    def create_webhook_endpoint(self, input: CreateWebhookEndpointInput) -> WebhookEndpointSecret:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "A new signing secret for the endpoint, answered this once. For a day events carry "
            "a signature by each secret, so the receiver can switch without missing one."
        ),
    )
    def rotate_webhook_secret(self, endpoint_id: IdArgument) -> WebhookEndpointSecret:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description="Stops sending events to the endpoint; pending deliveries to it fail.",
    )
    def disable_webhook_endpoint(self, endpoint_id: IdArgument) -> WebhookEndpoint:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "Sends events to the endpoint again, its failures forgotten. Events of the time it "
            "was disabled are not sent: replay them."
        ),
    )
    def enable_webhook_endpoint(self, endpoint_id: IdArgument) -> WebhookEndpoint:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "Sends an event again, under its own id, to each enabled endpoint that takes its "
            "type, with a fresh retry schedule; events are kept a month."
        ),
    )
    def replay_webhook_event(self, event_id: IdArgument) -> list[WebhookDelivery]:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description="Sends a `webhook.test` event to the endpoint, signed and retried like any.",
    )
    def send_test_webhook(self, endpoint_id: IdArgument) -> WebhookTestEvent:
        resolved_by_binding()

    @strawberry.mutation(
        directives=[aws_iam()],
        description=(
            "The credit service announces a checkout's new state to its onCheckoutUpdated "
            "subscribers; returns the checkout as given. Only the credit service's IAM role may "
            "call it."
        ),
    )
    def publish_checkout_update(self, input: CheckoutUpdateInput) -> Checkout | None:
        resolved_by_binding()


@strawberry.type
class Subscription:
    @strawberry.subscription(
        directives=[
            aws_subscribe(mutations=["publishCheckoutUpdate"]),
            aws_cognito_user_pools(),
            aws_iam(),
        ],
        description=(
            "Every published change of one checkout: the checkout page waits on it for "
            "decisions and captures. A shopper hears only the updates that carry their own "
            "customerId; a merchant (IAM) only its own checkouts'."
        ),
    )
    async def on_checkout_updated(
        self,
        id: Annotated[strawberry.ID, strawberry.argument(description="The checkout's id.")],
    ) -> AsyncGenerator[Checkout | None]:
        resolved_by_binding()


SCHEMA = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=StrawberryConfig(scalar_map=SCALAR_MAP),
)
"""The API's schema; `bnpl schema export` prints it to `schema/schema.graphql`."""
