"""The credit service's use cases for plans: accept an offer, pay an instalment, pay off a plan,
read plans.

Exactly-once money: before charging, a request holds a lease on what it pays for (the checkout,
the plan; `services.credit.payments.leases`), so a concurrent request for the same thing is refused
without charging; what it charges is read under that lease, so it is never what another
request has just paid. The provider is charged with a key derived from (customer, idempotency
key), so a retry or a concurrent duplicate finds the same charge. The plan, the payment, the request
record and (on acceptance) the checkout's move are written in one conditional transaction that
also lets the lease go. A charge that cannot be recorded is given back (`Refunder`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.credit.applications.domain import CreditApplication
from services.credit.applications.ports import ApplicationStore
from services.credit.checkouts.domain import Checkout, CheckoutStatus
from services.credit.checkouts.ports import CheckoutRepository, CheckoutUpdates
from services.credit.limits import is_id, page_size
from services.credit.payments.leases import (
    LEASE_TIME,
    Acceptor,
    ItemMoved,
    Lease,
    LeaseHeld,
    LeaseStore,
)
from services.credit.payments.provider import Charge, PaymentProvider
from services.credit.payments.refunder import Refunder
from services.credit.plans.domain import (
    Payment,
    PaymentPlan,
    amount_due,
    create_plan,
    pay_instalment,
    pay_off,
    payoff_amount,
)
from services.credit.plans.ports import PlanRequest, PlanStore, StoredPlan, WriteRefused
from services.credit.plans.replays import Replay, answer, in_progress, payment_of, replay
from services.credit.plans.requests import (
    charge_key,
    offer_from_json,
    parse_accept_request,
    parse_pay_request,
    parse_payoff_request,
    payment_id_for,
    plan_id_for,
    request_id,
)
from services.credit.policy.offers import Offer
from services.credit.webhooks.events import EventType, checkout_event, plan_events
from services.shared.errors import (
    CheckoutExpired,
    Conflict,
    InvalidState,
    NotFound,
)
from services.shared.money import Money
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

PAY_ATTEMPTS = 5


class PlanService:
    """Plans over their store, the applications, the checkouts and the payment provider."""

    def __init__(
        self,
        *,
        plans: PlanStore,
        leases: LeaseStore,
        applications: ApplicationStore,
        checkouts: CheckoutRepository,
        provider: PaymentProvider,
        updates: CheckoutUpdates,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._plans = plans
        self._leases = leases
        self._applications = applications
        self._checkouts = checkouts
        self._provider = provider
        self._updates = updates
        self._clock = clock
        self._refunder = Refunder(plans=plans, provider=provider, clock=clock)

    # ------------------------------------------------------------------ acceptOffer

    def accept(self, *, sub: str, payload: Mapping[str, Any]) -> PaymentPlan:
        """Accept an offer: take the first payment, create the plan, confirm the checkout.

        Raises:
            ValidationError: bad input (nothing written, nothing charged).
            IdempotencyKeyReused: the key was used for another request.
            NotFound: no such application (of the caller) or offer.
            InvalidState: the application is not APPROVED or no longer the caller's latest on
                its checkout, the checkout was bound to a shopper (an offer accepted), or
                another request is accepting an offer of it right now.
            CheckoutExpired: the checkout's time is up.
            PaymentDeclined: the first payment failed (nothing written).
        """
        request = parse_accept_request(payload)
        record_id = request_id(sub, request.idempotency_key)
        replayed = self._replay(record_id, request.fingerprint)
        if replayed is not None:
            return replayed.plan
        application, offer = self._approved_offer(sub, request.application_id, request.offer_id)
        now = self._clock()
        key = charge_key(sub, request.idempotency_key)
        lease = Lease(owner=record_id, charge_key=key, until=now + LEASE_TIME)
        try:
            checkout = self._open_checkout(application.checkout_id, sub, application.id, now)
            self._hold_checkout(sub, checkout, application.id, lease, now)
        except (InvalidState, CheckoutExpired):
            replayed = self._replay(record_id, request.fingerprint)
            if replayed is not None:  # a duplicate of this request confirmed it meanwhile
                return replayed.plan
            raise
        charge = self._provider.charge(
            token=request.token, amount=offer.first_payment, idempotency_key=key
        )
        if not charge.succeeded:
            self._leases.release_checkout(checkout.id, record_id)
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
            caller=sub,
            fingerprint=request.fingerprint,
            plan_id=plan.id,
            payment_id=plan.payments[0].id,
            created_at=now,
        )
        bound = replace(
            checkout,
            status=CheckoutStatus.CONFIRMED,
            customer_id=sub,
            application_id=application.id,
            plan_id=plan.id,
        )
        confirmed = checkout_event(EventType.CHECKOUT_CONFIRMED, bound)
        try:
            self._plans.create(
                plan, record, application_id=application.id, now=now, events=[confirmed]
            )
        except WriteRefused:
            replayed = self._replay(record_id, request.fingerprint)
            if replayed is not None:  # a concurrent duplicate of this request won
                return replayed.plan
            # The checkout moved on (expired, or our lease ran out and was taken over).
            self._refunder.give_back(charge, why="acceptOffer could not be recorded")
            self._leases.release_checkout(checkout.id, record_id)
            self._open_checkout(checkout.id, sub, application.id, self._clock())
            raise in_progress("checkout", checkout.id) from None
        self._updates.published(bound.to_json())
        return plan

    def _hold_checkout(
        self, sub: str, checkout: Checkout, application_id: str, lease: Lease, now: datetime
    ) -> None:
        acceptor = Acceptor(customer_id=sub, application_id=application_id)
        try:
            stale = self._leases.claim_checkout(checkout.id, lease, acceptor=acceptor, now=now)
        except LeaseHeld:
            raise in_progress("checkout", checkout.id) from None
        except ItemMoved:
            self._open_checkout(checkout.id, sub, application_id, self._clock())  # says why
            raise in_progress("checkout", checkout.id) from None
        if stale is not None:
            # The request that died may have been another applicant's acceptance.
            self._refunder.reconcile(
                stale,
                caller=stale.customer_id or sub,
                plan_id=plan_id_for(stale.application_id or application_id),
            )

    def _approved_offer(
        self, sub: str, application_id: str, offer_id: str
    ) -> tuple[CreditApplication, Offer]:
        application = self._applications.get(application_id)
        if application is None or application.customer_id != sub:
            raise NotFound("Application not found")
        if application.outcome != "APPROVED":
            raise InvalidState(
                "Only an APPROVED application's offers can be accepted",
                details={"outcome": application.outcome},
            )
        stored = next((o for o in application.offers if o.get("id") == offer_id), None)
        if stored is None:
            raise NotFound("Offer not found", details={"offerId": offer_id})
        return application, offer_from_json(stored, principal=application.amount)

    def _open_checkout(
        self, checkout_id: str, sub: str, application_id: str, now: datetime
    ) -> Checkout:
        """The checkout, if the shopper `sub` can still accept an offer of `application_id` on
        it: bound to nobody, in time, and that application their latest on it.

        Raises:
            InvalidState, CheckoutExpired: they cannot.
        """
        checkout = self._checkouts.get(checkout_id)
        if checkout is None:  # pragma: no cover - checkouts are never deleted
            raise NotFound("Checkout not found")
        if checkout.bound and checkout.customer_id != sub:
            raise InvalidState(
                "The checkout is no longer open: an offer on it was accepted",
                details={"checkoutId": checkout.id, "reason": "TAKEN"},
            )
        if checkout.bound:
            raise InvalidState(
                f"The checkout is {checkout.status.value}: its offers can no longer be accepted",
                details={"checkoutId": checkout.id, "status": checkout.status.value},
            )
        if checkout.expired(now):
            raise CheckoutExpired("The checkout has expired", details={"checkoutId": checkout.id})
        mine = checkout.applicants.get(sub)
        if mine is None or mine.application_id != application_id:
            raise InvalidState(
                "You applied again on this checkout: accept an offer of your latest application",
                details={"checkoutId": checkout.id, "reason": "SUPERSEDED"},
            )
        return checkout

    # ------------------------------------------------------------------ payInstalment, payOffPlan

    def pay(self, *, sub: str, plan_id: str, payload: Mapping[str, Any]) -> Payment:
        """Pay a DUE or LATE instalment of the caller's plan.

        Raises:
            ValidationError, IdempotencyKeyReused.
            NotFound: no such plan (of the caller) or instalment.
            InvalidState: the plan is not ACTIVE, the instalment is not DUE or LATE, or another
                payment of the plan is in progress.
            PaymentDeclined: the card was declined (the FAILED payment is recorded).
        """
        request = parse_pay_request(plan_id, payload)
        number = request.instalment_number
        return self._pay(
            sub=sub,
            plan_id=plan_id,
            fingerprint=request.fingerprint,
            token=request.token,
            idempotency_key=request.idempotency_key,
            due=lambda plan: amount_due(plan, number),
            record=lambda plan, charge, now: pay_instalment(
                plan, number, charge=charge, payment_id=payment_id_for(charge.id), now=now
            ),
        )

    def pay_off(self, *, sub: str, plan_id: str, payload: Mapping[str, Any]) -> Payment:
        """Pay everything left on the caller's plan now (early payoff, no fee for it).

        Raises:
            As `pay`; InvalidState also when nothing is left to pay.
        """
        request = parse_payoff_request(plan_id, payload)
        return self._pay(
            sub=sub,
            plan_id=plan_id,
            fingerprint=request.fingerprint,
            token=request.token,
            idempotency_key=request.idempotency_key,
            due=payoff_amount,
            record=lambda plan, charge, now: pay_off(
                plan, charge=charge, payment_id=payment_id_for(charge.id), now=now
            ),
        )

    def _pay(
        self,
        *,
        sub: str,
        plan_id: str,
        fingerprint: str,
        token: str,
        idempotency_key: str,
        due: Callable[[PaymentPlan], Money],
        record: Callable[[PaymentPlan, Charge, datetime], tuple[PaymentPlan, Payment]],
    ) -> Payment:
        self._owned(sub, plan_id)  # anyone else's plan is not found, and never held
        record_id = request_id(sub, idempotency_key)
        replayed = self._replay(record_id, fingerprint)
        if replayed is not None:
            return answer(payment_of(replayed.plan, replayed.payment_id))
        key = charge_key(sub, idempotency_key)
        try:
            self._hold_plan(sub, plan_id, record_id, key)
        except InvalidState:
            replayed = self._replay(record_id, fingerprint)
            if replayed is not None:  # a duplicate of this request paid meanwhile
                return answer(payment_of(replayed.plan, replayed.payment_id))
            raise
        charge: Charge | None = None
        for _ in range(PAY_ATTEMPTS):
            # Read under the lease: no other payment of the plan is recorded while we hold it,
            # so what we charge is what is owed, not what another request has just paid.
            stored = self._owned(sub, plan_id)
            try:
                amount = due(stored.plan)
            except InvalidState:
                replayed = self._replay(record_id, fingerprint)
                if replayed is not None:  # a duplicate of this request paid it: same charge
                    self._leases.release_plan(plan_id, record_id)
                    return answer(payment_of(replayed.plan, replayed.payment_id))
                self._abandon(charge, plan_id, record_id, why="the plan moved on while paying")
                raise
            if charge is None:
                charge = self._provider.charge(token=token, amount=amount, idempotency_key=key)
            if charge.succeeded and charge.amount != amount:
                # A fee was added or a refund came in since we charged: the key is spent.
                self._abandon(charge, plan_id, record_id, why="the amount due changed")
                raise Conflict("The amount due changed; retry with a new idempotency key")
            now = self._clock()
            plan, payment = record(stored.plan, charge, now)
            entry = PlanRequest(
                id=record_id,
                caller=sub,
                fingerprint=fingerprint,
                plan_id=plan.id,
                payment_id=payment.id,
                created_at=now,
            )
            try:
                self._plans.update(stored, plan, entry, plan_events(stored.plan, plan))
            except WriteRefused:
                replayed = self._replay(record_id, fingerprint)
                if replayed is not None:  # a concurrent duplicate of this request won
                    self._leases.release_plan(plan_id, record_id)  # the lease we took after it
                    return answer(payment_of(replayed.plan, replayed.payment_id))
                continue  # the plan changed: read it again
            return answer(payment)
        self._abandon(charge, plan_id, record_id, why="the plan kept changing")
        raise Conflict("The plan is busy; retry with a new idempotency key")

    def _hold_plan(self, sub: str, plan_id: str, record_id: str, key: str) -> None:
        now = self._clock()
        lease = Lease(owner=record_id, charge_key=key, until=now + LEASE_TIME)
        try:
            stale = self._leases.claim_plan(plan_id, lease, now=now)
        except LeaseHeld:
            raise in_progress("plan", plan_id) from None
        except ItemMoved:  # pragma: no cover - plans are never deleted
            raise NotFound("Plan not found") from None
        if stale is not None:
            self._refunder.reconcile(stale, caller=sub, plan_id=plan_id)

    def _abandon(self, charge: Charge | None, plan_id: str, record_id: str, *, why: str) -> None:
        """Give back what this request charged, if anything, and let go of the plan."""
        if charge is not None:
            self._refunder.give_back(charge, why=why)
        self._leases.release_plan(plan_id, record_id)

    # ------------------------------------------------------------------ reads

    def get(self, *, sub: str, plan_id: str) -> PaymentPlan:
        """The caller's plan (NotFound for anyone else's)."""
        return self._owned(sub, plan_id).plan

    def mine(
        self, *, sub: str, limit: int | None, next_token: str | None
    ) -> tuple[list[PaymentPlan], str | None]:
        """The caller's plans, newest first, a page at a time."""
        size = page_size(limit)
        return self._plans.list_for_customer(sub, limit=size, next_token=next_token)

    # ------------------------------------------------------------------ helpers

    def _owned(self, sub: str, plan_id: str) -> StoredPlan:
        stored = self._plans.get(plan_id) if is_id(plan_id) else None
        if stored is None or stored.plan.customer_id != sub:
            raise NotFound("Plan not found")
        return stored

    def _replay(self, record_id: str, fingerprint: str) -> Replay | None:
        return replay(self._plans, record_id, fingerprint)
