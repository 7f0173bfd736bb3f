"""Plans and payments through the whole local stack (`bnpl dev`), over the emulator's GraphQL
endpoint as a checkout page and a merchant backend drive them: the `approve` persona accepts an
offer and pays it off instalment by instalment; the merchant captures part, refunds part, cannot
void after capture; an `onCheckoutUpdated` subscriber hears each step; `myPlans` pages; and
`bnpl jobs run` expires a checkout left uncaptured past the authorisation window.

The credit policy allows a customer at most `max_active_plans` (3) plans or untaken approvals at
once and refers a sixth application in a day, so the tests share the work between the two
personas that are approved: `approve`, and `refer` with its seeded bank consent."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from botocore.credentials import Credentials
from gql import Client, GraphQLRequest
from gql.transport.appsync_auth import AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport

from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.sandbox_consents import sandbox_consent_id
from bnpl.settings import (
    CREDIT_SERVICE_ACCESS_KEY_ID,
    CREDIT_SERVICE_SECRET_ACCESS_KEY,
    SANDBOX_MERCHANT_ID,
)
from services.credit.checkouts.updates import AppSyncCheckoutUpdates

pytestmark = pytest.mark.e2e

ME = "{ me { id verificationStatus } }"
CREATE_CHECKOUT = """
mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { id status } }"""
APPLY = """
mutation Apply($input: ApplyForCreditInput!) {
  applyForCredit(input: $input) {
    id status decision { outcome reasons { code } } offers { id product }
  }
}"""
PLAN_FIELDS = """
  id checkoutId customerId status createdAt principal { amount } totalPayable { amount }
  instalments { number status amount { amount } paidAt }
  payments { id status amount { amount } instalmentNumbers cardLast4 }
"""
ACCEPT = f"""
mutation Accept($input: AcceptOfferInput!) {{ acceptOffer(input: $input) {{ {PLAN_FIELDS} }} }}"""
PLAN = f"query Plan($id: ID!) {{ plan(id: $id) {{ {PLAN_FIELDS} }} }}"
PAYMENT_FIELDS = "id planId status amount { amount } instalmentNumbers cardLast4"
PAY = f"""
mutation Pay($input: PayInstalmentInput!) {{
  payInstalment(input: $input) {{ {PAYMENT_FIELDS} }}
}}"""
PAY_OFF = f"""
mutation PayOff($input: PayOffPlanInput!) {{ payOffPlan(input: $input) {{ {PAYMENT_FIELDS} }} }}"""
CUSTOMER_CHECKOUT = "query Checkout($id: ID!) { checkout(id: $id) { status plan { id } } }"
MERCHANT_FIELDS = "id status capturedAmount { amount } refundedAmount { amount }"
MERCHANT_CHECKOUT = f"query Checkout($id: ID!) {{ checkout(id: $id) {{ {MERCHANT_FIELDS} }} }}"
CAPTURE = f"""
mutation Capture($input: CaptureCheckoutInput!) {{
  captureCheckout(input: $input) {{ {MERCHANT_FIELDS} }}
}}"""
REFUND = f"""
mutation Refund($input: RefundCheckoutInput!) {{
  refundCheckout(input: $input) {{ {MERCHANT_FIELDS} }}
}}"""
VOID = f"mutation Void($id: ID!) {{ voidCheckout(checkoutId: $id) {{ {MERCHANT_FIELDS} }} }}"
ON_UPDATED = f"""
subscription OnUpdated($id: ID!) {{ onCheckoutUpdated(id: $id) {{ {MERCHANT_FIELDS} }} }}"""
MY_PLANS = """
query MyPlans($limit: Int, $nextToken: String) {
  myPlans(limit: $limit, nextToken: $nextToken) { items { id createdAt } nextToken }
}"""
AMOUNT = 10_000  # PAY_IN_4: four instalments of 2,500


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("plans")) as running:
        yield running


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


def persona_token(stack: RunningStack, name: str) -> str:
    """The Cognito ID token of a seeded persona, as `bnpl token <name>` mints it."""
    persona = PERSONAS[name]
    return mint_token(stack.settings, sub=persona.sub, email=persona.email, groups=persona.groups)


@pytest.fixture(scope="module")
def shopper(stack: RunningStack, http: httpx.Client) -> GraphQLClient:
    """The seeded `approve` persona (good file, VERIFIED)."""
    return GraphQLClient(
        stack.settings.graphql_url, token=persona_token(stack, "approve"), http=http
    )


@pytest.fixture(scope="module")
def referred(stack: RunningStack, http: httpx.Client) -> GraphQLClient:
    """The seeded `refer` persona: approved when its seeded bank consent joins the application."""
    return GraphQLClient(stack.settings.graphql_url, token=persona_token(stack, "refer"), http=http)


@pytest.fixture(scope="module")
def merchant(stack: RunningStack, http: httpx.Client) -> GraphQLClient:
    """The sandbox merchant's backend: every request SigV4-signed (AWS_IAM)."""
    return GraphQLClient(stack.settings.graphql_url, iam_region=stack.settings.region, http=http)


