"""Answering a money request that was made before: the replay of an idempotency key.

Pure over the `PlanStore` port: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.credit.plans.domain import Payment, PaymentPlan
from services.credit.plans.ports import PlanStore
from services.shared.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    PaymentDeclined,
)


def in_progress(what: str, item_id: str) -> InvalidState:
    """The answer to a request while another holds the item it is for."""
    return InvalidState(
        f"Another request is paying for this {what}; read it again before retrying",
        details={"reason": "IN_PROGRESS", f"{what}Id": item_id},
    )


def replay(plans: PlanStore, record_id: str, fingerprint: str) -> Replay | None:
    """What a request already made, or None if it is new.

    Raises:
        Conflict: the request was abandoned (its charge given back).
        IdempotencyKeyReused: the key was used for another request.
    """
    record = plans.get_request(record_id)
    if record is None:
        return None
    if record.abandoned:
        raise Conflict(
            "This request was interrupted and its charge given back; retry with a new "
            "idempotency key",
            details={"field": "idempotencyKey"},
        )
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different request",
            details={"field": "idempotencyKey"},
        )
    stored = plans.get(record.plan_id)
    if stored is None or record.payment_id is None:  # pragma: no cover - written together
        raise NotFound("Plan not found")
    return Replay(stored.plan, record.payment_id)


@dataclass(frozen=True)
class Replay:
    """A request already done: the plan it made or paid, and its payment."""

    plan: PaymentPlan
    payment_id: str


def payment_of(plan: PaymentPlan, payment_id: str) -> Payment:
    """The payment a request recorded."""
    for payment in plan.payments:
        if payment.id == payment_id:
            return payment
    raise NotFound("Payment not found")  # pragma: no cover - written with its record


def answer(payment: Payment) -> Payment:
    """A succeeded payment; a FAILED one (recorded) answers PaymentDeclined."""
    if payment.failure_code is not None:
        raise PaymentDeclined(
            "the card was declined",
            details={"failureCode": payment.failure_code, "paymentId": payment.id},
        )
    return payment
