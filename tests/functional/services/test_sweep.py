"""The sweep (`bnpl jobs run`) on DynamoDB Local, run at moments the tests choose, beside the
credit service on a real uvicorn: it expires checkouts left uncaptured for 28 days, marks late
instalments with the policy's capped fees, makes the refunds a merchant operation still owes,
and settles the leases of requests that died while charging, each exactly once.

The module's tests share its tables, so each asserts on its own checkouts and plans; a sweep
may also act on what earlier tests left behind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from services.credit import wiring
from services.credit.checkouts.operations import CheckoutOperations
from services.credit.checkouts.store import DynamoCheckoutRepository, DynamoMerchantRepository
from services.credit.jobs.sweep import Sweep, SweepReport
from services.credit.payments.lease_store import DynamoLeaseStore
from services.credit.payments.leases import LEASE_TIME, Acceptor, Lease
from services.credit.payments.provider import Charge, PaymentProvider, Refund
from services.credit.payments.refunder import Refunder
from services.credit.payments.sandbox import DynamoSandboxPaymentProvider
from services.credit.plans.requests import charge_key, merchant_scope, plan_id_for, request_id
from services.credit.plans.store import DynamoPlanStore
from services.credit.policy.rules import load_policy
from services.shared.errors import DependencyFailure
from services.shared.money import Money
from services.shared.settings import Settings
from tests.conftest import IdentityProvider
from tests.functional.services.checkout_books import (
    Confirmed,
    Merchant,
    Scan,
    Shopper,
    accept,
    amounts,
    backdate_plan,
    books,
    error,
    gbp,
    given_back,
    plan_version,
    stored_item,
    stored_plan,
)
from tests.functional.services.conftest import SHOP_ARN, ServedApp
from tests.functional.services.money_harness import (
    AMOUNT,
    Harness,
    RecordedUpdates,
    accept_body,
    build_harness,
    client,
    harness,
    merchant_headers,
    post,
    server,
    shopper,
)

__all__ = ["client", "harness", "server", "shopper"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]

FIRST = Money(2500, "GBP")  # PAY_IN_4 of £100: each instalment


def sweep(
    settings: Settings,
    at: datetime,
    *,
    updates: RecordedUpdates | None = None,
    provider: PaymentProvider | None = None,
) -> SweepReport:
    """One run at `at`: `wiring.sweep` unless the test listens to its checkout updates or gives
    it another provider, then the same parts composed here."""
    if updates is None and provider is None:
        return wiring.sweep(settings, clock=lambda: at).run()
    plans = DynamoPlanStore(settings)
    checkouts = DynamoCheckoutRepository(settings)
    updates = updates or RecordedUpdates()
    refunder = Refunder(
        plans=plans,
        provider=provider or DynamoSandboxPaymentProvider(settings),
        clock=lambda: at,
    )
    operations = CheckoutOperations(
        plans=plans,
        checkouts=checkouts,
        merchants=DynamoMerchantRepository(settings),
        refunder=refunder,
        updates=updates,
        clock=lambda: at,
    )
    return Sweep(
        plans=plans,
        leases=DynamoLeaseStore(settings),
        checkouts=checkouts,
        operations=operations,
        updates=updates,
        refunder=refunder,
        late_fees=load_policy().late_fees,
        clock=lambda: at,
    ).run()


def announced(updates: RecordedUpdates, *checkout_ids: str) -> list[tuple[str, str]]:
    """The (checkout, status) updates the sweep published about these checkouts, in order."""
    return [(u["id"], u["status"]) for u in updates.checkouts if u["id"] in checkout_ids]


def status(harness: Harness, checkout_id: str) -> str:
    checkout = harness.checkouts.get(checkout_id)
    assert checkout is not None
    return checkout.status.value


@pytest.fixture
def shop(client: httpx.Client, idp: IdentityProvider) -> Merchant:
    return Merchant(client, merchant_headers(idp.service_token(), SHOP_ARN))


@pytest.fixture
def confirmed(harness: Harness, client: httpx.Client, shopper: Shopper) -> Callable[[], Confirmed]:
    return lambda: accept(harness, client, shopper)


# ---------------------------------------------------------------------- authorisation expiry


def test_checkouts_left_uncaptured_for_28_days_expire_and_their_payments_go_back(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """A CONFIRMED checkout 29 days old is EXPIRED (published), its plan CANCELLED and
    instalment 1 refunded; one 13 days old and a CAPTURED one as old are left alone; the
    younger one expires once its 28 days are up; running again moves no money twice."""
    old, young, captured = confirmed(), confirmed(), confirmed()
    assert shop.capture(captured.checkout_id).status_code == 200
    backdate_plan(harness.settings, old.plan_id, timedelta(days=16))
    backdate_plan(harness.settings, captured.plan_id, timedelta(days=16))
    now = datetime.now(UTC)
    updates = RecordedUpdates()

    report = sweep(harness.settings, now + timedelta(days=13), updates=updates)

    assert report.checkouts_expired >= 1
    assert report.failures == 0
    assert status(harness, old.checkout_id) == "EXPIRED"
    plan = books(harness, scan, old.checkout_id)
    assert (plan["status"], given_back(harness, plan)) == ("CANCELLED", [2500])
    mine = (old.checkout_id, young.checkout_id, captured.checkout_id)
    assert announced(updates, *mine) == [(old.checkout_id, "EXPIRED")]
    assert status(harness, young.checkout_id) == "CONFIRMED"
    assert status(harness, captured.checkout_id) == "CAPTURED"
    for untouched in (young, captured):
        plan = books(harness, scan, untouched.checkout_id)
        assert (plan["status"], given_back(harness, plan)) == ("ACTIVE", [0])
    expired_plan = stored_plan(scan, old.plan_id)

    sweep(harness.settings, now + timedelta(days=28) - timedelta(minutes=1), updates=updates)
    assert status(harness, young.checkout_id) == "CONFIRMED"
    sweep(harness.settings, now + timedelta(days=28, minutes=1), updates=updates)
    assert status(harness, young.checkout_id) == "EXPIRED"
    assert given_back(harness, books(harness, scan, young.checkout_id)) == [2500]
    assert status(harness, captured.checkout_id) == "CAPTURED"

    again = sweep(harness.settings, now + timedelta(days=28, minutes=2), updates=updates)
    assert again.checkouts_expired == 0
    assert stored_plan(scan, old.plan_id) == expired_plan
    assert given_back(harness, expired_plan) == [2500]
    assert announced(updates, old.checkout_id) == [(old.checkout_id, "EXPIRED")]
    assert error(shop.capture(old.checkout_id)) == (409, "InvalidState")


def test_checkouts_whose_hour_ran_out_before_acceptance_expire_unless_one_is_being_paid(
    harness: Harness, client: httpx.Client, shopper: Shopper
) -> None:
    """A checkout a shopper was approved on, past its expiry, is EXPIRED and published to its
    merchant and to that shopper, and its offers can no longer be accepted; one held by a request
    taking its first payment is left to it."""
    sub, token = shopper()
    lapsed, held = harness.approved(sub), harness.approved(sub)
    checkout = harness.checkouts.get(lapsed.checkout_id)
    assert checkout is not None
    after = checkout.expires_at + timedelta(seconds=1)
    owner = request_id(sub, f"live-{uuid.uuid4()}")
    lease = Lease(owner=owner, charge_key=charge_key(sub, owner), until=after + LEASE_TIME)
    acceptor = Acceptor(customer_id=sub, application_id=held.application_id)
    DynamoLeaseStore(harness.settings).claim_checkout(
        held.checkout_id, lease, acceptor=acceptor, now=after
    )
    updates = RecordedUpdates()

    report = sweep(harness.settings, after, updates=updates)

    assert report.checkouts_lapsed >= 1
    assert status(harness, lapsed.checkout_id) == "EXPIRED"
    assert status(harness, held.checkout_id) == "CREATED"  # bound to nobody yet
    # To the merchant (no customer: nobody accepted an offer) and to the shopper who applied.
    assert [
        (u["id"], u["status"], u["customerId"])
        for u in updates.checkouts
        if u["id"] in (lapsed.checkout_id, held.checkout_id)
    ] == [(lapsed.checkout_id, "EXPIRED", None), (lapsed.checkout_id, "EXPIRED", sub)]
    late = post(client, "/plans", token, accept_body(lapsed))
    assert error(late) == (410, "CheckoutExpired")


# ---------------------------------------------------------------------- late fees


def noon(day: date, *, plus_days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=plus_days), time(12), UTC)


def test_late_instalments_get_the_policys_fees_once_a_day_and_never_beyond_the_cap(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """The day after its due date an unpaid instalment is LATE with £6; more than 7 days late,
    £12; running twice on one day changes nothing; walked day by day to a month after the last
    due date, fees never fall and never pass min(£24, 25 % of £100), which they end at."""
    rules = load_policy().late_fees
    assert (rules.fee, rules.second_fee_after_days) == (600, 7)
    cap = rules.cap(Money(AMOUNT, "GBP"))
    assert cap == min(2400, AMOUNT * 25 // 100) == 2400
    order = confirmed()
    assert shop.capture(order.checkout_id).status_code == 200  # so it cannot expire meanwhile
    due = [
        date.fromisoformat(i["dueDate"]) for i in stored_plan(scan, order.plan_id)["instalments"]
    ]

    def fees() -> list[int]:
        return [
            i["lateFee"]["amount"] for i in books(harness, scan, order.checkout_id)["instalments"]
        ]

    sweep(harness.settings, noon(due[1]))
    statuses = [s for _, s in amounts(stored_plan(scan, order.plan_id))]
    assert (statuses, fees()) == (["PAID", "DUE", "DUE", "DUE"], [0, 0, 0, 0])

    sweep(harness.settings, noon(due[1], plus_days=1))
    statuses = [s for _, s in amounts(stored_plan(scan, order.plan_id))]
    assert (statuses, fees()) == (["PAID", "LATE", "DUE", "DUE"], [0, 600, 0, 0])
    version = plan_version(scan, order.plan_id)
    assert sweep(harness.settings, noon(due[1], plus_days=1)).plans_marked_late == 0
    assert plan_version(scan, order.plan_id) == version

    sweep(harness.settings, noon(due[1], plus_days=7))
    assert fees() == [0, 600, 0, 0]
    sweep(harness.settings, noon(due[1], plus_days=8))
    assert fees() == [0, 1200, 0, 0]

    before = fees()
    for day in range(9, (due[3] - due[1]).days + 31):
        sweep(harness.settings, noon(due[1], plus_days=day))
        now = fees()
        assert all(a >= b for a, b in zip(now, before, strict=True)), (day, before, now)
        assert sum(now) <= cap
        before = now
    plan = books(harness, scan, order.checkout_id)
    assert amounts(plan) == [(2500, "PAID"), (2500, "LATE"), (2500, "LATE"), (2500, "LATE")]
    assert fees() == [0, 1200, 1200, 0]
    assert sum(fees()) == cap


# ---------------------------------------------------------------------- refunds still owed


class FlakyRefunds(DynamoSandboxPaymentProvider):
    """The durable sandbox card network whose refunds fail while `failing` (charges work)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.failing = True
        self.refused = 0

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        if self.failing:
            self.refused += 1
            raise DependencyFailure("The card network did not answer; retry with the same key")
        return super().refund(charge_id=charge_id, amount=amount, idempotency_key=idempotency_key)


