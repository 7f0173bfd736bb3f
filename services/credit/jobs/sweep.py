"""The sweep (`bnpl jobs run`; a scheduled task in AWS): the work no request does on its own.

In order, each step safe to run any number of times and at any moment beside live traffic:

1. Leases that outlived their request (it died while charging): taken over, and the charge it
   may have made given back (`Refunder.reconcile`).
2. Refunds a stored merchant operation still owes (the provider failed at the time): made.
3. Checkouts left CONFIRMED and uncaptured past the authorisation window: EXPIRED, the plan
   cancelled and the customer's payments given back.
4. Checkouts whose hour ran out before anyone accepted an offer (unbound, however many
   shoppers applied): EXPIRED.
5. Instalments past their due date: LATE, with the policy's capped late fees.

Every checkout it changes is published to its `onCheckoutUpdated` subscribers, and every change
a merchant hears of is written with its webhook events.

A failure on one item is logged and counted, and the sweep goes on with the next: the next run
picks it up again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import partial
from typing import Protocol

from services.credit.checkouts.domain import Checkout, CheckoutStatus, CustomerCaller
from services.credit.checkouts.operations import CheckoutOperations
from services.credit.checkouts.ports import CheckoutUpdates
from services.credit.payments.leases import LEASE_TIME, HeldItem, Lease, LeaseHeld, LeaseStore
from services.credit.payments.refunder import Refunder
from services.credit.plans.late_fee_rules import LateFeeRules
from services.credit.plans.late_fees import mark_late
from services.credit.plans.ports import PlanStore, WriteRefused
from services.credit.webhooks.events import EventDraft, EventType, checkout_event, plan_events
from services.shared.errors import ServiceError
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)


class SweptCheckouts(Protocol):
    """Where the sweep finds the checkouts it moves on."""

    def confirmed(self) -> list[Checkout]:
        """Checkouts awaiting capture."""
        ...

    def lapsed(self, now: datetime) -> list[Checkout]:
        """Checkouts bound to nobody whose time ran out."""
        ...

    def mark_expired(
        self, checkout: Checkout, now: datetime, events: Sequence[EventDraft] = ()
    ) -> bool:
        """Store a lapsed checkout as EXPIRED, with `events` (False if it changed meanwhile)."""
        ...


@dataclass
class SweepReport:
    """What one run did."""

    leases_settled: int = 0
    charges_given_back: int = 0
    refunds_made: int = 0
    checkouts_expired: int = 0
    checkouts_lapsed: int = 0
    plans_marked_late: int = 0
    failures: int = 0

    def to_json(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Sweep:
    """One run of the sweep over the stores (see the module docstring)."""

    def __init__(
        self,
        *,
        plans: PlanStore,
        leases: LeaseStore,
        checkouts: SweptCheckouts,
        operations: CheckoutOperations,
        updates: CheckoutUpdates,
        refunder: Refunder,
        late_fees: LateFeeRules,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._plans = plans
        self._leases = leases
        self._checkouts = checkouts
        self._operations = operations
        self._updates = updates
        self._refunder = refunder
        self._late_fees = late_fees
        self._clock = clock

    def run(self) -> SweepReport:
        """Do every step once; see the module docstring."""
        report = SweepReport()
        now = self._clock()
        for held in self._leases.expired_checkouts(now):
            self._step(report, partial(self._settle, held, checkout=True))
        for held in self._leases.expired_plans(now):
            self._step(report, partial(self._settle, held, checkout=False))
        for request in self._plans.requests_owing_refunds():
            if self._refunder.make_refunds(request):
                report.refunds_made += len(request.refunds_due)
            else:
                report.failures += 1
        for checkout in self._checkouts.confirmed():
            self._step(report, partial(self._operations.expire, checkout.id))
        for checkout in self._checkouts.lapsed(now):
            self._step(report, partial(self._lapse, checkout, now), "lapsed")
        for stored in self._plans.active_plans():
            late = mark_late(stored.plan, now.date(), self._late_fees)
            if late != stored.plan:
                events = plan_events(stored.plan, late)
                self._step(report, partial(self._plans.save, stored, late, events), "late")
        logger.info("sweep done: %s", report.to_json())
        return report

    def _step(self, report: SweepReport, work: Callable[[], object], kind: str = "") -> None:
        try:
            done = work()
        except (ServiceError, WriteRefused, LeaseHeld, ValueError) as exc:
            logger.warning("sweep step failed, left for the next run: %r", exc)
            report.failures += 1
            return
        if kind == "late":
            report.plans_marked_late += 1
        elif kind == "lapsed":
            report.checkouts_lapsed += 1 if done else 0
        elif isinstance(done, Checkout):
            report.checkouts_expired += 1
        elif isinstance(done, tuple):
            settled, given_back = done
            report.leases_settled += settled
            report.charges_given_back += given_back

    def _lapse(self, checkout: Checkout, now: datetime) -> bool:
        expired = replace(checkout, status=CheckoutStatus.EXPIRED)
        event = checkout_event(EventType.CHECKOUT_EXPIRED, expired)
        if not self._checkouts.mark_expired(checkout, now, [event]):
            return False
        # Bound to nobody: the merchant hears it with no customer, each applicant as their own.
        self._updates.published(expired.to_json())
        for sub in sorted(expired.applicants):
            view = expired.seen_by(CustomerCaller(sub=sub), None)
            if view is not None:
                self._updates.published(view.to_json())
        return True

    def _settle(self, held: HeldItem, *, checkout: bool) -> tuple[int, int]:
        now = self._clock()
        sweeper = Lease(owner=f"sweep:{uuid.uuid4()}", charge_key="", until=now + LEASE_TIME)
        if checkout:
            stale = self._leases.claim_checkout(held.item_id, sweeper, acceptor=None, now=now)
        else:
            stale = self._leases.claim_plan(held.item_id, sweeper, now=now)
        given_back = False
        if stale is not None:
            given_back = self._refunder.reconcile(
                stale, caller=held.customer_id, plan_id=held.plan_id or ""
            )
        if checkout:
            self._leases.release_checkout(held.item_id, sweeper.owner)
        else:
            self._leases.release_plan(held.item_id, sweeper.owner)
        return (1 if stale is not None else 0), (1 if given_back else 0)
