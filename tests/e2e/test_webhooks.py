"""Merchant webhooks through the whole local stack (`bnpl dev`): a receiver registers an endpoint
with `createWebhookEndpoint` (IAM, as the sandbox merchant), a checkout runs from approval to
refund, and the receiver gets every event once per webhook-id, in sequence order, each signature
verified with the `standardwebhooks` library; the merchant reads the deliveries back."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.settings import SANDBOX_MERCHANT_ID
from tests.e2e.test_plans_flow import (
    CAPTURE,
    REFUND,
    accept,
    approved_checkout,
    data,
    money_input,
    pay,
    persona_token,
)
from tests.functional.services.webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

CREATE_ENDPOINT = """
mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id url status eventTypes } secret }
}"""
DELIVERIES = """
query Deliveries($id: ID!) {
  webhookDeliveries(endpointId: $id) {
    items { eventId eventType checkoutId sequence status attempts lastStatusCode }
    nextToken
  }
}"""
SEND_TEST = "mutation T($id: ID!) { sendTestWebhook(endpointId: $id) { eventId eventType } }"
ENDPOINTS = "query E($m: ID!) { webhookEndpoints(merchantId: $m) { id status } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("webhooks")) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def merchant(stack: RunningStack, http: httpx.Client) -> GraphQLClient:
    return GraphQLClient(stack.settings.graphql_url, iam_region=stack.settings.region, http=http)


@pytest.fixture(scope="module")
def shopper(stack: RunningStack, http: httpx.Client) -> GraphQLClient:
    return GraphQLClient(
        stack.settings.graphql_url, token=persona_token(stack, "approve"), http=http
    )


def arrived(receiver: Receiver, count: int, timeout_s: float = 30.0) -> list[Any]:
    """The receiver's requests once `count` have come (or what came before the deadline)."""
    deadline = time.monotonic() + timeout_s
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(receiver.received)


def test_a_checkout_from_approval_to_refund_reaches_the_merchant_signed_and_in_order(
    merchant: GraphQLClient, shopper: GraphQLClient
) -> None:
    with Receiver() as receiver:
        created = data(
            merchant.execute(
                CREATE_ENDPOINT,
                {
                    "input": {
                        "merchantId": SANDBOX_MERCHANT_ID,
                        "url": receiver.url,
                        "eventTypes": [
                            "CHECKOUT_APPROVED",
                            "CHECKOUT_CONFIRMED",
                            "CHECKOUT_CAPTURED",
                            "CHECKOUT_REFUNDED",
                            "PLAN_INSTALMENT_PAID",
                        ],
                    }
                },
            ),
            "createWebhookEndpoint",
        )
        endpoint_id, secret = created["endpoint"]["id"], created["secret"]
        assert created["endpoint"]["status"] == "ENABLED"

        checkout_id, application_id, offer_id = approved_checkout(shopper, merchant)
        plan = accept(shopper, application_id, offer_id)
        assert data(pay(shopper, plan["id"], 2, str(uuid.uuid4())), "payInstalment")
        capture = {"checkoutId": checkout_id, "idempotencyKey": str(uuid.uuid4())}
        data(merchant.execute(CAPTURE, {"input": capture}), "captureCheckout")
        for amount in (3_000, 7_000):
            refund = {
                "checkoutId": checkout_id,
                "amount": money_input(amount),
                "idempotencyKey": str(uuid.uuid4()),
            }
            data(merchant.execute(REFUND, {"input": refund}), "refundCheckout")

        expected = [
            "checkout.approved",
            "checkout.confirmed",
            "plan.instalment_paid",
            "checkout.captured",
            "checkout.refunded",
            "checkout.refunded",
        ]
        received = arrived(receiver, len(expected))
        time.sleep(1.0)  # anything sent twice would arrive within this
        received = list(receiver.received)

    bodies = [Webhook(secret).verify(r.body, r.headers) for r in received]
    ids = [r.headers["webhook-id"] for r in received]
    assert len(set(ids)) == len(ids) == len(expected), "each event exactly once"
    assert ids == [b["id"] for b in bodies]
    assert [b["type"] for b in bodies] == expected
    assert [b["sequence"] for b in bodies] == list(range(1, len(expected) + 1))
    assert {
        b["data"].get("checkout", {}).get("id") or b["data"]["plan"]["checkoutId"] for b in bodies
    } == {checkout_id}
    statuses = [b["data"]["checkout"]["status"] for b in bodies if "checkout" in b["data"]]
    assert statuses == ["APPROVED", "CONFIRMED", "CAPTURED", "CAPTURED", "REFUNDED"]
    assert bodies[0]["data"]["checkout"]["customerId"] is None, "no shopper named before binding"
    assert bodies[0]["data"]["application"] == {"id": application_id, "outcome": "APPROVED"}
    assert bodies[2]["data"]["instalment"]["number"] == 2

    page = data(merchant.execute(DELIVERIES, {"id": endpoint_id}), "webhookDeliveries")
    assert {(d["status"], d["attempts"], d["lastStatusCode"]) for d in page["items"]} == {
        ("DELIVERED", 1, 204)
    }
    assert sorted(d["sequence"] for d in page["items"]) == list(range(1, len(expected) + 1))


def test_a_test_event_reaches_the_endpoint_and_a_shopper_cannot_manage_webhooks(
    merchant: GraphQLClient, shopper: GraphQLClient
) -> None:
    with Receiver() as receiver:
        created = data(
            merchant.execute(
                CREATE_ENDPOINT,
                {
                    "input": {
                        "merchantId": SANDBOX_MERCHANT_ID,
                        "url": receiver.url,
                        "eventTypes": ["CHECKOUT_EXPIRED"],
                    }
                },
            ),
            "createWebhookEndpoint",
        )
        sent = data(
            merchant.execute(SEND_TEST, {"id": created["endpoint"]["id"]}), "sendTestWebhook"
        )
        [request] = arrived(receiver, 1)
    body = Webhook(created["secret"]).verify(request.body, request.headers)
    assert (body["id"], body["type"]) == (sent["eventId"], "webhook.test")

    refused = shopper.execute(ENDPOINTS, {"m": SANDBOX_MERCHANT_ID})
    assert refused["data"] == {"webhookEndpoints": None} or refused["data"] is None
    assert refused["errors"][0]["errorType"] == "Unauthorized"