@pytest.fixture
def flaky(ddb_settings: Settings, merchants: Any) -> Iterator[tuple[Harness, httpx.Client]]:
    """A second credit service over the module's tables whose card network refuses refunds."""
    provider = FlakyRefunds(ddb_settings)
    service = build_harness(ddb_settings, provider=provider)
    with ServedApp(service.app) as served, httpx.Client(base_url=served.url, timeout=30) as c:
        yield service, c


def owed(scan: Scan, record_id: str) -> list[dict[str, Any]]:
    """The refunds a merchant request's record still owes (stored as JSON)."""
    item = stored_item(scan, "plan_requests", record_id)
    due = item.get("refunds_due")
    return [] if due is None or "NULL" in due else list(json.loads(due["S"]))


def test_refunds_owed_when_the_card_network_fails_are_made_by_the_sweep_once(
    flaky: tuple[Harness, httpx.Client],
    scan: Scan,
    idp: IdentityProvider,
    shopper: Shopper,
) -> None:
    """A refund beyond the unpaid instalments while the card network is down still answers 200
    and keeps what it owes on its record; a sweep while it is down makes nothing and counts a
    failure; the first sweep after it recovers gives the money back, and neither another sweep
    nor a replay of the merchant's request gives it back twice."""
    service, c = flaky
    provider = service.provider
    assert isinstance(provider, FlakyRefunds)
    shop = Merchant(c, merchant_headers(idp.service_token(), SHOP_ARN))
    order = accept(service, c, shopper)
    assert shop.capture(order.checkout_id).status_code == 200
    key = str(uuid.uuid4())

    response = shop.refund(order.checkout_id, 8000, key=key)

    assert response.status_code == 200, response.text
    assert response.json()["refundedAmount"] == gbp(8000)
    assert provider.refused == 1
    record_id = request_id(merchant_scope("m_shop"), key)
    [charge_id] = [p["chargeId"] for p in stored_plan(scan, order.plan_id)["payments"]]
    assert [(d["chargeId"], d["amount"]) for d in owed(scan, record_id)] == [(charge_id, 500)]
    assert provider.refunded(charge_id) == 0

    down = sweep(service.settings, datetime.now(UTC), provider=provider)
    assert down.failures >= 1
    assert [d["amount"] for d in owed(scan, record_id)] == [500]
    assert provider.refunded(charge_id) == 0

    provider.failing = False
    up = sweep(service.settings, datetime.now(UTC))
    assert up.refunds_made >= 1
    assert owed(scan, record_id) == []
    assert provider.refunded(charge_id) == 500
    plan = books(service, scan, order.checkout_id)
    assert given_back(service, plan) == [500]

    assert sweep(service.settings, datetime.now(UTC)).refunds_made == 0
    again = shop.refund(order.checkout_id, 8000, key=key)
    assert again.json() == response.json()
    assert provider.refunded(charge_id) == 500


