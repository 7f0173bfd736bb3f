"""Who may touch what, operation by operation, through the whole local stack (`bnpl dev`).

Every query and mutation whose arguments name something by id is tried, on one customer's and
one merchant's real things (a checkout, an application, a plan, a bank consent, a verification
challenge, a webhook endpoint and event), by each kind of caller:

- the customer who holds the customer's things (checkout's shopper, application, plan, ...);
- another customer;
- the merchant, signing with IAM, who holds the checkout and the webhook endpoint;
- an anonymous caller, with no credentials at all.

Each cell asserts the exact answer: the data, or the one error's `errorType`. Another customer is
told an id is not found rather than refused, so ids cannot be probed. The list of operations is
read from the schema: an operation added later without its row here fails
`test_every_operation_that_names_something_is_in_the_matrix`. A mutation's cell for whoever may
act sends an input the operation refuses for being wrong, not for who sent it
(`ValidationError`, `InvalidState`), or acts where that is harmless here (the webhook
endpoint's changes; paying the plan off on the sandbox card network): the check of who may act
runs first. Their other successful calls are the flows' tests (`test_plans_flow`,
`test_webhooks`, `test_verification`, ...).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, get_named_type

from appsync.sdl import build_executable_schema
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import Persona
from bnpl.settings import PROJECT_ROOT, SANDBOX_MERCHANT_ID
from tests.e2e.customers import new_customer
from tests.e2e.test_decisions import APPLY, new_checkout

pytestmark = pytest.mark.e2e

CUSTOMER, OTHER, MERCHANT, ANONYMOUS = "customer", "another customer", "merchant", "anonymous"
CALLERS = (CUSTOMER, OTHER, MERCHANT, ANONYMOUS)
OK = "OK"
NULL = "null"  # no data and no error: the field's "there is none" (nullable fields)
# AppSync refuses a request with no credentials as a whole, before any field runs.
NO_CREDENTIALS = "UnauthorizedException"
# A field the caller's auth mode may not use (`@aws_iam` / `@aws_cognito_user_pools`).
WRONG_MODE = "Unauthorized"


@dataclass(frozen=True)
class World:
    """The things the matrix acts on, and a client per kind of caller."""

    clients: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]]
    ids: dict[str, str]


@dataclass(frozen=True)
class Row:
    """One operation: its document, its variables from the world's ids, and per caller the
    expected answer (`OK` or an `errorType`)."""

    document: str
    variables: Callable[[dict[str, str]], dict[str, Any]]
    expected: dict[str, str]


def key() -> str:
    return str(uuid.uuid4())


TOKEN = "tok_visa"
ROWS: dict[str, Row] = {
    "Query.checkout": Row(
        "query Q($id: ID!) { checkout(id: $id) { id status } }",
        lambda ids: {"id": ids["checkout"]},
        # Bound to its shopper by their accepted offer: to anyone else there is none, as for an
        # unknown id (`test_another_customers_things_are_as_unknown_ids`).
        {CUSTOMER: OK, OTHER: NULL, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Query.application": Row(
        "query Q($id: ID!) { application(id: $id) { id status } }",
        lambda ids: {"id": ids["application"]},
        {CUSTOMER: OK, OTHER: NULL, MERCHANT: WRONG_MODE, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Query.plan": Row(
        "query Q($id: ID!) { plan(id: $id) { id status } }",
        lambda ids: {"id": ids["plan"]},
        {CUSTOMER: OK, OTHER: NULL, MERCHANT: WRONG_MODE, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Query.webhookEndpoints": Row(
        "query Q($m: ID!) { webhookEndpoints(merchantId: $m) { id } }",
        lambda ids: {"m": SANDBOX_MERCHANT_ID},
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Query.webhookDeliveries": Row(
        "query Q($id: ID!) { webhookDeliveries(endpointId: $id) { items { eventId } } }",
        lambda ids: {"id": ids["endpoint"]},
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
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
        {
            CUSTOMER: WRONG_MODE,
            OTHER: WRONG_MODE,
            MERCHANT: "Unauthorized",
            ANONYMOUS: NO_CREDENTIALS,
        },
    ),
    "Mutation.confirmVerification": Row(
        'mutation M($id: ID!) { confirmVerification(challengeId: $id, code: "000000") { id } }',
        lambda ids: {"id": ids["challenge"]},
        {
            CUSTOMER: "ValidationError",  # a wrong code
            OTHER: "NotFound",
            MERCHANT: WRONG_MODE,
            ANONYMOUS: NO_CREDENTIALS,
        },
    ),
    "Mutation.revokeBankConsent": Row(
        "mutation M($id: ID!) { revokeBankConsent(id: $id) { id status } }",
        lambda ids: {"id": ids["consent"]},
        # Revoking is the owner's to do, and idempotent: it answers the consent.
        {CUSTOMER: OK, OTHER: "NotFound", MERCHANT: WRONG_MODE, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Mutation.applyForCredit": Row(
        "mutation M($input: ApplyForCreditInput!) { applyForCredit(input: $input) { id } }",
        lambda ids: {"input": {"checkoutId": ids["checkout"], "idempotencyKey": key()}},
        # The checkout is bound to the owner's plan: nobody applies to it any more.
        {
            CUSTOMER: "InvalidState",
            OTHER: "InvalidState",
            MERCHANT: WRONG_MODE,
            ANONYMOUS: NO_CREDENTIALS,
        },
    ),
    "Mutation.reviewApplication": Row(
        "mutation M($input: ReviewApplicationInput!) { reviewApplication(input: $input) { id } }",
        lambda ids: {
            "input": {"applicationId": ids["application"], "outcome": "APPROVED", "note": "ok"}
        },
        # Underwriters only; nobody reviews their own application.
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: WRONG_MODE, ANONYMOUS: NO_CREDENTIALS},
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
        {
            CUSTOMER: "InvalidState",
            OTHER: "NotFound",
            MERCHANT: WRONG_MODE,
            ANONYMOUS: NO_CREDENTIALS,
        },
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
        {
            CUSTOMER: "InvalidState",
            OTHER: "NotFound",
            MERCHANT: WRONG_MODE,
            ANONYMOUS: NO_CREDENTIALS,
        },
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
        {
            CUSTOMER: OK,
            OTHER: "NotFound",
            MERCHANT: WRONG_MODE,
            ANONYMOUS: NO_CREDENTIALS,
        },
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
        {
            CUSTOMER: WRONG_MODE,
            OTHER: WRONG_MODE,
            MERCHANT: "ValidationError",
            ANONYMOUS: NO_CREDENTIALS,
        },
    ),
    "Mutation.voidCheckout": Row(
        "mutation M($id: ID!) { voidCheckout(checkoutId: $id) { id } }",
        lambda ids: {"id": ids["captured"]},  # captured: past voiding
        {
            CUSTOMER: WRONG_MODE,
            OTHER: WRONG_MODE,
            MERCHANT: "InvalidState",
            ANONYMOUS: NO_CREDENTIALS,
        },
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
        {
            CUSTOMER: WRONG_MODE,
            OTHER: WRONG_MODE,
            MERCHANT: "InvalidState",
            ANONYMOUS: NO_CREDENTIALS,
        },
    ),
    "Mutation.createWebhookEndpoint": Row(
        """mutation M($input: CreateWebhookEndpointInput!) {
          createWebhookEndpoint(input: $input) { endpoint { id } }
        }""",
        lambda ids: {
            "input": {"merchantId": SANDBOX_MERCHANT_ID, "url": "ftp://nowhere", "eventTypes": []}
        },
        {
            CUSTOMER: WRONG_MODE,
            OTHER: WRONG_MODE,
            MERCHANT: "ValidationError",
            ANONYMOUS: NO_CREDENTIALS,
        },
    ),
    "Mutation.rotateWebhookSecret": Row(
        "mutation M($id: ID!) { rotateWebhookSecret(endpointId: $id) { endpoint { id } } }",
        lambda ids: {"id": ids["endpoint"]},
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Mutation.disableWebhookEndpoint": Row(
        "mutation M($id: ID!) { disableWebhookEndpoint(endpointId: $id) { id } }",
        lambda ids: {"id": ids["endpoint"]},
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Mutation.enableWebhookEndpoint": Row(
        "mutation M($id: ID!) { enableWebhookEndpoint(endpointId: $id) { id } }",
        lambda ids: {"id": ids["endpoint"]},
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Mutation.replayWebhookEvent": Row(
        "mutation M($id: ID!) { replayWebhookEvent(eventId: $id) { eventId } }",
        lambda ids: {"id": ids["event"]},
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
    ),
    "Mutation.sendTestWebhook": Row(
        "mutation M($id: ID!) { sendTestWebhook(endpointId: $id) { eventId } }",
        lambda ids: {"id": ids["endpoint"]},
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: OK, ANONYMOUS: NO_CREDENTIALS},
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
        {CUSTOMER: WRONG_MODE, OTHER: WRONG_MODE, MERCHANT: WRONG_MODE, ANONYMOUS: NO_CREDENTIALS},
    ),
}


START_VERIFICATION = "mutation { startVerification(channel: SMS) { challengeId } }"
GRANT = """mutation G($input: GrantBankConsentInput!) { grantBankConsent(input: $input) { id } }"""
ACCEPT = "mutation A($input: AcceptOfferInput!) { acceptOffer(input: $input) { id } }"
CAPTURE = "mutation C($input: CaptureCheckoutInput!) { captureCheckout(input: $input) { id } }"
CREATE_ENDPOINT = """
mutation E($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id } }
}"""
SEND_TEST = "mutation T($id: ID!) { sendTestWebhook(endpointId: $id) { eventId } }"


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def customer_client(stack: RunningStack, http: httpx.Client, who: Persona) -> GraphQLClient:
    token = mint_token(stack.settings, sub=who.sub, email=who.email, groups=who.groups)
    return GraphQLClient(stack.settings.graphql_url, token=token, http=http)


def approved(
    stack: RunningStack, http: httpx.Client
) -> tuple[Persona, GraphQLClient, str, dict[str, Any]]:
    """A new customer approved on a new checkout: them, their client, the checkout, the
    application (its offers included)."""
    for _ in range(20):
        who = new_customer(stack, "matrix")
        client = customer_client(stack, http, who)
        checkout = new_checkout(stack, http)
        payload = {"checkoutId": checkout, "idempotencyKey": key()}
        application = ok(client.execute(APPLY, {"input": payload}), "applyForCredit")
        if application["decision"]["outcome"] == "APPROVED":
            return who, client, checkout, application
    raise AssertionError("no new customer was approved in 20")


def accepted(client: GraphQLClient, application: dict[str, Any]) -> str:
    """The plan of the application's first offer, taken up."""
    payload = {
        "applicationId": application["id"],
        "offerId": application["offers"][0]["id"],
        "paymentMethodToken": TOKEN,
        "idempotencyKey": key(),
    }
    return str(ok(client.execute(ACCEPT, {"input": payload}), "acceptOffer")["id"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with (
        running_stack(tmp_path_factory.mktemp("matrix")) as stack,
        httpx.Client(timeout=60) as http,
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv("AWS_ACCESS_KEY_ID", "local")  # DynamoDB Local, to seed customers
        env.setenv("AWS_SECRET_ACCESS_KEY", "local")
        merchant = GraphQLClient(
            stack.settings.graphql_url, iam_region=stack.settings.region, http=http
        )
        _, customer, checkout, application = approved(stack, http)
        plan = accepted(customer, application)
        _, someone, captured, theirs = approved(stack, http)
        accepted(someone, theirs)
        ok(
            merchant.execute(CAPTURE, {"input": {"checkoutId": captured, "idempotencyKey": key()}}),
            "captureCheckout",
        )
        permissions = ["ReadAccountsBasic", "ReadBalances"]
        consent = ok(
            customer.execute(GRANT, {"input": {"permissions": permissions}}), "grantBankConsent"
        )
        endpoint = ok(
            merchant.execute(
                CREATE_ENDPOINT,
                {
                    "input": {
                        "merchantId": SANDBOX_MERCHANT_ID,
                        "url": "http://127.0.0.1:9/hook",
                        "eventTypes": ["CHECKOUT_APPROVED"],
                    }
                },
            ),
            "createWebhookEndpoint",
        )["endpoint"]["id"]
        event = ok(merchant.execute(SEND_TEST, {"id": endpoint}), "sendTestWebhook")["eventId"]
        # Last: a started verification leaves the profile PENDING until confirmed.
        challenge = ok(customer.execute(START_VERIFICATION), "startVerification")["challengeId"]
        other = customer_client(stack, http, new_customer(stack, "other"))

        def anonymous(document: str, variables: dict[str, Any]) -> dict[str, Any]:
            answer = http.post(
                stack.settings.graphql_url, json={"query": document, "variables": variables}
            )
            body: dict[str, Any] = answer.json()
            assert answer.status_code == 401, (answer.status_code, body)
            return body

        yield World(
            clients={
                CUSTOMER: customer.execute,
                OTHER: other.execute,
                MERCHANT: merchant.execute,
                ANONYMOUS: anonymous,
            },
            ids={
                "checkout": checkout,
                "application": application["id"],
                "offer": application["offers"][0]["id"],
                "plan": plan,
                "captured": captured,
                "consent": consent["id"],
                "challenge": challenge,
                "endpoint": endpoint,
                "event": event,
            },
        )


def answer(body: dict[str, Any], field: str) -> str:
    """`OK`, or the one error's `errorType` (checked to carry no stack trace)."""
    assert "Traceback" not in str(body), body
    errors = body.get("errors")
    if not errors:
        return OK if body["data"][field] is not None else NULL
    assert len(errors) == 1, body
    assert (body.get("data") or {}).get(field) is None, body
    return str(errors[0]["errorType"])


def test_every_cell_answers_as_expected(world):
    wrong = []
    for operation, row in ROWS.items():
        field = operation.split(".", 1)[1]
        for caller in CALLERS:
            body = world.clients[caller](row.document, row.variables(world.ids))
            got = answer(body, field)
            if got != row.expected[caller]:
                wrong.append(f"{operation} as {caller}: {got} ({body}), not {row.expected[caller]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("query", ["checkout", "application", "plan"])
def test_another_customers_things_are_as_unknown_ids(world, query):
    document = ROWS[f"Query.{query}"].document
    unknown = world.clients[CUSTOMER](document, {"id": f"{query}-{key()}"})
    theirs = world.clients[OTHER](document, {"id": world.ids[query]})
    assert unknown == theirs == {"data": {query: None}}


def _names_something(argument_type: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether an argument is an ID or an input that holds one."""
    named = get_named_type(argument_type)
    if named.name == "ID":
        return True
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        return any(
            _names_something(field.type, seen | {named.name}) for field in named.fields.values()
        )
    return False


def test_every_operation_that_names_something_is_in_the_matrix():
    schema = build_executable_schema((PROJECT_ROOT / "schema" / "schema.graphql").read_text())
    naming = {
        f"{kind}.{name}"
        for kind in ("Query", "Mutation")
        for name, field in schema.get_type(kind).fields.items()  # type: ignore[union-attr]
        if any(_names_something(arg.type) for arg in field.args.values())
    }
    assert naming == set(ROWS)
    assert all(set(row.expected) == set(CALLERS) for row in ROWS.values())
