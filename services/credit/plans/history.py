"""The customer's record with us, read from their plans: the exposure and payment-history data
of the internal checks (`services.credit.screening.checks.exposure`).

- Exposure: every ACTIVE plan's unpaid purchase amount, plus approvals not yet taken up (an
  APPROVED application whose checkout is still open and has no plan): a customer approved on
  several checkouts at once could accept them all. A customer who applied to one checkout more
  than once can accept only their latest application there, so each checkout counts once.
- Payment history: instalments overdue now, paid late in the last 12 months, and left unpaid
  on a DEFAULTED plan in the last 12 months.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from pynamodb.exceptions import PynamoDBException

from services.credit.applications.recent import RecentApplications
from services.credit.checkouts.domain import CHECKOUT_LIFETIME
from services.credit.models import PlanModel
from services.credit.plans.documents import plan_from_json
from services.credit.plans.domain import UNPAID, InstalmentStatus, PaymentPlan, PlanStatus
from services.credit.plans.requests import plan_id_for
from services.credit.screening.checks.exposure import Exposure, PaymentHistory
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.money import Money
from services.shared.settings import Settings
from services.shared.single_flight import SingleFlight
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

YEAR = timedelta(days=365)


def exposure_of(plans: list[PaymentPlan], approvals: dict[str, int], *, currency: str) -> Exposure:
    """Exposure from the customer's plans and their open approvals (plan id → amount) that no
    plan has taken up yet.

    Example:
        >>> exposure_of([], {"pln_1": 5000}, currency="GBP").outstanding.amount
        5000
    """
    active = [
        p for p in plans if p.status is PlanStatus.ACTIVE and p.principal.currency == currency
    ]
    taken = {p.id for p in plans}
    pending = [amount for plan_id, amount in approvals.items() if plan_id not in taken]
    owed = sum(p.unpaid_amount.amount for p in active) + sum(pending)
    return Exposure(outstanding=Money(owed, currency), active_plans=len(active) + len(pending))


def history_of(plans: list[PaymentPlan], *, today: date) -> PaymentHistory:
    """The repayment record the plans show, as of `today`."""
    since = today - YEAR
    overdue = late = missed = 0
    for plan in plans:
        for instalment in plan.instalments:
            if instalment.due_date >= today or instalment.due_date < since:
                continue
            if plan.status is PlanStatus.DEFAULTED and instalment.status in UNPAID:
                missed += 1
            elif instalment.status in UNPAID:
                overdue += 1
            elif (
                instalment.status is InstalmentStatus.PAID
                and instalment.paid_at is not None
                and instalment.paid_at.date() > instalment.due_date
            ):
                late += 1
    return PaymentHistory(
        overdue_instalments=overdue, late_instalments_12m=late, missed_instalments_12m=missed
    )


class PlanHistory:
    """`ExposureSource` and `PaymentHistorySource` over the plans and applications tables."""

    def __init__(self, settings: Settings, *, recent: RecentApplications | None = None) -> None:
        """`recent`: the customer's recent applications, shared with the fraud check's velocity
        count so that one query serves both."""
        self._plans = bind(PlanModel, settings)
        self._recent = recent or RecentApplications(settings)
        # Exposure and payment history are read side by side: one plans query serves both.
        self._plan_reads: SingleFlight[list[PaymentPlan]] = SingleFlight()
        # The applications query's own threads; they wait for nothing.
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="exposure")

    def exposure(self, customer_id: str, *, currency: str) -> Exposure:
        """See `exposure_of`. Its two queries are made side by side."""
        approvals = self._pool.submit(self._open_approvals, customer_id, currency)
        plans = self._customer_plans(customer_id)
        return exposure_of(plans, approvals.result(), currency=currency)

    def _open_approvals(self, customer_id: str, currency: str) -> dict[str, int]:
        """Plan id → amount of the customer's approvals they may still accept."""
        now = utc_now()
        recent = self._recent.since(customer_id, now - CHECKOUT_LIFETIME)
        # Each checkout's latest decided application: the one its customer may accept.
        latest = {
            app.checkout_id: app
            for app in sorted(recent, key=lambda app: app.created_at)
            if app.outcome and app.currency == currency and app.checkout_expires_at > now
        }
        return {
            plan_id_for(app.id): app.amount for app in latest.values() if app.outcome == "APPROVED"
        }

    def payment_history(self, customer_id: str, *, today: date) -> PaymentHistory:
        """See `history_of`."""
        return history_of(self._customer_plans(customer_id), today=today)

    def _customer_plans(self, customer_id: str) -> list[PaymentPlan]:
        return self._plan_reads.do(customer_id, lambda: self._query_plans(customer_id))

    def _query_plans(self, customer_id: str) -> list[PaymentPlan]:
        try:
            return [
                plan_from_json(item.document) for item in self._plans.by_customer.query(customer_id)
            ]
        except PynamoDBException as exc:
            logger.warning("reading plans failed: %r", exc)
            raise DependencyFailure("The plan store is unavailable") from exc
