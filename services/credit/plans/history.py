"""The customer's record with us, read from their plans: the exposure and payment-history data
of the internal checks (`services.credit.screening.checks.exposure`).

- Exposure: every ACTIVE plan's unpaid purchase amount, plus approvals not yet taken up (an
  APPROVED application whose checkout is still open and has no plan; the screening knows them,
  `PriorApplications.open_approvals`): a customer approved on several checkouts at once could
  accept them all.
- Payment history: instalments overdue now, paid late in the last 12 months, and left unpaid
  on a DEFAULTED plan in the last 12 months.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta

from pynamodb.exceptions import PynamoDBException

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

logger = logging.getLogger(__name__)

YEAR = timedelta(days=365)


def exposure_of(
    plans: list[PaymentPlan], approvals: Mapping[str, int], *, currency: str
) -> Exposure:
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
    """`ExposureSource` and `PaymentHistorySource` over the plans table."""

    def __init__(self, settings: Settings) -> None:
        self._plans = bind(PlanModel, settings)
        # Exposure and payment history are read side by side: one plans query serves both.
        self._plan_reads: SingleFlight[list[PaymentPlan]] = SingleFlight()

    def exposure(
        self, customer_id: str, *, currency: str, approvals: Mapping[str, int]
    ) -> Exposure:
        """See `exposure_of`; `approvals` by application id."""
        by_plan = {plan_id_for(app_id): amount for app_id, amount in approvals.items()}
        return exposure_of(self._customer_plans(customer_id), by_plan, currency=currency)

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
