"""The customer's record read from their plans: exposure and payment history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.credit.plans.domain import InstalmentStatus, PlanStatus
from services.credit.plans.history import exposure_of, history_of
from services.credit.plans.refunds import apply_refund
from tests.unit.services.credit.test_plans import TODAY, Harness, gbp, offer_of


def test_exposure_counts_active_plans_unpaid_part_and_untaken_approvals():
    harness = Harness()
    active = harness.accept(offer_of(10_000))  # 2,500 paid, 7,500 unpaid
    paid_off = harness.pay(harness.pay(harness.pay(harness.accept(offer_of(4_000)), 2), 3), 4)
    paid_off = replace(paid_off, id="plan_done")
    cancelled = replace(
        harness.accept(offer_of(6_000)), id="plan_gone", status=PlanStatus.CANCELLED
    )
    approvals = {"plan_1": 10_000, "plan_new": 3_000}  # plan_1 is taken up by `active`
    exposure = exposure_of([active, paid_off, cancelled], approvals, currency="GBP")
    assert (exposure.outstanding, exposure.active_plans) == (gbp(7_500 + 3_000), 2)
    assert exposure_of([active], {}, currency="EUR").active_plans == 0


def test_a_refund_lowers_exposure():
    plan = Harness().accept(offer_of(10_000))
    refunded = apply_refund(plan, gbp(5_000)).plan
    assert exposure_of([refunded], {}, currency="GBP").outstanding == gbp(2_500)


def test_history_counts_overdue_late_and_missed_instalments():
    harness = Harness()
    plan = harness.accept(offer_of(10_000))
    due = [i.due_date for i in plan.instalments]
    # Instalment 2 paid three days after its due date; 3 overdue; 4 not yet due.
    today = due[2] + timedelta(days=1)
    late_paid = datetime.combine(due[1] + timedelta(days=3), datetime.min.time(), UTC)
    instalments = list(plan.instalments)
    instalments[1] = replace(instalments[1], status=InstalmentStatus.PAID, paid_at=late_paid)
    instalments[2] = replace(instalments[2], status=InstalmentStatus.LATE)
    lived = replace(plan, instalments=tuple(instalments))
    history = history_of([lived], today=today)
    assert (history.overdue_instalments, history.late_instalments_12m) == (1, 1)
    assert history.missed_instalments_12m == 0
    defaulted = replace(lived, status=PlanStatus.DEFAULTED)
    assert history_of([defaulted], today=today).missed_instalments_12m == 1
    # A year on, none of it counts.
    assert history_of([lived], today=today + timedelta(days=400)) == history_of([], today=TODAY)
