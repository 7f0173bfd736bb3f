"""What a payment plan's audit stream records: every money move on the plan and its checkout.

One stream per plan (its checkout has exactly one), so charges, the merchant's capture, void and
refunds, the sweep's expiry and late fees are in one order, the order the plan's version
conditions gave them. Amounts are minor units of `currency`. Pure.
"""

from __future__ import annotations

from services.credit.checkouts.domain import Checkout, CheckoutStatus
from services.credit.plans.domain import PaymentPlan
from services.credit.plans.ports import PlanRequest
from services.shared.audit.chain import Change, Json, Subject, stream_of

CHARGED = "payment.charged"
CAPTURED = "checkout.captured"
VOIDED = "checkout.voided"
REFUNDED = "checkout.refunded"
EXPIRED = "checkout.expired"
MARKED_LATE = "plan.marked_late"


def stream(plan_id: str) -> str:
    """The plan's audit stream."""
    return stream_of(Subject.PLAN, plan_id)


def accepted(plan: PaymentPlan, request: PlanRequest, *, application_id: str) -> Change:
    """An offer accepted: the plan made and its first instalment charged."""
    return Change(
        action=CHARGED,
        before=None,
        after=_plan(plan),
        evidence={
            "applicationId": application_id,
            "checkoutId": plan.checkout_id,
            **_payment(plan, request),
        },
    )


def paid(before: PaymentPlan, after: PaymentPlan, request: PlanRequest) -> Change:
    """An instalment, or the rest of the plan, charged."""
    return Change(
        action=CHARGED, before=_plan(before), after=_plan(after), evidence=_payment(after, request)
    )


def merchant_operation(
    plan_before: PaymentPlan,
    plan_after: PaymentPlan,
    before: Checkout,
    after: Checkout,
    request: PlanRequest,
) -> Change:
    """A capture, void or refund by the merchant, or the sweep's expiry of an uncaptured
    checkout (which refunds the customer): the checkout's and the plan's money before and
    after, and the refunds it owes."""
    return Change(
        action=_operation(before, after),
        before={**_checkout(before), **_plan(plan_before)},
        after={**_checkout(after), **_plan(plan_after)},
        evidence={
            "checkoutId": after.id,
            "requestRecordId": request.id,
            "refunds": [
                {"chargeId": str(r.get("chargeId")), "amount": _int(r.get("amount"))}
                for r in request.refunds_due
            ],
        },
    )


def marked_late(before: PaymentPlan, after: PaymentPlan) -> Change:
    """Instalments past due marked LATE, with the policy's late fees (the sweep)."""
    late = [
        i.number
        for i, was in zip(after.instalments, before.instalments, strict=True)
        if i.status != was.status or i.late_fee != was.late_fee
    ]
    return Change(
        action=MARKED_LATE,
        before=_plan(before),
        after=_plan(after),
        evidence={"instalments": list(late)},
    )


def _operation(before: Checkout, after: Checkout) -> str:
    if after.status is CheckoutStatus.VOIDED:
        return VOIDED
    if after.status is CheckoutStatus.EXPIRED:
        return EXPIRED
    if before.status is CheckoutStatus.CONFIRMED and after.status is CheckoutStatus.CAPTURED:
        return CAPTURED
    return REFUNDED


def _plan(plan: PaymentPlan) -> dict[str, Json]:
    return {
        "planStatus": plan.status.value,
        "paid": plan.paid.amount,
        "outstanding": plan.outstanding.amount,
        "refunded": plan.refunded.amount,
        "lateFees": plan.fees_charged.amount,
        "currency": plan.principal.currency,
    }


def _checkout(checkout: Checkout) -> dict[str, Json]:
    return {
        "checkoutStatus": checkout.status.value,
        "captured": checkout.captured.amount if checkout.captured else 0,
        "refundedByMerchant": checkout.refunded.amount if checkout.refunded else 0,
    }


def _payment(plan: PaymentPlan, request: PlanRequest) -> dict[str, Json]:
    payment = next((p for p in plan.payments if p.id == request.payment_id), None)
    if payment is None:
        return {"paymentId": request.payment_id, "requestRecordId": request.id}
    return {
        "paymentId": payment.id,
        "chargeId": payment.charge_id,
        "amount": payment.amount.amount,
        "paymentStatus": payment.status.value,
        "instalments": list(payment.instalment_numbers),
        "requestRecordId": request.id,
    }


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
