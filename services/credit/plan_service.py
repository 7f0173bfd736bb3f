"""The credit service's use cases for plans: accept an offer, pay an instalment, read plans.

Exactly-once money: the provider is charged with a key derived from (customer, idempotency
key), so a retry or a concurrent duplicate finds the same charge; the plan, the payment, the
request record and (on acceptance) the checkout's move are written in one conditional
transaction. A request that charged but lost the race to another request for the same thing
(a different key) gives its charge back before answering InvalidState.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.credit.applications import ApplicationStore
from services.credit.checkout_updates import CheckoutUpdates
from services.credit.domain import Checkout, CheckoutStatus
from services.credit.payments import Charge, PaymentProvider
from services.credit.plan_requests import (
    ID_MAX_CHARS,
    charge_key,
    offer_from_json,
    parse_accept_request,
    parse_pay_request,
    payment_id_for,
    plan_id_for,
    request_id,
)
from services.credit.plan_store import PlanRequest, PlanStore, StoredPlan, WriteRefused
from services.credit.plans import Payment, PaymentPlan, amount_due, create_plan, pay_instalment
from services.credit.repository import CheckoutRepository
from services.shared.errors import (
    CheckoutExpired,
    Conflict,
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    PaymentDeclined,
    ValidationError,
)
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

DEFAULT_PAGE = 20
MAX_PAGE = 100
PAY_ATTEMPTS = 5


class PlanService:
    """Plans over their store, the applications, the checkouts and the payment provider."""

    def __init__(
        self,
        *,
        plans: PlanStore,
        applications: ApplicationStore,
        checkouts: CheckoutRepository,
        provider: PaymentProvider,
        updates: CheckoutUpdates,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._plans = plans
        self._applications = applications
        self._checkouts = checkouts
        self._provider = provider
        self._updates = updates
        self._clock = clock

    # ------------------------------------------------------------------ acceptOffer

    def accept(self, *, sub: str, payload: Mapping[str, Any]) -> PaymentPlan:
        """Accept an offer: take the first payment, create the plan, confirm the checkout.

        Raises:
            ValidationError: bad input (nothing written, nothing charged).
            IdempotencyKeyReused: the key was used for another request.
            NotFound: no such application (of the caller) or offer.
            InvalidState: the application is not APPROVED or its checkout moved on.
            CheckoutExpired: the checkout's time is up.
            PaymentDeclined: the first payment failed (nothing written).
        """
        request = parse_accept_request(payload)
        record_id = request_id(sub, request.idempotency_key)
        replayed = self._replay(record_id, request.fingerprint)
        if replayed is not None:
            return replayed.plan
        application = self._applications.get(request.application_id)
        if application is None or application.customer_id != sub:
            raise NotFound("Application not found")
        if application.outcome != "APPROVED":
            raise InvalidState(
                "Only an APPROVED application's offers can be accepted",
                details={"outcome": application.outcome},
            )
        stored = next((o for o in application.offers if o.get("id") == request.offer_id), None)
        if stored is None:
            raise NotFound("Offer not found", details={"offerId": request.offer_id})
        offer = offer_from_json(stored, principal=application.amount)
        now = self._clock()
        checkout = self._checkouts.get(application.checkout_id)
        try:
            self._require_open(checkout, application.id, now)
        except (InvalidState, CheckoutExpired):
            replayed = self._replay(record_id, request.fingerprint)
            if replayed is not None:  # a duplicate of this request confirmed it meanwhile
                return replayed.plan
            raise
        assert checkout is not None
        charge = self._provider.charge(
            token=request.token,
            amount=offer.first_payment,
            idempotency_key=charge_key(sub, request.idempotency_key),
        )
        plan = create_plan(  # PaymentDeclined for a failed charge: nothing is written
            offer,
            plan_id=plan_id_for(application.id),
            checkout_id=checkout.id,
            customer_id=sub,
            payment_id=payment_id_for(charge.id),
            first_charge=charge,
            now=now,
        )
        record = PlanRequest(
            id=record_id,
            customer_id=sub,
            fingerprint=request.fingerprint,
            plan_id=plan.id,
            payment_id=plan.payments[0].id,
            created_at=now,
        )
        try:
            self._plans.create(plan, record, application_id=application.id, now=now)
        except WriteRefused:
            replayed = self._replay(record_id, request.fingerprint)
            if replayed is not None:  # a concurrent duplicate of this request won
                return replayed.plan
            self._give_back(charge, why="acceptOffer lost to another request")
            self._require_open(self._checkouts.get(checkout.id), application.id, self._clock())
            raise InvalidState("The offer was accepted by another request") from None
        self._updates.published(
            replace(checkout, status=CheckoutStatus.CONFIRMED, plan_id=plan.id).to_json()
        )
        return plan

    def _require_open(self, checkout: Checkout | None, application_id: str, now: datetime) -> None:
        if checkout is None:  # pragma: no cover - checkouts are never deleted
            raise NotFound("Checkout not found")
        if checkout.status is not CheckoutStatus.APPROVED or (
            checkout.application_id != application_id
        ):
            raise InvalidState(
                f"The checkout is {checkout.status.value}: its offers can no longer be accepted",
                details={"checkoutId": checkout.id, "status": checkout.status.value},
            )
        if now >= checkout.expires_at:
            raise CheckoutExpired("The checkout has expired", details={"checkoutId": checkout.id})

    # ------------------------------------------------------------------ payInstalment

    def pay(self, *, sub: str, plan_id: str, payload: Mapping[str, Any]) -> Payment:
        """Pay a DUE or LATE instalment of the caller's plan.

        Raises:
            ValidationError, IdempotencyKeyReused.
            NotFound: no such plan (of the caller) or instalment.
            InvalidState: the plan is not ACTIVE or the instalment is not DUE or LATE.
            PaymentDeclined: the card was declined (the FAILED payment is recorded).
        """
        request = parse_pay_request(plan_id, payload)
        record_id = request_id(sub, request.idempotency_key)
        replayed = self._replay(record_id, request.fingerprint)
        if replayed is not None:
            return _answer(_payment(replayed.plan, replayed.payment_id))
        charge: Charge | None = None
        for _ in range(PAY_ATTEMPTS):
            stored = self._owned(sub, plan_id)
            try:
                due = amount_due(stored.plan, request.instalment_number)
            except InvalidState:
                if charge is not None:  # another payment took it while we charged
                    self._give_back(charge, why="payInstalment lost to another payment")
                raise
            charge = charge or self._provider.charge(
                token=request.token,
                amount=due,
                idempotency_key=charge_key(sub, request.idempotency_key),
            )
            if charge.succeeded and charge.amount != due:
                # A fee was added since we charged: give this one back; the key is spent.
                self._give_back(charge, why="the amount due changed")
                raise Conflict("The amount due changed; retry with a new idempotency key")
            now = self._clock()
            plan, payment = pay_instalment(
                stored.plan,
                request.instalment_number,
                charge=charge,
                payment_id=payment_id_for(charge.id),
                now=now,
            )
            record = PlanRequest(
                id=record_id,
                customer_id=sub,
                fingerprint=request.fingerprint,
                plan_id=plan.id,
                payment_id=payment.id,
                created_at=now,
            )
            try:
                self._plans.update(stored, plan, record)
            except WriteRefused:
                replayed = self._replay(record_id, request.fingerprint)
                if replayed is not None:  # a concurrent duplicate of this request won
                    return _answer(_payment(replayed.plan, replayed.payment_id))
                continue  # the plan changed: read it again
            return _answer(payment)
        if charge is not None:
            self._give_back(charge, why="payInstalment kept colliding")
        raise Conflict("The plan is busy; retry with the same idempotency key")

    # ------------------------------------------------------------------ reads

    def get(self, *, sub: str, plan_id: str) -> PaymentPlan:
        """The caller's plan (NotFound for anyone else's)."""
        return self._owned(sub, plan_id).plan

    def mine(
        self, *, sub: str, limit: int | None, next_token: str | None
    ) -> tuple[list[PaymentPlan], str | None]:
        """The caller's plans, newest first, a page at a time."""
        size = DEFAULT_PAGE if limit is None else limit
        if not 1 <= size <= MAX_PAGE:
            raise ValidationError(f"limit must be from 1 to {MAX_PAGE}", field="limit")
        return self._plans.list_for_customer(sub, limit=size, next_token=next_token)

    # ------------------------------------------------------------------ helpers

    def _owned(self, sub: str, plan_id: str) -> StoredPlan:
        stored = self._plans.get(plan_id) if len(plan_id) <= ID_MAX_CHARS else None
        if stored is None or stored.plan.customer_id != sub:
            raise NotFound("Plan not found")
        return stored

    def _replay(self, record_id: str, fingerprint: str) -> _Replay | None:
        record = self._plans.get_request(record_id)
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "This idempotency key was used for a different request",
                details={"field": "idempotencyKey"},
            )
        stored = self._plans.get(record.plan_id)
        if stored is None:  # pragma: no cover - the record and the plan are written together
            raise NotFound("Plan not found")
        return _Replay(stored.plan, record.payment_id)

    def _give_back(self, charge: Charge, *, why: str) -> None:
        if not charge.succeeded:
            return
        # Keyed by the charge: however often this runs for it, the money goes back once.
        self._provider.refund(
            charge_id=charge.id, amount=charge.amount, idempotency_key=f"undo_{charge.id}"
        )
        logger.info("charge %s given back: %s", charge.id, why)


class _Replay:
    __slots__ = ("payment_id", "plan")

    def __init__(self, plan: PaymentPlan, payment_id: str) -> None:
        self.plan = plan
        self.payment_id = payment_id


def _payment(plan: PaymentPlan, payment_id: str) -> Payment:
    for payment in plan.payments:
        if payment.id == payment_id:
            return payment
    raise NotFound("Payment not found")  # pragma: no cover - written with its record


def _answer(payment: Payment) -> Payment:
    """A succeeded payment; a FAILED one (recorded) answers PaymentDeclined."""
    if payment.failure_code is not None:
        raise PaymentDeclined(
            "the card was declined",
            details={"failureCode": payment.failure_code, "paymentId": payment.id},
        )
    return payment
