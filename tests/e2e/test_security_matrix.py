"""Who may touch what, operation by operation, through the whole local stack (`bnpl dev`).

Every query and mutation whose arguments name something by id is tried, on one customer's and
one merchant's real things (a checkout, an application, a plan, a bank consent, a verification
challenge, a webhook endpoint and event), by each kind of caller:

- the customer who holds the customer's things (checkout's shopper, application, plan, ...);
- another customer;
- the merchant, signing with IAM, who holds the checkout and the webhook endpoint;
- another merchant (the local stack's second sandbox merchant, keys of its own);
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
from bnpl.settings import (
    PROJECT_ROOT,
    RIVAL_MERCHANT_ACCESS_KEY_ID,
    RIVAL_MERCHANT_SECRET_ACCESS_KEY,
    SANDBOX_MERCHANT_ID,
)
from tests.e2e.customers import new_customer
from tests.e2e.security_rows import (
    ANONYMOUS,
    CALLERS,
    CUSTOMER,
    MERCHANT,
    NULL,
    OK,
    OTHER,
    RIVAL,
    ROWS,
    TOKEN,
    key,
)
from tests.e2e.test_decisions import APPLY, new_checkout

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class World:
    """The things the matrix acts on, and a client per kind of caller."""

    clients: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]]
    ids: dict[str, str]


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
        rival = GraphQLClient(
            stack.settings.graphql_url,
            iam_region=stack.settings.region,
            iam_keys=(RIVAL_MERCHANT_ACCESS_KEY_ID, RIVAL_MERCHANT_SECRET_ACCESS_KEY),
            http=http,
        )

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
                RIVAL: rival.execute,
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
