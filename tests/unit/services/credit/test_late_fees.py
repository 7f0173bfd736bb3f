"""Late fees (`late_fees.mark_late`, `late_fee_rules.LateFeeRules`) under any policy figures.

The fixed UK figures are walked through in `test_plans.py::TestMarkLate`; here the figures and
the story (sweeps, payments, refunds) are drawn by hypothesis.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings, strategies as st

from services.credit.plans.domain import (
    UNPAID,
    InstalmentStatus as S,
    PaymentPlan,
    PlanStatus,
    pay_off,
    payoff_amount,
)
from services.credit.plans.late_fee_rules import LateFeeRules
from services.credit.plans.late_fees import mark_late
from services.credit.plans.refunds import apply_refund
from services.credit.policy.offers import pay_in_4
from services.credit.policy.rules import load_policy
from services.shared.money import Money
from tests.unit.services.credit.test_plans import NOW, TODAY, Harness, check_balance, gbp, offer_of

POLICY = load_policy()


@st.composite
def fee_rules(draw: st.DrawFn) -> LateFeeRules:
    fee = draw(st.integers(1, 5_000))
    return LateFeeRules(
        currency="GBP",
        fee=fee,
        second_fee_after_days=draw(st.integers(1, 30)),
        max_per_plan=draw(st.integers(fee, 20_000)),
        max_share_of_order_percent=draw(st.integers(0, 100)),
    )


rules_st = st.one_of(st.just(POLICY.late_fees), fee_rules())
plans_st = st.builds(
    lambda principal, months: Harness().accept(
        offer_of(max(principal, 10_000) if months else principal, months)
    ),
    principal=st.integers(1_000, 150_000),
    months=st.sampled_from([0, 3, 6, 12]),
)
# What happens between two sweeps: days pass, and the customer pays or the merchant refunds.
steps_st = st.lists(
    st.tuples(
        st.integers(0, 60),  # days since the previous sweep
        st.one_of(
            st.none(),
            st.tuples(st.just("pay"), st.integers(2, 12)),
            st.tuples(st.just("refund"), st.integers(1, 150_000)),
        ),
    ),
    min_size=1,
    max_size=10,
)


def fees(plan: PaymentPlan) -> list[int]:
    return [i.late_fee.amount for i in plan.instalments]


def between_sweeps(harness: Harness, plan: PaymentPlan, action: tuple[str, int] | None):
    if action is None or plan.status is not PlanStatus.ACTIVE:
        return plan
    kind, value = action
    if kind == "pay":
        if value <= len(plan.instalments) and plan.instalment(value).status in UNPAID:
            return harness.pay(plan, value)
        return plan
    room = plan.unpaid_amount.amount + plan.paid.amount
    return apply_refund(plan, gbp(min(value, room))).plan if room else plan


class TestSweepProperties:
    @settings(max_examples=200, deadline=None)
    @given(plan=plans_st, rules=rules_st, steps=steps_st)
    def test_any_story_of_sweeps_payments_and_refunds(self, plan, rules, steps):
        # GIVEN an accepted plan and any late-fee figures
        harness = Harness()
        day = TODAY
        cap = rules.cap(plan.principal)
        for days, action in steps:
            # WHEN days pass, something may happen, and the daily sweep runs
            plan = between_sweeps(harness, plan, action)
            day += timedelta(days=days)
            swept = mark_late(plan, day, rules)
            # THEN fees stay within the cap, and none ever decreases
            assert swept.fees_charged.amount <= cap
            assert all(a <= b for a, b in zip(fees(plan), fees(swept), strict=True))
            for before, after in zip(plan.instalments, swept.instalments, strict=True):
                if before.status not in UNPAID:
                    # a PAID or WAIVED instalment is never charged, nor changed at all
                    assert after == before
                elif after.late_fee.amount > 0:
                    assert after.status is S.LATE
                    assert day > after.due_date
            # and running the sweep again the same day changes nothing
            assert mark_late(swept, day, rules) == swept
            check_balance(swept)
            plan = swept

    @settings(max_examples=200, deadline=None)
    @given(
        plan=plans_st,
        rules=rules_st,
        days=st.lists(st.integers(0, 200), min_size=1, max_size=8),
    )
    def test_daily_sweeps_charge_what_one_sweep_on_the_last_day_would(self, plan, rules, days):
        # GIVEN sweeps on any increasing days, nothing paid in between
        swept = plan
        for day in sorted(days):
            swept = mark_late(swept, TODAY + timedelta(days=day), rules)
        # THEN the fees add up to every unpaid instalment's fee for its lateness, capped
        last = TODAY + timedelta(days=max(days))
        uncapped = sum(
            rules.fee_for((last - i.due_date).days) for i in plan.instalments if i.status in UNPAID
        )
        assert swept.fees_charged.amount == min(rules.cap(plan.principal), uncapped)
        assert swept.fees_charged == mark_late(plan, last, rules).fees_charged

    @settings(max_examples=100, deadline=None)
    @given(plan=plans_st, first=rules_st, second=rules_st, days=st.integers(1, 200))
    def test_changed_figures_never_take_back_a_charged_fee(self, plan, first, second, days):
        # GIVEN fees charged under one policy, WHEN a later sweep runs under another
        day = TODAY + timedelta(days=days)
        charged = mark_late(plan, day, first)
        later = mark_late(charged, day + timedelta(days=1), second)
        # THEN no fee goes down, and the new cap only stops further fees
        assert all(a <= b for a, b in zip(fees(charged), fees(later), strict=True))
        assert later.fees_charged.amount <= max(
            charged.fees_charged.amount, second.cap(plan.principal)
        )


class TestWhatIsLeftAlone:
    @pytest.mark.parametrize("status", [s for s in PlanStatus if s is not PlanStatus.ACTIVE])
    def test_plans_that_are_not_active_are_untouched(self, status):
        plan = replace(Harness().accept(offer_of(10_000)), status=status)
        assert mark_late(plan, TODAY + timedelta(days=90), POLICY.late_fees) is plan

    def test_a_paid_off_plan_gets_no_fees(self):
        harness = Harness()
        plan = harness.accept(offer_of(10_000))
        plan, _ = pay_off(
            plan, charge=harness.charge(payoff_amount(plan)), payment_id="off", now=NOW
        )
        assert mark_late(plan, TODAY + timedelta(days=90), POLICY.late_fees) == plan

    @pytest.mark.parametrize(
        ("days", "statuses", "fees_list"),
        [
            (-1, [S.PAID, S.DUE, S.DUE, S.DUE], [0, 0, 0, 0]),
            (0, [S.PAID, S.DUE, S.DUE, S.DUE], [0, 0, 0, 0]),  # due today is not late
            (1, [S.PAID, S.LATE, S.DUE, S.DUE], [0, 600, 0, 0]),
            (7, [S.PAID, S.LATE, S.DUE, S.DUE], [0, 600, 0, 0]),
            (8, [S.PAID, S.LATE, S.DUE, S.DUE], [0, 1200, 0, 0]),
        ],
    )
    def test_lateness_counts_from_the_day_after_the_due_date(self, days, statuses, fees_list):
        plan = Harness().accept(offer_of(100_000))
        due = plan.instalment(2).due_date
        swept = mark_late(plan, due + timedelta(days=days), POLICY.late_fees)
        assert [i.status for i in swept.instalments] == statuses
        assert fees(swept) == fees_list

    def test_a_zero_percent_cap_marks_late_without_a_fee(self):
        rules = replace(POLICY.late_fees, max_share_of_order_percent=0)
        swept = mark_late(Harness().accept(offer_of(10_000)), TODAY + timedelta(days=60), rules)
        assert [i.status for i in swept.instalments] == [S.PAID, S.LATE, S.LATE, S.LATE]
        assert swept.fees_charged == gbp(0)


class TestCurrency:
    def test_figures_are_not_applied_to_a_plan_in_another_currency(self):
        offer = pay_in_4(Money(10_000, "EUR"), today=TODAY, application_id="a")
        plan = Harness().accept(offer)
        with pytest.raises(ValueError, match="late-fee rules are in GBP, not EUR"):
            mark_late(plan, TODAY + timedelta(days=30), POLICY.late_fees)

    def test_a_finished_plan_in_another_currency_is_still_left_alone(self):
        offer = pay_in_4(Money(10_000, "EUR"), today=TODAY, application_id="a")
        plan = replace(Harness().accept(offer), status=PlanStatus.CANCELLED)
        assert mark_late(plan, TODAY + timedelta(days=30), POLICY.late_fees) is plan

    def test_the_cap_is_refused_in_another_currency(self):
        with pytest.raises(ValueError, match="not EUR"):
            POLICY.late_fees.cap(Money(10_000, "EUR"))
