"""`checkout_operations.authorisation`: what a stored checkout and its plan leave the merchant to
capture or refund, and the states that have none."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.credit.checkouts.domain import Checkout, CheckoutRequest, CheckoutStatus
from services.credit.checkouts.money import AUTHORISATION_WINDOW, CaptureStatus
from services.credit.checkouts.operations import authorisation
from services.credit.payments.provider import SandboxPaymentProvider
from services.credit.plans.domain import PaymentPlan, create_plan
from services.credit.policy.offers import pay_in_4
from services.shared.errors import InvalidState
from services.shared.money import Money

CONFIRMED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


def plan() -> PaymentPlan:
    offer = pay_in_4(gbp(10_000), today=date(2026, 3, 2), application_id="app")
    charge = SandboxPaymentProvider().charge(
        token="tok_visa", amount=offer.first_payment, idempotency_key="k"
    )
    return create_plan(
        offer,
        plan_id="pln",
        checkout_id="chk",
        customer_id="shopper",
        payment_id="pay1",
        first_charge=charge,
        now=CONFIRMED_AT,
    )


def checkout(
    status: CheckoutStatus, *, captured: Money | None = None, refunded: Money | None = None
) -> Checkout:
    request = CheckoutRequest(
        merchant_id="m_shop", merchant_reference="r", amount=gbp(10_000), items=()
    )
    opened = Checkout.open(request, checkout_id="chk", now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    return replace(
        opened,
        status=status,
        plan_id="pln",
        customer_id="shopper",
        captured=captured,
        refunded=refunded,
    )


def test_a_confirmed_checkout_authorises_the_plans_principal_from_its_acceptance() -> None:
    """Nothing captured or refunded yet; the 28-day window runs from the plan's creation."""
    auth = authorisation(checkout(CheckoutStatus.CONFIRMED), plan())

    assert auth.status is CaptureStatus.CONFIRMED
    assert (auth.authorised, auth.captured, auth.refunded) == (gbp(10_000), gbp(0), gbp(0))
    assert auth.expires_at == CONFIRMED_AT + AUTHORISATION_WINDOW


def test_a_captured_checkout_carries_what_was_captured_and_refunded() -> None:
    auth = authorisation(
        checkout(CheckoutStatus.CAPTURED, captured=gbp(6000), refunded=gbp(1500)), plan()
    )

    assert auth.status is CaptureStatus.CAPTURED
    assert (auth.captured, auth.refunded) == (gbp(6000), gbp(1500))


@pytest.mark.parametrize(
    "status",
    [
        CheckoutStatus.CREATED,
        CheckoutStatus.APPROVED,
        CheckoutStatus.DECLINED,
        CheckoutStatus.REFERRED,
    ],
)
def test_a_checkout_before_acceptance_has_no_authorisation(status: CheckoutStatus) -> None:
    """InvalidState naming the checkout and its status, never a crash on an unknown state."""
    with pytest.raises(InvalidState) as raised:
        authorisation(checkout(status), plan())

    assert raised.value.details == {"checkoutId": "chk", "status": status.value}


@pytest.mark.parametrize(
    "status",
    [CheckoutStatus.VOIDED, CheckoutStatus.EXPIRED, CheckoutStatus.REFUNDED],
)
def test_a_finished_checkout_keeps_its_state_for_the_rules_to_refuse(
    status: CheckoutStatus,
) -> None:
    """Voided, expired and refunded checkouts map to their capture states, so the pure rules
    (not this mapping) say which operation is refused."""
    assert authorisation(checkout(status), plan()).status.value == status.value
