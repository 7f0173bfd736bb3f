"""Money and risk when several shoppers apply to one checkout, through the credit service's HTTP
API on DynamoDB Local with the durable sandbox card network: only the shopper whose acceptance
binds the checkout is charged, only a shopper's latest application there can be accepted, an
acceptance that died holding the checkout is given back as its own shopper's, and the approvals
counted in a customer's exposure count each checkout once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.credit.checkouts.domain import Checkout
from services.credit.payments.lease_store import DynamoLeaseStore
from services.credit.payments.leases import Acceptor, Lease
from services.credit.plans.history import PlanHistory
from services.credit.plans.requests import charge_key, plan_id_for, request_id
from services.credit.screening.checks.prior import VelocityKey
from services.shared.money import Money
from tests.functional.services.applicant_calls import (
    accept,
    anyio_backend,
    decided,
    harness,
    invalid_state,
    person,
)
from tests.functional.services.application_harness import Harness
from tests.unit.services.credit.workflow.fakes import credit_application

__all__ = ["anyio_backend", "harness", "person"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]


@pytest.mark.anyio
async def test_a_squatters_approval_does_not_block_the_shopper_and_is_never_charged(
    harness, person, scan
):
    """Both are approved; the first to accept binds the checkout. The other's acceptance then
    answers InvalidState, and the card network never charged them."""
    checkout = harness.checkout()
    squatter, shopper = person("approve"), person("approve")
    squatted = await decided(harness, squatter, checkout.id, "APPROVED")
    application = await decided(harness, shopper, checkout.id, "APPROVED")
    shopper_key, squatter_key = str(uuid.uuid4()), str(uuid.uuid4())

    plan = await accept(harness, shopper, application, key=shopper_key)
    charges = len(scan("sandbox_charges"))
    late = await accept(harness, squatter, squatted, key=squatter_key)

    assert plan.status_code == 200, plan.text
    assert invalid_state(late), late.text
    assert (
        harness.provider.find_charge(idempotency_key=charge_key(squatter.sub, squatter_key)) is None
    )
    assert len(scan("sandbox_charges")) == charges
    charge = harness.provider.find_charge(idempotency_key=charge_key(shopper.sub, shopper_key))
    assert charge is not None
    assert charge.succeeded
    assert harness.provider.refunded(charge.id) == 0


@pytest.mark.anyio
async def test_only_a_shoppers_latest_application_on_the_checkout_can_be_accepted(harness, person):
    checkout = harness.checkout()
    shopper = person("approve")
    earlier = await decided(harness, shopper, checkout.id, "APPROVED")
    latest = await decided(harness, shopper, checkout.id, "APPROVED")

    superseded = await accept(harness, shopper, earlier)

    assert invalid_state(superseded), superseded.text
    assert (await accept(harness, shopper, latest)).status_code == 200


@pytest.mark.anyio
async def test_another_applicants_acceptance_that_died_holding_the_checkout_is_given_back(
    harness, person, ddb_settings, scan
):
    """Shopper A's acceptance charged its first payment and died holding the checkout; once its
    lease runs out, shopper B's acceptance takes the checkout over. A's charge is given back and
    A's request is recorded abandoned as A's, for A's plan; B's plan is made."""
    checkout = harness.checkout()
    first, second = person("approve"), person("approve")
    dead_application = await decided(harness, first, checkout.id, "APPROVED")
    application = await decided(harness, second, checkout.id, "APPROVED")
    dead_key = str(uuid.uuid4())
    amount = Money(dead_application["offers"][0]["firstPayment"]["amount"], "GBP")
    charge = harness.provider.charge(
        token="tok_visa", amount=amount, idempotency_key=charge_key(first.sub, dead_key)
    )
    now = datetime.now(UTC)
    lapsed = Lease(
        owner=request_id(first.sub, dead_key),
        charge_key=charge_key(first.sub, dead_key),
        until=now - timedelta(seconds=1),
    )
    acceptor = Acceptor(customer_id=first.sub, application_id=dead_application["id"])
    DynamoLeaseStore(ddb_settings).claim_checkout(checkout.id, lapsed, acceptor=acceptor, now=now)

    plan = await accept(harness, second, application)

    assert plan.status_code == 200, plan.text
    assert harness.provider.refunded(charge.id) == amount.amount
    [record] = [r for r in scan("plan_requests") if r["id"]["S"] == lapsed.owner]
    assert (record["customer_id"]["S"], record["plan_id"]["S"], record["abandoned"]) == (
        first.sub,
        plan_id_for(dead_application["id"]),
        {"BOOL": True},
    )


def test_a_shoppers_approvals_on_one_checkout_count_once_in_their_exposure(harness, ddb_settings):
    """Applying again to a checkout replaces the earlier application there, so the customer's
    open approvals count each checkout once, at its latest decision."""
    sub = f"exposed-{uuid.uuid4().hex[:8]}"
    twice, once, declined_later = (harness.checkout(amount=a) for a in (12_000, 5_000, 3_000))
    for checkout, outcomes in (
        (twice, ("APPROVED", "APPROVED")),
        (once, ("APPROVED",)),
        (declined_later, ("APPROVED", "DECLINED")),
    ):
        for outcome in outcomes:
            record_decision(harness, sub, checkout, outcome)

    prior = harness.store.records({VelocityKey.CUSTOMER: sub}).prior
    approvals = prior.open_approvals(currency="GBP", now=datetime.now(UTC))
    exposure = PlanHistory(ddb_settings).exposure(sub, currency="GBP", approvals=approvals)

    assert (exposure.outstanding.amount, exposure.active_plans) == (17_000, 2)


def record_decision(harness: Harness, sub: str, checkout: Checkout, outcome: str) -> None:
    """A decided application of `sub` on `checkout`, stored as the workflow stores one."""
    now = datetime.now(UTC)
    application = credit_application(
        customer_id=sub,
        checkout_id=checkout.id,
        amount=checkout.amount,
        checkout_expires_at=checkout.expires_at,
        created_at=now,
        attempts=1,
        lease_until=now + timedelta(minutes=1),
    )
    records = harness.store.records({VelocityKey.CUSTOMER: sub})
    assert harness.store.create(application, owner="o", records=records)
    decided = application.decided({"outcome": outcome, "reasons": [], "steps": []}, [])
    harness.store.decide(decided, owner="o", now=now)
