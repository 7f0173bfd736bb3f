"""Payment plans: an accepted offer's instalments, the payments against them, and refunds.

Money rules, all in integer minor units of the plan's currency:

- A plan starts from an accepted `Offer` with instalment 1 PAID by the first payment.
- Only a DUE or LATE instalment can be paid; the plan is COMPLETED when nothing is left unpaid.
- A refund (or the part of an authorisation a partial capture releases) first reduces the unpaid
  instalments from the last one backwards; an instalment reduced to zero is WAIVED along with
  any late fee on it. What is refunded beyond the unpaid instalments is money to give back,
  against the succeeded payments newest first.
- At every step: outstanding = total payable + late fees charged - paid (net of money given
  back) - refunded - late fees waived, and it is never negative.

Refunds are in `services.credit.plans.refunds`; the checkout side (`capture`, `void`, `refund`,
`expire` in `services.credit.checkouts.money`) builds on them; late fees are in
`services.credit.plans.late_fees`.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from services.credit.payments.provider import Charge
from services.credit.policy.offers import Offer
from services.shared.errors import InvalidState, NotFound, PaymentDeclined, ValidationError
from services.shared.money import Money


class InstalmentStatus(StrEnum):
    """The API's `InstalmentStatus`."""

    DUE = "DUE"
    PAID = "PAID"
    LATE = "LATE"
    WAIVED = "WAIVED"


UNPAID = frozenset({InstalmentStatus.DUE, InstalmentStatus.LATE})


class PlanStatus(StrEnum):
    """The API's `PlanStatus`."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    DEFAULTED = "DEFAULTED"
    CANCELLED = "CANCELLED"


class PaymentStatus(StrEnum):
    """The API's `PaymentStatus`."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True, kw_only=True)
class Instalment:
    """The API's `Instalment`, plus the late fee charged on it (owed with it)."""

    number: int
    due_date: date
    amount: Money
    status: InstalmentStatus
    late_fee: Money
    paid_at: datetime | None = None

    @property
    def owed(self) -> int:
        """Minor units still to pay on this instalment: amount and late fee, if unpaid."""
        return self.amount.amount + self.late_fee.amount if self.status in UNPAID else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "dueDate": self.due_date.isoformat(),
            "amount": self.amount.to_json(),
            "status": self.status.value,
            "paidAt": self.paid_at.isoformat() if self.paid_at else None,
        }


@dataclass(frozen=True, kw_only=True)
class Payment:
    """The API's `Payment`, plus the provider's charge id and what was given back of it."""

    id: str
    plan_id: str
    amount: Money
    status: PaymentStatus
    instalment_numbers: tuple[int, ...]
    charge_id: str
    card_last4: str | None
    failure_code: str | None
    created_at: datetime
    refunded: Money

    @property
    def refundable(self) -> int:
        """Minor units of this payment that could still be given back."""
        if self.status is not PaymentStatus.SUCCEEDED:
            return 0
        return self.amount.amount - self.refunded.amount

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "planId": self.plan_id,
            "amount": self.amount.to_json(),
            "status": self.status.value,
            "instalmentNumbers": list(self.instalment_numbers),
            "cardLast4": self.card_last4,
            "failureCode": self.failure_code,
            "createdAt": self.created_at.isoformat(),
        }


@dataclass(frozen=True, kw_only=True)
class PaymentPlan:
    """The API's `PaymentPlan`; `refunded` and `fees_waived` keep the balance explainable."""

    id: str
    checkout_id: str
    customer_id: str
    status: PlanStatus
    principal: Money
    total_payable: Money
    instalments: tuple[Instalment, ...]
    payments: tuple[Payment, ...]
    created_at: datetime
    refunded: Money
    fees_waived: Money

    def _sum(self, values: list[int]) -> Money:
        return Money(sum(values), self.principal.currency)

    @property
    def outstanding(self) -> Money:
        """What the customer still owes: unpaid instalments and their late fees."""
        return self._sum([i.owed for i in self.instalments])

    @property
    def unpaid_amount(self) -> Money:
        """The purchase part of `outstanding` (late fees left out): what a refund reduces."""
        return self._sum([i.amount.amount for i in self.instalments if i.status in UNPAID])

    @property
    def paid(self) -> Money:
        """Money taken from the customer, less what was given back."""
        return self._sum([p.refundable for p in self.payments])

    @property
    def fees_charged(self) -> Money:
        return self._sum([i.late_fee.amount for i in self.instalments])

    def instalment(self, number: int) -> Instalment:
        for instalment in self.instalments:
            if instalment.number == number:
                return instalment
        raise NotFound(f"plan has no instalment {number}")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "checkoutId": self.checkout_id,
            "customerId": self.customer_id,
            "status": self.status.value,
            "principal": self.principal.to_json(),
            "totalPayable": self.total_payable.to_json(),
            "instalments": [i.to_json() for i in self.instalments],
            "payments": [p.to_json() for p in self.payments],
            "createdAt": self.created_at.isoformat(),
        }


