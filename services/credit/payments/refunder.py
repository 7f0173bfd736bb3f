"""Giving money back to customers, exactly once, whatever fails on the way.

Three kinds of money go back, each under a provider idempotency key that names it, so trying
again (a retry, the sweep, a second process) never pays twice:

- a charge that lost a race or is no longer wanted: `undo_<chargeId>`, the whole charge;
- the refunds a recorded merchant operation owes (`PlanRequest.refunds_due`): one key per
  (request, charge), made after the operation is stored and forgotten once all are made;
- the charge of a request that died holding a lease (`reconcile`): its record is first written
  as abandoned, so a late retry of it cannot use the charge, then the charge is undone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from services.credit.payments.leases import Lease
from services.credit.payments.provider import Charge, PaymentProvider
from services.credit.plans.ports import PlanRequest, PlanStore
from services.shared.errors import ServiceError
from services.shared.money import Money
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)


class Refunder:
    """Gives back charges and owed refunds through the payment provider."""

    def __init__(
        self,
        *,
        plans: PlanStore,
        provider: PaymentProvider,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._plans = plans
        self._provider = provider
        self._clock = clock

    def give_back(self, charge: Charge, *, why: str) -> None:
        """Refund the whole of `charge` (nothing for a failed one)."""
        if not charge.succeeded:
            return
        self._provider.refund(
            charge_id=charge.id, amount=charge.amount, idempotency_key=f"undo_{charge.id}"
        )
        logger.info("charge %s given back: %s", charge.id, why)

    def make_refunds(self, request: PlanRequest) -> bool:
        """Make the refunds `request` owes; True when all are made (then they are forgotten).

        A failure is logged, not raised: the operation is stored, and the sweep makes what is
        left (`bnpl jobs run`).
        """
        if not request.refunds_due:
            return True
        try:
            for due in request.refunds_due:
                self._provider.refund(
                    charge_id=str(due["chargeId"]),
                    amount=Money(int(due["amount"]), str(due["currency"])),
                    idempotency_key=str(due["key"]),
                )
        except ServiceError as exc:
            logger.warning("refunds of %s not made yet: %s %s", request.id, exc.code, exc.message)
            return False
        self._plans.refunds_made(request.id)
        return True

    def reconcile(self, stale: Lease, *, caller: str, plan_id: str) -> bool:
        """Settle the lease of a request that died while charging; True if money went back.

        The record written first stops a late retry of that request from recording the charge
        after it is undone; a request that did record its payment has a record already, and its
        charge is left alone.
        """
        abandoned = PlanRequest(
            id=stale.owner,
            caller=caller,
            fingerprint="",
            plan_id=plan_id,
            payment_id=None,
            created_at=self._clock(),
            abandoned=True,
        )
        self._plans.abandon(abandoned)
        record = self._plans.get_request(stale.owner)
        if record is None or not record.abandoned or not stale.charge_key:
            return False
        charge = self._provider.find_charge(idempotency_key=stale.charge_key)
        if charge is None or not charge.succeeded:
            return False
        self.give_back(charge, why=f"request {stale.owner} died holding its lease")
        return True
