"""The merchant's side of a confirmed checkout: capture, void, refund and authorisation expiry.

States (a subset of the API's `CheckoutStatus`), after credit.md §1.1:

    CONFIRMED --capture (full or partial, once)--> CAPTURED --refund (partial, repeatable)-->
    CAPTURED ... --refund of the rest--> REFUNDED
    CONFIRMED --void--> VOIDED          CONFIRMED --28 days uncaptured--> EXPIRED

Anything else is `InvalidState`. A partial capture releases the uncaptured part of the
authorisation, which reduces the plan like a refund. Void, expiry and a full refund cancel the
plan and give back every payment (Afterpay/Clearpay refund instalment 1 on an uncaptured expiry).

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from services.credit.plans.domain import PaymentPlan
from services.credit.plans.refunds import MoneyBack, apply_refund, cancel
from services.shared.errors import InvalidState, ValidationError
from services.shared.money import Money

# Klarna's default authorisation window (credit.md §1.1); issue 6 fixes it at 28 days.
AUTHORISATION_WINDOW = timedelta(days=28)


class CaptureStatus(StrEnum):
    """The checkout states money moves through after the offer is accepted."""

    CONFIRMED = "CONFIRMED"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"


@dataclass(frozen=True, kw_only=True)
class Authorisation:
    """What the merchant may still capture or refund on a checkout (amounts: the principal's)."""

    checkout_id: str
    status: CaptureStatus
    authorised: Money
    captured: Money
    refunded: Money
    confirmed_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.confirmed_at + AUTHORISATION_WINDOW


@dataclass(frozen=True, kw_only=True)
class CheckoutChange:
    """The checkout and plan after a merchant operation, and the money to give back."""

    authorisation: Authorisation
    plan: PaymentPlan
    money_back: tuple[MoneyBack, ...]


def authorise(plan: PaymentPlan, *, now: datetime) -> Authorisation:
    """The authorisation of a just-accepted plan: its principal, CONFIRMED at `now`."""
    zero = Money(0, plan.principal.currency)
    return Authorisation(
        checkout_id=plan.checkout_id,
        status=CaptureStatus.CONFIRMED,
        authorised=plan.principal,
        captured=zero,
        refunded=zero,
        confirmed_at=now,
    )


def _require(auth: Authorisation, status: CaptureStatus, action: str) -> None:
    if auth.status is not status:
        raise InvalidState(f"cannot {action} a {auth.status.value} checkout")


def _positive(amount: Money, most: Money, what: str) -> None:
    if amount.currency != most.currency:
        raise ValidationError(f"{what} in another currency", field="amount.currency")
    if not 0 < amount.amount <= most.amount:
        raise ValidationError(
            f"{what} must be more than 0 and at most {most.format()}", field="amount.amount"
        )


def capture(
    auth: Authorisation, plan: PaymentPlan, *, amount: Money | None, now: datetime
) -> CheckoutChange:
    """Capture all (`amount` None) or part of a CONFIRMED checkout, once.

    Raises:
        InvalidState: not CONFIRMED, or the authorisation has expired.
        ValidationError: an amount outside (0, authorised].
    """
    _require(auth, CaptureStatus.CONFIRMED, "capture")
    if now >= auth.expires_at:
        raise InvalidState("the authorisation has expired")
    taken = auth.authorised if amount is None else amount
    _positive(taken, auth.authorised, "capture amount")
    released = auth.authorised - taken
    money_back: tuple[MoneyBack, ...] = ()
    if released.amount:
        result = apply_refund(plan, released)
        plan, money_back = result.plan, result.money_back
    captured = replace(auth, status=CaptureStatus.CAPTURED, captured=taken)
    return CheckoutChange(authorisation=captured, plan=plan, money_back=money_back)


def _cancelled(auth: Authorisation, plan: PaymentPlan, status: CaptureStatus) -> CheckoutChange:
    result = cancel(plan)
    return CheckoutChange(
        authorisation=replace(auth, status=status), plan=result.plan, money_back=result.money_back
    )


def void(auth: Authorisation, plan: PaymentPlan) -> CheckoutChange:
    """Void a CONFIRMED (uncaptured) checkout: the plan is cancelled, the first payment refunded."""
    _require(auth, CaptureStatus.CONFIRMED, "void")
    return _cancelled(auth, plan, CaptureStatus.VOIDED)


def expire(auth: Authorisation, plan: PaymentPlan, *, now: datetime) -> CheckoutChange:
    """The sweep's move of a checkout left uncaptured for `AUTHORISATION_WINDOW`: like a void.

    Raises:
        InvalidState: not CONFIRMED, or its window has not run out at `now`.
    """
    _require(auth, CaptureStatus.CONFIRMED, "expire")
    if now < auth.expires_at:
        raise InvalidState("the authorisation has not expired yet")
    return _cancelled(auth, plan, CaptureStatus.EXPIRED)


def refund(auth: Authorisation, plan: PaymentPlan, *, amount: Money) -> CheckoutChange:
    """Refund part or the rest of a CAPTURED checkout.

    A partial refund reduces the plan (`apply_refund`); refunding the rest cancels the plan and
    gives back everything paid, interest included.

    Raises:
        InvalidState: not CAPTURED (never captured, voided, expired or already fully refunded).
        ValidationError: an amount outside (0, captured - refunded].
    """
    _require(auth, CaptureStatus.CAPTURED, "refund")
    _positive(amount, auth.captured - auth.refunded, "refund amount")
    refunded = auth.refunded + amount
    if refunded == auth.captured:
        return _cancelled(replace(auth, refunded=refunded), plan, CaptureStatus.REFUNDED)
    result = apply_refund(plan, amount)
    return CheckoutChange(
        authorisation=replace(auth, refunded=refunded),
        plan=result.plan,
        money_back=result.money_back,
    )
