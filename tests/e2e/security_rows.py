"""The rows of the security matrix (`test_security_matrix.py`): for each operation that names
something by id, its document, its variables from the matrix's real ids, and the exact answer
each kind of caller gets (`OK`, `NULL` or an `errorType`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bnpl.settings import SANDBOX_MERCHANT_ID

CUSTOMER, OTHER, MERCHANT, RIVAL, ANONYMOUS = (
    "customer",
    "another customer",
    "merchant",
    "another merchant",
    "anonymous",
)
CALLERS = (CUSTOMER, OTHER, MERCHANT, RIVAL, ANONYMOUS)
OK = "OK"
NULL = "null"  # no data and no error: the field's "there is none" (nullable fields)
# AppSync refuses a request with no credentials as a whole, before any field runs.
NO_CREDENTIALS = "UnauthorizedException"
# A field the caller's auth mode may not use (`@aws_iam` / `@aws_cognito_user_pools`).
WRONG_MODE = "Unauthorized"


@dataclass(frozen=True)
class Row:
    """One operation: its document, its variables from the world's ids, and per caller the
    expected answer (`OK` or an `errorType`)."""

    document: str
    variables: Callable[[dict[str, str]], dict[str, Any]]
    expected: dict[str, str]


def customer_only(customer: str, *, other: str) -> dict[str, str]:
    """The answers of a Cognito-only operation: a merchant's IAM is the wrong auth mode."""
    return {
        CUSTOMER: customer,
        OTHER: other,
        MERCHANT: WRONG_MODE,
        RIVAL: WRONG_MODE,
        ANONYMOUS: NO_CREDENTIALS,
    }


def merchant_only(merchant: str, *, rival: str = "NotFound") -> dict[str, str]:
    """The answers of an IAM-only operation: a customer's token is the wrong auth mode, and
    another merchant is told the merchant's things are not found."""
    return {
        CUSTOMER: WRONG_MODE,
        OTHER: WRONG_MODE,
        MERCHANT: merchant,
        RIVAL: rival,
        ANONYMOUS: NO_CREDENTIALS,
    }


def key() -> str:
    return str(uuid.uuid4())


