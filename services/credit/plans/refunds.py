"""Refunds against a plan: what a merchant's refund (or the part of an authorisation a partial
capture releases) does to the instalments, and the money it gives back.

- A refund first reduces the unpaid instalments from the last one backwards; an instalment
  reduced to zero is WAIVED along with any late fee on it.
- What is refunded beyond the unpaid instalments is money to give back, against the succeeded
  payments newest first.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.credit.plans.domain import UNPAID, InstalmentStatus, PaymentPlan, PlanStatus, settle
from services.shared.errors import ValidationError
from services.shared.money import Money


@dataclass(frozen=True, kw_only=True)
class MoneyBack:
    """Part of a refund to give back to the customer against one payment's charge."""

    payment_id: str
    charge_id: str
    amount: Money


@dataclass(frozen=True, kw_only=True)
class RefundResult:
    """What `apply_refund` did: the new plan, what it took off the instalments, and the excess
    to give back (`money_back` splits `excess` across the payments, newest first)."""

    plan: PaymentPlan
    reduced: Money
    excess: Money
    money_back: tuple[MoneyBack, ...]


def refundable(plan: PaymentPlan) -> Money:
    """The most a refund can be: every unpaid instalment plus all the money taken."""
    return plan.unpaid_amount + plan.paid


def apply_refund(plan: PaymentPlan, amount: Money) -> RefundResult:
    """Reduce the unpaid instalments by `amount`, last first; give back whatever is left over.

    Raises:
        ValidationError: a non-positive amount, another currency, or more than `refundable`.

    Example:
        >>> from datetime import date, datetime
        >>> from services.credit.policy.offers import pay_in_4
        >>> from services.credit.payments.provider import SandboxPaymentProvider
        >>> from services.credit.plans.domain import create_plan
        >>> offer = pay_in_4(Money(10000, "GBP"), today=date(2026, 1, 1), application_id="a")
        >>> charge = SandboxPaymentProvider().charge(
        ...     token="tok_visa", amount=offer.first_payment, idempotency_key="k")
        >>> plan = create_plan(offer, plan_id="p", checkout_id="c", customer_id="u",
        ...     payment_id="pay1", first_charge=charge, now=datetime(2026, 1, 1))
        >>> result = apply_refund(plan, Money(8000, "GBP"))
        >>> [i.amount.amount for i in result.plan.instalments], result.excess.amount
        ([2500, 0, 0, 0], 500)
    """
    currency = plan.principal.currency
    if amount.currency != currency:
        raise ValidationError("refund in another currency", field="amount.currency")
    if amount.amount <= 0:
        raise ValidationError("refund amount must be greater than 0", field="amount.amount")
    most = refundable(plan)
    if amount.amount > most.amount:
        raise ValidationError(
            f"refund amount must be at most {most.format()}, what the plan holds",
            field="amount.amount",
        )
    left = amount.amount
    waived = 0
    instalments = list(plan.instalments)
    for index in reversed(range(len(instalments))):
        instalment = instalments[index]
        if left == 0 or instalment.status not in UNPAID:
            continue
        cut = min(left, instalment.amount.amount)
        left -= cut
        reduced = replace(instalment, amount=Money(instalment.amount.amount - cut, currency))
        if reduced.amount.amount == 0:
            # Nothing of the purchase is owed on it any more, so neither is a fee for lateness.
            waived += reduced.late_fee.amount
            reduced = replace(reduced, status=InstalmentStatus.WAIVED)
        instalments[index] = reduced
    excess = left
    payments = list(plan.payments)
    money_back: list[MoneyBack] = []
    for index in reversed(range(len(payments))):
        payment = payments[index]
        give = min(left, payment.refundable)
        if give == 0:
            continue
        left -= give
        payments[index] = replace(payment, refunded=payment.refunded + Money(give, currency))
        money_back.append(
            MoneyBack(
                payment_id=payment.id, charge_id=payment.charge_id, amount=Money(give, currency)
            )
        )
    new_plan = replace(
        plan,
        instalments=tuple(instalments),
        payments=tuple(payments),
        refunded=plan.refunded + amount,
        fees_waived=plan.fees_waived + Money(waived, currency),
    )
    return RefundResult(
        plan=settle(new_plan),
        reduced=Money(amount.amount - excess, currency),
        excess=Money(excess, currency),
        money_back=tuple(money_back),
    )


def cancel(plan: PaymentPlan) -> RefundResult:
    """Undo the whole plan (void, expiry, full refund): nothing owed, all money given back."""
    total = refundable(plan)
    if total.amount == 0:
        # Nothing owed and nothing taken: a cancelled plan with no money to move.
        return RefundResult(
            plan=replace(plan, status=PlanStatus.CANCELLED),
            reduced=total,
            excess=total,
            money_back=(),
        )
    result = apply_refund(plan, total)
    return replace(result, plan=replace(result.plan, status=PlanStatus.CANCELLED))
