"""The metrics a checkout's life writes, through the credit service on a real uvicorn over
DynamoDB Local and the webhook sender against a real receiver: decisions of three personas, a
declined card and two payments, a capture, a refund and a void, the webhooks they cause, and a
delivery that runs out of attempts. Every line written is a valid EMF document, and the figures
are the ones the flow makes (nothing here is timed)."""

from __future__ import annotations

import io
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.credit.webhooks.domain import MAX_ATTEMPTS, DeliveryStatus
from services.credit.webhooks.sender import WebhookSender
from services.credit.webhooks.settings import WebhookSettings
from services.credit.webhooks.transport import sender_client
from services.credit.webhooks.wiring import webhook_sender
from services.shared.emf import EmfMetrics
from services.shared.settings import Settings
from tests.conftest import IdentityProvider, MakeToken
from tests.functional.services.application_harness import Harness, build_harness
from tests.functional.services.conftest import SHOP, SHOP_ARN, ServedApp
from tests.functional.services.money_harness import merchant_headers
from tests.functional.services.webhook_harness import Webhooks
from tests.functional.services.webhook_receiver import Receiver, Reply
from tests.unit.services.shared.test_metrics import assert_valid_emf

pytestmark = [pytest.mark.ddblocal]

Document = dict[str, Any]


def documents(stream: io.StringIO) -> list[Document]:
    """Every line written, each parsed and held to the EMF specification."""
    found = [json.loads(line) for line in stream.getvalue().splitlines()]
    for document in found:
        assert_valid_emf(document)
    return found


def total(docs: list[Document], metric: str, **dimensions: str) -> float:
    """The sum of `metric` over the documents carrying at least these dimension values."""
    return sum(
        sum(document[metric])
        for document in docs
        if metric in document and all(document.get(k) == v for k, v in dimensions.items())
    )


def by(docs: list[Document], metric: str, dimension: str) -> Counter[str]:
    """`metric` summed per value of `dimension`."""
    counted: Counter[str] = Counter()
    for document in docs:
        if metric in document and dimension in document:
            counted[document[dimension]] += int(sum(document[metric]))
    return counted


@pytest.fixture(scope="module")
def credit_out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture(scope="module")
def harness(ddb_settings: Settings, merchants: Any, credit_out: io.StringIO) -> Harness:
    return build_harness(ddb_settings, metrics=EmfMetrics(service="credit", stream=credit_out))


@pytest.fixture(scope="module")
def client(harness: Harness) -> Iterator[httpx.Client]:
    with ServedApp(harness.app) as served, httpx.Client(base_url=served.url, timeout=30) as c:
        yield c