def _payment(
    plan_id: str, payment_id: str, numbers: tuple[int, ...], charge: Charge, now: datetime
) -> Payment:
    return Payment(
        id=payment_id,
        plan_id=plan_id,
        amount=charge.amount,
        status=PaymentStatus.SUCCEEDED if charge.succeeded else PaymentStatus.FAILED,
        instalment_numbers=numbers,
        charge_id=charge.id,
        card_last4=charge.last4,
        failure_code=charge.failure_code,
        created_at=now,
        refunded=Money(0, charge.amount.currency),
    )


def create_plan(
    offer: Offer,
    *,
    plan_id: str,
    checkout_id: str,
    customer_id: str,
    payment_id: str,
    first_charge: Charge,
    now: datetime,
) -> PaymentPlan:
    """The plan of an accepted offer, its first instalment paid by `first_charge`.

    Raises:
        PaymentDeclined: the first charge failed (no plan exists then).
        ValidationError: the charge is not for the offer's first payment.
    """
    if not first_charge.succeeded:
        raise PaymentDeclined(
            "the card was declined", details={"failureCode": first_charge.failure_code}
        )
    if first_charge.amount != offer.first_payment:
        raise ValidationError("the first charge must equal the offer's first payment")
    zero = Money(0, offer.principal.currency)
    instalments = tuple(
        Instalment(
            number=s.number,
            due_date=s.due_date,
            amount=s.amount,
            status=InstalmentStatus.PAID if s.number == 1 else InstalmentStatus.DUE,
            late_fee=zero,
            paid_at=now if s.number == 1 else None,
        )
        for s in offer.schedule
    )
    plan = PaymentPlan(
        id=plan_id,
        checkout_id=checkout_id,
        customer_id=customer_id,
        status=PlanStatus.ACTIVE,
        principal=offer.principal,
        total_payable=offer.total_payable,
        instalments=instalments,
        payments=(_payment(plan_id, payment_id, (1,), first_charge, now),),
        created_at=now,
        refunded=zero,
        fees_waived=zero,
    )
    return settle(plan)


def settle(plan: PaymentPlan) -> PaymentPlan:
    """An ACTIVE plan with nothing left unpaid is COMPLETED."""
    if plan.status is PlanStatus.ACTIVE and not any(i.status in UNPAID for i in plan.instalments):
        return replace(plan, status=PlanStatus.COMPLETED)
    return plan


def _require_active(plan: PaymentPlan) -> None:
    if plan.status is not PlanStatus.ACTIVE:
        raise InvalidState(f"the plan is {plan.status.value}")


def amount_due(plan: PaymentPlan, number: int) -> Money:
    """What paying instalment `number` costs now (amount and late fee); charge this.

    Raises:
        NotFound: no such instalment.
        InvalidState: the plan is not ACTIVE or the instalment is not DUE or LATE.
    """
    _require_active(plan)
    instalment = plan.instalment(number)
    if instalment.status not in UNPAID:
        raise InvalidState(f"instalment {number} is {instalment.status.value}")
    return Money(instalment.owed, plan.principal.currency)


def payoff_amount(plan: PaymentPlan) -> Money:
    """What paying off the whole remainder early costs now (InvalidState if nothing is owed)."""
    _require_active(plan)
    owed = plan.outstanding
    if owed.amount == 0:
        raise InvalidState("nothing is left to pay")
    return owed


def _pay(
    plan: PaymentPlan,
    numbers: tuple[int, ...],
    due: Money,
    *,
    charge: Charge,
    payment_id: str,
    now: datetime,
) -> tuple[PaymentPlan, Payment]:
    if any(p.id == payment_id for p in plan.payments):
        raise InvalidState(f"payment {payment_id} is already recorded")
    payment = _payment(plan.id, payment_id, numbers, charge, now)
    if not charge.succeeded:
        # A declined card changes nothing owed; the attempt is kept for the customer's history.
        return replace(plan, payments=(*plan.payments, payment)), payment
    if charge.amount != due:
        raise ValidationError(f"the charge must be {due.format()}, the amount due")
    instalments = tuple(
        replace(i, status=InstalmentStatus.PAID, paid_at=now) if i.number in numbers else i
        for i in plan.instalments
    )
    paid = replace(plan, instalments=instalments, payments=(*plan.payments, payment))
    return settle(paid), payment


def pay_instalment(
    plan: PaymentPlan, number: int, *, charge: Charge, payment_id: str, now: datetime
) -> tuple[PaymentPlan, Payment]:
    """Record `charge` (made for `amount_due(plan, number)`) against instalment `number`.

    A FAILED charge is recorded as a FAILED payment and leaves the instalment as it was.

    Raises:
        InvalidState: see `amount_due`; or `payment_id` is already recorded.
        ValidationError: a succeeded charge for another amount than is due.
    """
    due = amount_due(plan, number)
    return _pay(plan, (number,), due, charge=charge, payment_id=payment_id, now=now)


def pay_off(
    plan: PaymentPlan, *, charge: Charge, payment_id: str, now: datetime
) -> tuple[PaymentPlan, Payment]:
    """Early payoff: record `charge` (made for `payoff_amount(plan)`) against every unpaid one."""
    due = payoff_amount(plan)
    numbers = tuple(i.number for i in plan.instalments if i.status in UNPAID)
    return _pay(plan, numbers, due, charge=charge, payment_id=payment_id, now=now)