def test_a_void_replayed_after_the_card_network_recovers_makes_the_refund_it_owes(
    flaky: tuple[Harness, httpx.Client],
    scan: Scan,
    idp: IdentityProvider,
    shopper: Shopper,
) -> None:
    """A void while refunds fail answers VOIDED and owes instalment 1 back; voiding again once
    the network is up makes that refund (an earlier attempt's debt); the sweep then has none."""
    service, c = flaky
    provider = service.provider
    assert isinstance(provider, FlakyRefunds)
    provider.failing = True
    shop = Merchant(c, merchant_headers(idp.service_token(), SHOP_ARN))
    order = accept(service, c, shopper)

    voided = shop.void(order.checkout_id)

    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "VOIDED"
    [charge_id] = [p["chargeId"] for p in stored_plan(scan, order.plan_id)["payments"]]
    assert provider.refunded(charge_id) == 0
    provider.failing = False
    again = shop.void(order.checkout_id)
    assert again.json() == voided.json()
    assert provider.refunded(charge_id) == 2500
    sweep(service.settings, datetime.now(UTC))
    plan = books(service, scan, order.checkout_id)
    assert (plan["status"], given_back(service, plan)) == ("CANCELLED", [2500])


# ---------------------------------------------------------------------- dead requests' leases


def charge_for(harness: Harness, sub: str, key: str) -> Charge:
    """What a request that died mid-payment left at the card network: its charge."""
    charge = harness.provider.charge(
        token="tok_visa", amount=FIRST, idempotency_key=charge_key(sub, key)
    )
    assert charge.succeeded
    return charge