TOKEN = "tok_visa"
ROWS: dict[str, Row] = {
    "Query.checkout": Row(
        "query Q($id: ID!) { checkout(id: $id) { id status } }",
        lambda ids: {"id": ids["checkout"]},
        # Bound to its shopper by their accepted offer: to anyone else there is none, as for an
        # unknown id (`test_another_customers_things_are_as_unknown_ids`).
        {CUSTOMER: OK, OTHER: NULL, MERCHANT: OK, RIVAL: NULL, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Query.application": Row(
        "query Q($id: ID!) { application(id: $id) { id status } }",
        lambda ids: {"id": ids["application"]},
        customer_only(OK, other=NULL),
    ),
    "Query.applicationAudit": Row(
        "query Q($id: ID!) { applicationAudit(applicationId: $id) { sequence action } }",
        lambda ids: {"id": ids["application"]},
        # Underwriters only (a group of Cognito users): AppSync refuses every shopper, the
        # application's own included, before the field runs, as it refuses IAM.
        customer_only("Unauthorized", other="Unauthorized"),
    ),
    "Query.plan": Row(
        "query Q($id: ID!) { plan(id: $id) { id status } }",
        lambda ids: {"id": ids["plan"]},
        customer_only(OK, other=NULL),
    ),
    "Query.webhookEndpoints": Row(
        "query Q($m: ID!) { webhookEndpoints(merchantId: $m) { id } }",
        lambda ids: {"m": SANDBOX_MERCHANT_ID},
        merchant_only(OK, rival="Unauthorized"),  # naming another merchant's id
    ),
    "Query.webhookDeliveries": Row(
        "query Q($id: ID!) { webhookDeliveries(endpointId: $id) { items { eventId } } }",
        lambda ids: {"id": ids["endpoint"]},
        merchant_only(OK),
    ),
    "Mutation.createCheckout": Row(
        """mutation M($input: CreateCheckoutInput!) { createCheckout(input: $input) { id } }""",
        lambda ids: {
            "input": {
                "merchantId": "m_someone_else",  # not the caller's own
                "merchantReference": f"matrix-{key()}",
                "amount": {"amount": 1_000, "currency": "GBP"},
                "items": [
                    {
                        "sku": "A",
                        "name": "A",
                        "quantity": 1,
                        "unitPrice": {"amount": 1_000, "currency": "GBP"},
                    }
                ],
            }
        },
        merchant_only("Unauthorized", rival="Unauthorized"),
    ),
    "Mutation.confirmVerification": Row(
        'mutation M($id: ID!) { confirmVerification(challengeId: $id, code: "000000") { id } }',
        lambda ids: {"id": ids["challenge"]},
        customer_only("ValidationError", other="NotFound"),  # a wrong code, for the customer
    ),
    "Mutation.revokeBankConsent": Row(
        "mutation M($id: ID!) { revokeBankConsent(id: $id) { id status } }",
        lambda ids: {"id": ids["consent"]},
        # Revoking is the owner's to do, and idempotent: it answers the consent.
        customer_only(OK, other="NotFound"),
    ),
    "Mutation.applyForCredit": Row(
        "mutation M($input: ApplyForCreditInput!) { applyForCredit(input: $input) { id } }",
        lambda ids: {"input": {"checkoutId": ids["checkout"], "idempotencyKey": key()}},
        # The checkout is bound to the owner's plan: nobody applies to it any more.
        customer_only("InvalidState", other="InvalidState"),
    ),
    "Mutation.reviewApplication": Row(
        "mutation M($input: ReviewApplicationInput!) { reviewApplication(input: $input) { id } }",
        lambda ids: {
            "input": {"applicationId": ids["application"], "outcome": "APPROVED", "note": "ok"}
        },
        # Underwriters only (a group of Cognito users), and nobody reviews their own application:
        # the service refuses both customers as `Unauthorized`, as AppSync refuses IAM.
        customer_only("Unauthorized", other="Unauthorized"),
    ),
    "Mutation.acceptOffer": Row(
        """mutation M($input: AcceptOfferInput!) { acceptOffer(input: $input) { id } }""",
        lambda ids: {
            "input": {
                "applicationId": ids["application"],
                "offerId": ids["offer"],
                "paymentMethodToken": TOKEN,
                "idempotencyKey": key(),
            }
        },
        # Already taken up by the owner with another key.
        customer_only("InvalidState", other="NotFound"),
    ),
    "Mutation.payInstalment": Row(
        "mutation M($input: PayInstalmentInput!) { payInstalment(input: $input) { id } }",
        lambda ids: {
            "input": {
                "planId": ids["plan"],
                "instalmentNumber": 1,  # paid when the offer was accepted
                "paymentMethodToken": TOKEN,
                "idempotencyKey": key(),
            }
        },
        customer_only("InvalidState", other="NotFound"),
    ),
    "Mutation.payOffPlan": Row(
        "mutation M($input: PayOffPlanInput!) { payOffPlan(input: $input) { id } }",
        lambda ids: {
            "input": {
                "planId": ids["plan"],
                "paymentMethodToken": TOKEN,
                "idempotencyKey": key(),
            }
        },
        # The customer pays their plan off (the sandbox card network): the plan's last use.
        customer_only(OK, other="NotFound"),
    ),
    "Mutation.captureCheckout": Row(
        "mutation M($input: CaptureCheckoutInput!) { captureCheckout(input: $input) { id } }",
        lambda ids: {
            "input": {
                "checkoutId": ids["checkout"],
                "amount": {"amount": 10**9, "currency": "GBP"},  # more than the order
                "idempotencyKey": key(),
            }
        },
        merchant_only("ValidationError"),
    ),
    "Mutation.voidCheckout": Row(
        "mutation M($id: ID!) { voidCheckout(checkoutId: $id) { id } }",
        lambda ids: {"id": ids["captured"]},  # captured: past voiding
        merchant_only("InvalidState"),
    ),
    "Mutation.refundCheckout": Row(
        "mutation M($input: RefundCheckoutInput!) { refundCheckout(input: $input) { id } }",
        lambda ids: {
            "input": {
                "checkoutId": ids["checkout"],  # not captured: nothing to refund
                "amount": {"amount": 100, "currency": "GBP"},
                "idempotencyKey": key(),
            }
        },
        merchant_only("InvalidState"),
    ),
    "Mutation.createWebhookEndpoint": Row(
        """mutation M($input: CreateWebhookEndpointInput!) {
          createWebhookEndpoint(input: $input) { endpoint { id } }
        }""",
        lambda ids: {
            "input": {
                "merchantId": SANDBOX_MERCHANT_ID,
                "url": "http://127.0.0.1:9/hook",
                "eventTypes": ["CHECKOUT_APPROVED"],
            }
        },
        merchant_only(OK, rival="Unauthorized"),  # for another merchant's id
    ),
    "Mutation.rotateWebhookSecret": Row(
        "mutation M($id: ID!) { rotateWebhookSecret(endpointId: $id) { endpoint { id } } }",
        lambda ids: {"id": ids["endpoint"]},
        merchant_only(OK),
    ),
    "Mutation.disableWebhookEndpoint": Row(
        "mutation M($id: ID!) { disableWebhookEndpoint(endpointId: $id) { id } }",
        lambda ids: {"id": ids["endpoint"]},
        merchant_only(OK),
    ),
    "Mutation.enableWebhookEndpoint": Row(
        "mutation M($id: ID!) { enableWebhookEndpoint(endpointId: $id) { id } }",
        lambda ids: {"id": ids["endpoint"]},
        merchant_only(OK),
    ),
    "Mutation.replayWebhookEvent": Row(
        "mutation M($id: ID!) { replayWebhookEvent(eventId: $id) { eventId } }",
        lambda ids: {"id": ids["event"]},
        merchant_only(OK),
    ),
    "Mutation.sendTestWebhook": Row(
        "mutation M($id: ID!) { sendTestWebhook(endpointId: $id) { eventId } }",
        lambda ids: {"id": ids["endpoint"]},
        merchant_only(OK),
    ),
    "Mutation.publishCheckoutUpdate": Row(
        "mutation M($input: CheckoutUpdateInput!) { publishCheckoutUpdate(input: $input) { id } }",
        lambda ids: {
            "input": {
                "id": ids["checkout"],
                "merchantId": SANDBOX_MERCHANT_ID,
                "merchantReference": "forged",
                "amount": {"amount": 1, "currency": "GBP"},
                "items": [],
                "status": "CAPTURED",
                "expiresAt": "2030-01-01T00:00:00Z",
                "createdAt": "2030-01-01T00:00:00Z",
            }
        },
        # Only the credit service's role publishes: a merchant's signature is not enough.
        merchant_only(WRONG_MODE, rival=WRONG_MODE),
    ),
}