@pytest.fixture(scope="module")
def created_plans() -> list[str]:
    """Every plan the `approve` persona accepted in this module, oldest first."""
    return []


def data(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def error_type(body: dict[str, Any]) -> str:
    [error] = body["errors"]
    kind: str = error["errorType"]
    return kind


def approved_checkout(
    shopper: GraphQLClient, merchant: GraphQLClient, *, consent: str | None = None
) -> tuple[str, str, str]:
    """A new checkout of the sandbox merchant that the shopper was approved on: (checkout id,
    application id, PAY_IN_4 offer id)."""
    money = {"amount": AMOUNT, "currency": "GBP"}
    created = data(
        merchant.execute(
            CREATE_CHECKOUT,
            {
                "input": {
                    "merchantId": SANDBOX_MERCHANT_ID,
                    "merchantReference": f"plans-{uuid.uuid4()}",
                    "amount": money,
                    "items": [{"sku": "K-1", "name": "Kettle", "quantity": 1, "unitPrice": money}],
                }
            },
        ),
        "createCheckout",
    )
    apply = {"checkoutId": created["id"], "idempotencyKey": str(uuid.uuid4())}
    if consent is not None:
        apply["bankConsentId"] = consent
    application = data(shopper.execute(APPLY, {"input": apply}), "applyForCredit")
    assert application["decision"]["outcome"] == "APPROVED", application
    [offer] = [o["id"] for o in application["offers"] if o["product"] == "PAY_IN_4"]
    return created["id"], application["id"], offer


def accept(
    shopper: GraphQLClient, application_id: str, offer_id: str, record: list[str] | None = None
) -> dict[str, Any]:
    """acceptOffer with tok_visa; the plan's id is appended to `record`."""
    plan: dict[str, Any] = data(
        shopper.execute(
            ACCEPT,
            {
                "input": {
                    "applicationId": application_id,
                    "offerId": offer_id,
                    "paymentMethodToken": "tok_visa",
                    "idempotencyKey": str(uuid.uuid4()),
                }
            },
        ),
        "acceptOffer",
    )
    if record is not None:
        record.append(plan["id"])
    return plan


def pay(shopper: GraphQLClient, plan_id: str, number: int, key: str) -> dict[str, Any]:
    return shopper.execute(
        PAY,
        {
            "input": {
                "planId": plan_id,
                "instalmentNumber": number,
                "paymentMethodToken": "tok_mastercard",
                "idempotencyKey": key,
            }
        },
    )


def money_input(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "GBP"}


def test_the_customer_accepts_an_offer_and_pays_every_instalment(shopper, merchant, created_plans):
    """acceptOffer takes instalment 1 and confirms the checkout; payInstalment pays 2, 3 and 4
    and completes the plan; a replay with the same key answers the same payment, another key
    on a PAID instalment is InvalidState."""
    assert data(shopper.execute(ME), "me") == {
        "id": PERSONAS["approve"].sub,
        "verificationStatus": "VERIFIED",
    }
    checkout_id, application_id, offer_id = approved_checkout(shopper, merchant)
    plan = accept(shopper, application_id, offer_id, created_plans)
    assert (plan["status"], plan["checkoutId"], plan["customerId"]) == (
        "ACTIVE",
        checkout_id,
        PERSONAS["approve"].sub,
    )
    assert [(i["number"], i["status"]) for i in plan["instalments"]] == [
        (1, "PAID"),
        (2, "DUE"),
        (3, "DUE"),
        (4, "DUE"),
    ]
    [first] = plan["payments"]
    assert (first["status"], first["amount"], first["instalmentNumbers"], first["cardLast4"]) == (
        "SUCCEEDED",
        {"amount": 2500},
        [1],
        "4242",
    )
    seen = data(shopper.execute(CUSTOMER_CHECKOUT, {"id": checkout_id}), "checkout")
    assert seen == {"status": "CONFIRMED", "plan": {"id": plan["id"]}}

    keys = {number: str(uuid.uuid4()) for number in (2, 3, 4)}
    payments = {
        n: data(pay(shopper, plan["id"], n, key), "payInstalment") for n, key in keys.items()
    }
    for number, payment in payments.items():
        assert (payment["planId"], payment["status"], payment["instalmentNumbers"]) == (
            plan["id"],
            "SUCCEEDED",
            [number],
        )
        assert (payment["amount"], payment["cardLast4"]) == ({"amount": 2500}, "4444")
    assert len({p["id"] for p in payments.values()} | {first["id"]}) == 4

    paid = data(shopper.execute(PLAN, {"id": plan["id"]}), "plan")
    assert paid["status"] == "COMPLETED"
    assert [i["status"] for i in paid["instalments"]] == ["PAID"] * 4
    assert all(i["paidAt"] for i in paid["instalments"])
    assert [p["id"] for p in paid["payments"]] == [first["id"]] + [
        payments[n]["id"] for n in (2, 3, 4)
    ]

    replay = data(pay(shopper, plan["id"], 2, keys[2]), "payInstalment")
    assert replay == payments[2]
    again = pay(shopper, plan["id"], 2, str(uuid.uuid4()))
    assert again["data"] is None
    assert error_type(again) == "InvalidState"
    assert len(data(shopper.execute(PLAN, {"id": plan["id"]}), "plan")["payments"]) == 4


def test_the_merchant_captures_part_refunds_part_and_the_customer_pays_off_the_rest(
    shopper, merchant, created_plans
):
    """A partial capture releases the rest of the order and a partial refund reduces the plan,
    both from the last instalment back; void after capture is InvalidState; a customer's token
    may not capture (AppSync's field auth); payOffPlan pays what is left and completes the plan."""
    checkout_id, application_id, offer_id = approved_checkout(shopper, merchant)
    plan = accept(shopper, application_id, offer_id, created_plans)

    refused = shopper.execute(
        CAPTURE, {"input": {"checkoutId": checkout_id, "idempotencyKey": str(uuid.uuid4())}}
    )
    assert refused["data"] is None
    [denied] = refused["errors"]
    assert (denied["errorType"], denied["message"], denied["path"]) == (
        "Unauthorized",
        "Not Authorized to access captureCheckout on type Mutation",
        ["captureCheckout"],
    )
    still = data(merchant.execute(MERCHANT_CHECKOUT, {"id": checkout_id}), "checkout")
    assert still["status"] == "CONFIRMED"

    capture_key = str(uuid.uuid4())
    capture = {
        "checkoutId": checkout_id,
        "amount": money_input(8000),
        "idempotencyKey": capture_key,
    }
    captured = data(merchant.execute(CAPTURE, {"input": capture}), "captureCheckout")
    assert captured == {
        "id": checkout_id,
        "status": "CAPTURED",
        "capturedAmount": {"amount": 8000},
        "refundedAmount": None,
    }
    assert data(merchant.execute(CAPTURE, {"input": capture}), "captureCheckout") == captured
    reduced = data(shopper.execute(PLAN, {"id": plan["id"]}), "plan")
    assert [i["amount"]["amount"] for i in reduced["instalments"]] == [2500, 2500, 2500, 500]

    refund = {
        "checkoutId": checkout_id,
        "amount": money_input(1000),
        "idempotencyKey": str(uuid.uuid4()),
    }
    refunded = data(merchant.execute(REFUND, {"input": refund}), "refundCheckout")
    assert refunded == {
        "id": checkout_id,
        "status": "CAPTURED",
        "capturedAmount": {"amount": 8000},
        "refundedAmount": {"amount": 1000},
    }
    reduced = data(shopper.execute(PLAN, {"id": plan["id"]}), "plan")
    assert reduced["status"] == "ACTIVE"
    assert [(i["status"], i["amount"]["amount"]) for i in reduced["instalments"]] == [
        ("PAID", 2500),
        ("DUE", 2500),
        ("DUE", 2000),
        ("WAIVED", 0),
    ]

    voided = merchant.execute(VOID, {"id": checkout_id})
    assert voided["data"] is None
    assert error_type(voided) == "InvalidState"
    assert data(merchant.execute(MERCHANT_CHECKOUT, {"id": checkout_id}), "checkout") == refunded

    payoff = {
        "planId": plan["id"],
        "paymentMethodToken": "tok_visa",
        "idempotencyKey": str(uuid.uuid4()),
    }
    payment = data(shopper.execute(PAY_OFF, {"input": payoff}), "payOffPlan")
    assert (payment["status"], payment["amount"], payment["instalmentNumbers"]) == (
        "SUCCEEDED",
        {"amount": 4500},
        [2, 3],
    )
    done = data(shopper.execute(PLAN, {"id": plan["id"]}), "plan")
    assert done["status"] == "COMPLETED"
    assert [i["status"] for i in done["instalments"]] == ["PAID", "PAID", "PAID", "WAIVED"]
    assert data(shopper.execute(PAY_OFF, {"input": payoff}), "payOffPlan") == payment


@asynccontextmanager
async def checkout_updates(
    stack: RunningStack, token: str, checkout_id: str
) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """A subscription to onCheckoutUpdated(checkout_id) over gql's AppSync WebSocket transport,
    its updates put on a queue."""
    host = urlparse(stack.settings.graphql_url).netloc
    transport = AppSyncWebsocketsTransport(
        url=f"ws://{host}/graphql/realtime", auth=AppSyncJWTAuthentication(host=host, jwt=token)
    )
    updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with Client(transport=transport) as realtime:

        async def listen() -> None:
            request = GraphQLRequest(ON_UPDATED, variable_values={"id": checkout_id})
            async for result in realtime.subscribe(request):
                await updates.put(result["onCheckoutUpdated"])

        listening = asyncio.create_task(listen())
        try:
            yield updates
        finally:
            listening.cancel()
            with pytest.raises(asyncio.CancelledError):
                await listening


async def next_status(updates: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    """The next update that is not one of the APPROVED probes."""
    while True:
        update = await asyncio.wait_for(updates.get(), 15)
        if update["status"] != "APPROVED":
            return update


@pytest.mark.anyio
async def test_a_subscriber_hears_confirmed_then_captured_then_the_refund(
    stack, referred, merchant, http
):
    """onCheckoutUpdated(id), as the checkout page subscribes with the customer's token, receives
    each change the credit service publishes, in order: CONFIRMED on acceptance, CAPTURED with
    the captured amount, then the refunded amount."""
    checkout_id, application_id, offer_id = await asyncio.to_thread(
        approved_checkout, referred, merchant, consent=sandbox_consent_id("refer")
    )
    # Only the credit service may publish: the probe publishes as it does, with its credentials.
    publisher = AppSyncCheckoutUpdates(
        url=stack.settings.graphql_url,
        region=stack.settings.region,
        credentials=lambda: Credentials(
            CREDIT_SERVICE_ACCESS_KEY_ID, CREDIT_SERVICE_SECRET_ACCESS_KEY
        ),
        http=http,
        page_url="https://127.0.0.1:4445",
        lanes=1,
    )
    async with checkout_updates(stack, persona_token(stack, "refer"), checkout_id) as updates:
        # gql exposes no start_ack hook: publish the checkout as it stands until it is heard.
        # The shopper's own view of it is what their decision published: addressed to them.
        checkout = await asyncio.to_thread(
            referred.execute,
            "query C($id: ID!) { checkout(id: $id) { id merchantId merchantReference status "
            "customerId expiresAt createdAt amount { amount currency } "
            "items { sku name quantity unitPrice { amount currency } } } }",
            {"id": checkout_id},
        )
        probe = data(checkout, "checkout")
        assert probe["status"] == "APPROVED"
        for _ in range(100):
            assert await asyncio.to_thread(publisher.publish_now, probe)
            try:
                heard = await asyncio.wait_for(updates.get(), 0.1)
            except TimeoutError:
                continue
            assert heard["status"] == "APPROVED"
            break
        else:
            raise AssertionError("the subscription never heard a published update")
        publisher.close()

        await asyncio.to_thread(accept, referred, application_id, offer_id)
        assert await next_status(updates) == {
            "id": checkout_id,
            "status": "CONFIRMED",
            "capturedAmount": None,
            "refundedAmount": None,
        }
        capture = {
            "checkoutId": checkout_id,
            "amount": money_input(6000),
            "idempotencyKey": str(uuid.uuid4()),
        }
        await asyncio.to_thread(merchant.execute, CAPTURE, {"input": capture})
        assert await next_status(updates) == {
            "id": checkout_id,
            "status": "CAPTURED",
            "capturedAmount": {"amount": 6000},
            "refundedAmount": None,
        }
        refund = {
            "checkoutId": checkout_id,
            "amount": money_input(500),
            "idempotencyKey": str(uuid.uuid4()),
        }
        await asyncio.to_thread(merchant.execute, REFUND, {"input": refund})
        assert await next_status(updates) == {
            "id": checkout_id,
            "status": "CAPTURED",
            "capturedAmount": {"amount": 6000},
            "refundedAmount": {"amount": 500},
        }
        assert updates.empty()


def jobs_run(stack: RunningStack, *extra: str) -> dict[str, int]:
    """`bnpl jobs run --json [extra]`, run as a person would, with the stack's environment."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bnpl"), "jobs", "run", "--json", *extra],
        env=stack.environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, int] = json.loads(result.stdout)
    return report


def test_the_sweep_expires_a_checkout_left_uncaptured_for_28_days(stack, referred, merchant):
    """`bnpl jobs run` against the running stack leaves a fresh CONFIRMED checkout alone; run as
    if 29 days later, it expires it (read back by the merchant) and cancels the plan, once."""
    checkout_id, application_id, offer_id = approved_checkout(
        referred, merchant, consent=sandbox_consent_id("refer")
    )
    plan = accept(referred, application_id, offer_id)

    today = jobs_run(stack)
    assert today["checkouts_expired"] == 0
    assert today["failures"] == 0
    seen = data(merchant.execute(MERCHANT_CHECKOUT, {"id": checkout_id}), "checkout")
    assert seen["status"] == "CONFIRMED"

    later = (datetime.now(UTC) + timedelta(days=29)).isoformat()
    report = jobs_run(stack, "--at", later)
    assert report["checkouts_expired"] >= 1
    assert report["failures"] == 0
    seen = data(merchant.execute(MERCHANT_CHECKOUT, {"id": checkout_id}), "checkout")
    assert seen == {
        "id": checkout_id,
        "status": "EXPIRED",
        "capturedAmount": None,
        "refundedAmount": None,
    }
    cancelled = data(referred.execute(PLAN, {"id": plan["id"]}), "plan")
    assert cancelled["status"] == "CANCELLED"
    assert data(referred.execute(CUSTOMER_CHECKOUT, {"id": checkout_id}), "checkout") == {
        "status": "EXPIRED",
        "plan": {"id": plan["id"]},
    }
    again = jobs_run(stack, "--at", later)
    assert again["checkouts_expired"] == 0


def test_my_plans_pages_newest_first_over_every_plan(shopper, merchant, created_plans):
    """myPlans(limit: 1) walks the persona's plans one page at a time, newest first, until
    nextToken is null: each plan once, and every plan this module created for it."""
    while len(created_plans) < 3:  # the earlier tests' two, when the module runs as a whole
        _, application_id, offer_id = approved_checkout(shopper, merchant)
        accept(shopper, application_id, offer_id, created_plans)
    pages: list[list[dict[str, Any]]] = []
    token: str | None = None
    while True:
        page = data(shopper.execute(MY_PLANS, {"limit": 1, "nextToken": token}), "myPlans")
        pages.append(page["items"])
        token = page["nextToken"]
        if token is None:
            break
        assert len(pages) <= len(created_plans), "more pages than plans"
    items = [item for page in pages for item in page]
    assert all(len(page) <= 1 for page in pages)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(created_plans)
    assert ids == created_plans[::-1]
    created = [item["createdAt"] for item in items]
    assert created == sorted(created, reverse=True)


def test_a_customer_whose_plans_are_all_paid_off_is_approved_again(
    shopper, merchant, created_plans
):
    """Exposure is what the customer owes: once no plan is ACTIVE, max_active_plans (3) plans
    accepted within the hour do not stop the next approval."""
    while len(created_plans) < 3:
        _, application_id, offer_id = approved_checkout(shopper, merchant)
        accept(shopper, application_id, offer_id, created_plans)
    for plan_id in created_plans:
        plan = data(shopper.execute(PLAN, {"id": plan_id}), "plan")
        if plan["status"] == "ACTIVE":
            payoff = {
                "planId": plan_id,
                "paymentMethodToken": "tok_visa",
                "idempotencyKey": str(uuid.uuid4()),
            }
            data(shopper.execute(PAY_OFF, {"input": payoff}), "payOffPlan")
    # COMPLETED, or CANCELLED when the sweep expired a checkout its merchant never captured.
    statuses = {data(shopper.execute(PLAN, {"id": p}), "plan")["status"] for p in created_plans}
    assert statuses <= {"COMPLETED", "CANCELLED"}
    approved_checkout(shopper, merchant)