def test_a_plan_lease_of_a_request_that_died_is_settled_once_it_runs_out(
    harness: Harness,
    scan: Scan,
    client: httpx.Client,
    shop: Merchant,
    confirmed: Callable[[], Confirmed],
) -> None:
    """While a dead request's lease lasts, another payment is refused IN_PROGRESS without a
    charge and the sweep leaves it; once it runs out the sweep gives the dead request's charge
    back once and records the request abandoned, so its late retry answers Conflict, and the
    plan can be paid again."""
    order = confirmed()
    assert shop.capture(order.checkout_id).status_code == 200
    dead_key, other_key = f"dead-{uuid.uuid4()}", f"other-{uuid.uuid4()}"
    dead = request_id(order.sub, dead_key)
    charge = charge_for(harness, order.sub, dead_key)
    now = datetime.now(UTC)
    lease = Lease(owner=dead, charge_key=charge_key(order.sub, dead_key), until=now + LEASE_TIME)
    assert DynamoLeaseStore(harness.settings).claim_plan(order.plan_id, lease, now=now) is None
    plan_before = stored_plan(scan, order.plan_id)

    refused = order.pay(client, 2, other_key)
    assert error(refused) == (409, "InvalidState")
    assert refused.json()["details"]["reason"] == "IN_PROGRESS"
    other_charge = charge_key(order.sub, other_key)
    assert harness.provider.find_charge(idempotency_key=other_charge) is None
    sweep(harness.settings, now + LEASE_TIME - timedelta(seconds=1))
    assert stored_item(scan, "plans", order.plan_id)["lease_owner"]["S"] == dead
    assert harness.provider.refunded(charge.id) == 0

    report = sweep(harness.settings, now + LEASE_TIME + timedelta(seconds=1))

    assert report.leases_settled >= 1
    assert report.charges_given_back >= 1
    assert harness.provider.refunded(charge.id) == FIRST.amount
    record = stored_item(scan, "plan_requests", dead)
    assert record["abandoned"] == {"BOOL": True}
    assert "lease_owner" not in stored_item(scan, "plans", order.plan_id)
    assert stored_plan(scan, order.plan_id) == plan_before

    sweep(harness.settings, now + LEASE_TIME + timedelta(minutes=5))
    assert harness.provider.refunded(charge.id) == FIRST.amount

    late_retry = order.pay(client, 2, dead_key)
    assert error(late_retry) == (409, "Conflict")
    assert harness.provider.refunded(charge.id) == FIRST.amount
    paid = order.pay(client, 2, other_key)
    assert paid.status_code == 200, paid.text
    plan = books(harness, scan, order.checkout_id)
    assert amounts(plan)[1] == (2500, "PAID")
    assert given_back(harness, plan) == [0, 0]


