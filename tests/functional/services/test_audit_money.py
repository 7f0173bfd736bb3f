"""Every money move on a plan leaves exactly one audit entry in the plan's stream, written with
the change: the shopper's charges, the merchant's capture, refund and void, the sweep's expiry
and late fees. Each names who (the shopper's sub, the merchant's IAM principal, `system`), the
request, and the plan's and checkout's money before and after. Over the credit service's HTTP
API on DynamoDB Local, with the durable sandbox card network."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from services.credit import wiring
from services.credit.models import PlanModel
from services.shared.audit.chain import SYSTEM, Entry
from services.shared.audit.store import AuditLog
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from tests.conftest import IdentityProvider
from tests.functional.services.checkout_books import (
    Confirmed,
    Merchant,
    Shopper,
    backdate_plan,
)
from tests.functional.services.conftest import SHOP_ARN
from tests.functional.services.money_harness import (
    AMOUNT,
    Harness,
    accept_body,
    client,
    harness,
    merchant_headers,
    server,
    shopper,
)

__all__ = ["client", "harness", "server", "shopper"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]

INSTALMENT = AMOUNT // 4


def trail(settings: Settings, plan_id: str) -> list[Entry]:
    return AuditLog(settings).trail(f"plan#{plan_id}")


def request_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def shop(client: httpx.Client, idp: IdentityProvider) -> Callable[[str], Merchant]:
    """The merchant, sending the API request id `rid` as AppSync would."""

    def merchant(rid: str) -> Merchant:
        headers = {**merchant_headers(idp.service_token(), SHOP_ARN), "x-amzn-requestid": rid}
        return Merchant(client, headers)

    return merchant


@pytest.fixture
def confirmed(
    harness: Harness, client: httpx.Client, shopper: Shopper
) -> Callable[[str], Confirmed]:
    """A shopper accepts PAY_IN_4 on a new checkout, in the API request `rid`."""

    def accept(rid: str) -> Confirmed:
        sub, token = shopper()
        approved = harness.approved(sub)
        headers = {"authorization": f"Bearer {token}", "x-amzn-requestid": rid}
        response = client.post("/plans", json=accept_body(approved), headers=headers)
        assert response.status_code == 200, response.text
        return Confirmed(approved.checkout_id, response.json()["id"], sub, token)

    return accept


def plan_money(status: str, paid: int, outstanding: int, **extra: Any) -> dict[str, Any]:
    return {
        "planStatus": status,
        "paid": paid,
        "outstanding": outstanding,
        "refunded": 0,
        "lateFees": 0,
        "currency": "GBP",
        **extra,
    }


class TestShoppersCharges:
    def test_accepting_an_offer_starts_the_plans_stream_with_its_first_charge(
        self, harness, confirmed
    ):
        rid = request_id()
        order = confirmed(rid)
        [entry] = trail(harness.settings, order.plan_id)
        assert (entry.sequence, entry.action, entry.actor, entry.request_id) == (
            1,
            "payment.charged",
            order.sub,
            rid,
        )
        assert entry.before is None
        assert entry.after == plan_money("ACTIVE", INSTALMENT, AMOUNT - INSTALMENT)
        payment = stored_plan_payment(harness, order.plan_id, 0)
        assert entry.evidence["chargeId"] == payment["chargeId"]
        assert (entry.evidence["amount"], entry.evidence["instalments"]) == (INSTALMENT, [1])
        assert entry.evidence["checkoutId"] == order.checkout_id
        stored = bind(PlanModel, harness.settings).get(order.plan_id, consistent_read=True)
        assert AuditLog(harness.settings).head(type(stored), order.plan_id) == entry.head

    def test_an_instalment_is_the_next_entry_and_a_replay_writes_none(
        self, harness, client, confirmed
    ):
        order = confirmed(request_id())
        rid, key = request_id(), str(uuid.uuid4())
        body = {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": key}
        headers = {"authorization": f"Bearer {order.token}", "x-amzn-requestid": rid}
        for _ in range(2):  # the same key again: answered from the record, nothing charged
            response = client.post(f"/plans/{order.plan_id}/payments", json=body, headers=headers)
            assert response.status_code == 200, response.text
        first, second = trail(harness.settings, order.plan_id)
        assert (second.sequence, second.prev_hash) == (2, first.hash)
        assert (second.action, second.actor, second.request_id) == (
            "payment.charged",
            order.sub,
            rid,
        )
        assert second.before == first.after
        assert second.after == plan_money("ACTIVE", 2 * INSTALMENT, AMOUNT - 2 * INSTALMENT)
        assert second.evidence["instalments"] == [2]


class TestMerchantsMoney:
    def test_capture_and_refund_record_the_merchant_and_the_checkouts_money(
        self, harness, shop, confirmed
    ):
        order = confirmed(request_id())
        capture_id, refund_id = request_id(), request_id()
        assert shop(capture_id).capture(order.checkout_id).status_code == 200
        assert shop(refund_id).refund(order.checkout_id, 1000).status_code == 200

        _, captured, refunded = trail(harness.settings, order.plan_id)
        assert (captured.action, captured.actor, captured.request_id) == (
            "checkout.captured",
            SHOP_ARN,
            capture_id,
        )
        assert captured.before is not None
        assert (captured.before["checkoutStatus"], captured.after["checkoutStatus"]) == (
            "CONFIRMED",
            "CAPTURED",
        )
        assert (captured.before["captured"], captured.after["captured"]) == (0, AMOUNT)
        assert (refunded.action, refunded.actor, refunded.request_id) == (
            "checkout.refunded",
            SHOP_ARN,
            refund_id,
        )
        assert refunded.before == captured.after
        assert refunded.after["refundedByMerchant"] == 1000
        assert refunded.evidence["checkoutId"] == order.checkout_id

    def test_a_void_records_the_money_given_back(self, harness, shop, confirmed):
        order = confirmed(request_id())
        rid = request_id()
        assert shop(rid).void(order.checkout_id).status_code == 200
        _, voided = trail(harness.settings, order.plan_id)
        assert (voided.action, voided.actor, voided.request_id) == (
            "checkout.voided",
            SHOP_ARN,
            rid,
        )
        assert voided.after["checkoutStatus"] == "VOIDED"
        assert voided.after["planStatus"] == "CANCELLED"
        refunds: Any = voided.evidence["refunds"]
        assert [r["amount"] for r in refunds] == [INSTALMENT]


class TestTheSweep:
    def test_an_uncaptured_checkout_expiring_is_the_systems_change(self, harness, confirmed):
        order = confirmed(request_id())
        backdate_plan(harness.settings, order.plan_id, timedelta(days=29))
        wiring.sweep(harness.settings, clock=lambda: datetime.now(UTC)).run()
        _, expired = trail(harness.settings, order.plan_id)
        assert (expired.action, expired.actor, expired.request_id) == (
            "checkout.expired",
            SYSTEM,
            None,
        )
        assert expired.before is not None
        assert (expired.before["checkoutStatus"], expired.after["checkoutStatus"]) == (
            "CONFIRMED",
            "EXPIRED",
        )

    def test_late_fees_are_the_systems_change(self, harness, shop, confirmed):
        order = confirmed(request_id())
        assert shop(request_id()).capture(order.checkout_id).status_code == 200
        due = date.fromisoformat(stored_plan_instalment_due(harness, order.plan_id, number=2))
        moment = datetime.combine(due + timedelta(days=1), time(12), tzinfo=UTC)
        wiring.sweep(harness.settings, clock=lambda: moment).run()
        entries = trail(harness.settings, order.plan_id)
        late = entries[-1]
        assert (late.sequence, late.action, late.actor) == (3, "plan.marked_late", SYSTEM)
        assert late.before is not None
        assert (late.before["lateFees"], late.after["lateFees"]) == (0, 600)
        assert late.evidence["instalments"] == [2]


def stored_plan_payment(harness: Harness, plan_id: str, index: int) -> dict[str, Any]:
    document = bind(PlanModel, harness.settings).get(plan_id, consistent_read=True).document
    payment: dict[str, Any] = document["payments"][index]
    return payment


def stored_plan_instalment_due(harness: Harness, plan_id: str, *, number: int) -> str:
    document = bind(PlanModel, harness.settings).get(plan_id, consistent_read=True).document
    return str(document["instalments"][number - 1]["dueDate"])