class Shopper:
    def __init__(self, harness: Harness, make_token: MakeToken, persona: str) -> None:
        self.sub = harness.register(persona)
        token = make_token(sub=self.sub, email=f"{self.sub}@sandbox.bnpl.test")
        self.headers = {"authorization": f"Bearer {token}"}

    def apply(self, client: httpx.Client, checkout_id: str) -> dict[str, Any]:
        body = {"checkoutId": checkout_id, "idempotencyKey": str(uuid.uuid4())}
        response = client.post("/applications", json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        application: dict[str, Any] = response.json()
        return application

    def accept(
        self, client: httpx.Client, application: dict[str, Any], token: str
    ) -> httpx.Response:
        body = {
            "applicationId": application["id"],
            "offerId": application["offers"][0]["id"],
            "paymentMethodToken": token,
            "idempotencyKey": str(uuid.uuid4()),
        }
        return client.post("/plans", json=body, headers=self.headers)


def test_a_checkouts_life_is_counted_event_by_event(
    harness: Harness,
    client: httpx.Client,
    credit_out: io.StringIO,
    ddb_settings: Settings,
    make_token: MakeToken,
    idp: IdentityProvider,
) -> None:
    # GIVEN the merchant listens for webhooks
    hooks = Webhooks(ddb_settings, SHOP)
    with Receiver() as receiver:
        hooks.endpoint(receiver.url)
        shop = merchant_headers(idp.service_token(), SHOP_ARN)

        # WHEN three personas apply, one approved shopper's card is declined before a good one,
        # the merchant captures and refunds that checkout whole, and voids another's
        decided = {}
        # (`thin`, a shopper with no credit file, is referred to an underwriter here)
        for persona in ("approve", "decline", "thin"):
            checkout = harness.checkout()
            decided[persona] = Shopper(harness, make_token, persona).apply(client, checkout.id)
        assert [decided[p]["decision"]["outcome"] for p in decided] == [
            "APPROVED",
            "DECLINED",
            "REFERRED",
        ]
        buyer, first = Shopper(harness, make_token, "approve"), harness.checkout()
        approval = buyer.apply(client, first.id)
        declined = buyer.accept(client, approval, "tok_declined")
        assert declined.status_code == 402, declined.text
        assert buyer.accept(client, approval, "tok_visa").status_code == 200
        captured = client.post(
            f"/checkouts/{first.id}/capture", json={"idempotencyKey": "cap-1"}, headers=shop
        )
        assert captured.status_code == 200, captured.text
        whole = {"amount": {"amount": first.amount.amount, "currency": "GBP"}}
        refunded = client.post(
            f"/checkouts/{first.id}/refunds",
            json={**whole, "idempotencyKey": "ref-1"},
            headers=shop,
        )
        assert refunded.status_code == 200, refunded.text
        again = client.post(
            f"/checkouts/{first.id}/capture", json={"idempotencyKey": "cap-1"}, headers=shop
        )
        assert again.status_code == 200  # answered again for its key: no second capture
        second = harness.checkout()
        other = Shopper(harness, make_token, "approve")
        other_approval = other.apply(client, second.id)
        assert other.accept(client, other_approval, "tok_visa").status_code == 200
        voided = client.post(f"/checkouts/{second.id}/void", headers=shop)
        assert voided.status_code == 200, voided.text

        # ... and the webhook sender delivers what those changes wrote
        webhooks_out = io.StringIO()
        sender = webhook_sender(
            ddb_settings,
            WebhookSettings.from_environ({"BNPL_WEBHOOKS_ALLOW_LOCAL": "true"}),
            metrics=EmfMetrics(service="webhooks", stream=webhooks_out),
        )
        report = sender.run_once()
        sender.close()

    # THEN every decision is one event with its outcome and latency, and one per reason
    credit = documents(credit_out)
    assert {d["service"] for d in credit} == {"credit"}
    applications = [*decided.values(), approval, other_approval]
    assert by(credit, "Decisions", "outcome") == {"APPROVED": 3, "DECLINED": 1, "REFERRED": 1}
    assert len([d for d in credit if "DecisionLatency" in d]) == 5
    reasons = Counter(r["code"] for a in applications for r in a["decision"]["reasons"])
    assert by(credit, "DecisionReasons", "reason") == reasons
    assert sum(reasons.values()) >= 2  # the decline's and the referral's at least

    # ... every screening step each decision ran, none in error
    steps = Counter(
        s["name"] for a in applications for s in a["decision"]["steps"] if s["name"] != "Reject"
    )
    assert by(credit, "ScreeningSteps", "step") == steps
    assert total(credit, "ScreeningStepErrors") == 0
    assert all(d["ScreeningStepDuration"][0] >= 0 for d in credit if "ScreeningStepDuration" in d)

    # ... every money movement: three charges (one declined), the capture, the void, and the two
    # card refunds (the whole refund gives the paid instalment back; so does the void)
    assert by(credit, "MoneyMovements", "operation") == {
        "charge": 3,
        "capture": 1,
        "refund": 2,
        "void": 1,
    }
    assert by(credit, "MoneyMovementDeclines", "operation") == {
        "charge": 1,
        "capture": 0,
        "refund": 0,
        "void": 0,
    }
    assert total(credit, "MoneyMovementFailures") == 0

    # ... and every webhook delivered
    webhooks = documents(webhooks_out)
    assert report.delivered == len(receiver.received) > 0
    assert total(webhooks, "DeliveryAttempts") == len(receiver.received)
    assert total(webhooks, "DeliveryFailures") == 0
    assert total(webhooks, "DeadLettered") == 0


def test_a_delivery_that_runs_out_of_attempts_is_counted_as_a_dead_letter(
    webhook_settings: Settings,
) -> None:
    hooks = Webhooks(webhook_settings, SHOP)
    out = io.StringIO()
    with Receiver(then=Reply(500)) as receiver:
        endpoint_id, _ = hooks.endpoint(receiver.url)
        hooks.event(hooks.checkout())
        sender = WebhookSender(
            store=hooks.store,
            secrets=hooks.secrets,
            merchant_of=lambda stream: SHOP.id,
            http=sender_client(allow_local=True, timeout_s=1.0),
            dead_letters=hooks.dead_letters,
            clock=hooks.clock,
            metrics=EmfMetrics(service="webhooks", stream=out),
        )
        for _ in range(MAX_ATTEMPTS + 2):
            sender.run_once()
            [delivery] = hooks.deliveries(endpoint_id)
            if delivery.status is not DeliveryStatus.PENDING:
                break
            hooks.clock.to(delivery.next_attempt_at)
        sender.close()

    webhooks = documents(out)
    assert delivery.status is DeliveryStatus.FAILED
    assert total(webhooks, "DeliveryAttempts") == MAX_ATTEMPTS == len(receiver.received)
    assert total(webhooks, "DeliveryFailures") == MAX_ATTEMPTS
    assert total(webhooks, "DeadLettered") == 1 == len(hooks.dead_letters.letters)