def test_a_checkout_lease_of_an_acceptance_that_died_is_settled_by_the_sweep(
    harness: Harness, scan: Scan, client: httpx.Client, shopper: Shopper
) -> None:
    """An acceptOffer that charged instalment 1 and died holding the checkout: after its lease
    runs out the sweep gives the charge back once and records the request abandoned; its
    retry answers Conflict and the checkout, still bound to nobody, can be accepted with a new
    key."""
    sub, token = shopper()
    approved = harness.approved(sub)
    dead_key = f"dead-{uuid.uuid4()}"
    dead = request_id(sub, dead_key)
    charge = charge_for(harness, sub, dead_key)
    now = datetime.now(UTC)
    lease = Lease(owner=dead, charge_key=charge_key(sub, dead_key), until=now + LEASE_TIME)
    acceptor = Acceptor(customer_id=sub, application_id=approved.application_id)
    stale = DynamoLeaseStore(harness.settings).claim_checkout(
        approved.checkout_id, lease, acceptor=acceptor, now=now
    )
    assert stale is None

    report = sweep(harness.settings, now + LEASE_TIME + timedelta(seconds=1))

    assert (report.leases_settled, report.charges_given_back) >= (1, 1)
    assert harness.provider.refunded(charge.id) == FIRST.amount
    record = stored_item(scan, "plan_requests", dead)
    assert record["abandoned"] == {"BOOL": True}
    assert record["plan_id"] == {"S": plan_id_for(approved.application_id)}
    assert status(harness, approved.checkout_id) == "CREATED"
    sweep(harness.settings, now + LEASE_TIME + timedelta(minutes=5))
    assert harness.provider.refunded(charge.id) == FIRST.amount

    retry = post(client, "/plans", token, accept_body(approved, key=dead_key))
    assert error(retry) == (409, "Conflict")
    fresh = post(client, "/plans", token, accept_body(approved))
    assert fresh.status_code == 200, fresh.text
    assert status(harness, approved.checkout_id) == "CONFIRMED"
    plan = books(harness, scan, approved.checkout_id)
    assert given_back(harness, plan) == [0]
    assert harness.provider.refunded(charge.id) == FIRST.amount
