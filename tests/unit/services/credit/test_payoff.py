"""Early payoff (`plans.payoff_amount`, `plans.pay_off`): whatever happened to a plan before,
paying it off charges exactly what is outstanding and leaves nothing owed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import event, given, settings, strategies as st

from services.credit.plans.domain import (
    UNPAID,
    InstalmentStatus as S,
    PaymentPlan,
    PaymentStatus,
    PlanStatus,
    pay_off,
    payoff_amount,
)
from services.credit.plans.late_fees import mark_late
from services.credit.plans.refunds import apply_refund
from services.credit.policy.rules import load_policy
from services.shared.errors import InvalidState, ValidationError
from services.shared.money import Money
from tests.unit.services.credit.test_plans import (
    NOW,
    TODAY,
    Harness,
    check_balance,
    gbp,
    offer_of,
)

LATE_FEES = load_policy().late_fees

# Anything that may happen to a plan before its payoff.
history = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(2, 12)),
        st.tuples(st.just("late"), st.integers(1, 400)),  # a sweep, days after acceptance
        st.tuples(st.just("refund"), st.integers(1, 150_000)),
        st.tuples(st.just("declined"), st.integers(2, 12)),
    ),
    max_size=10,
)


def live_through(harness: Harness, plan: PaymentPlan, steps: list[tuple[str, int]]):
    for kind, value in steps:
        if plan.status is not PlanStatus.ACTIVE:
            break
        if kind == "late":
            plan = mark_late(plan, TODAY + timedelta(days=value), LATE_FEES)
        elif kind == "refund":
            room = plan.unpaid_amount.amount + plan.paid.amount
            plan = apply_refund(plan, gbp(min(value, room))).plan
        elif value <= len(plan.instalments) and plan.instalment(value).status in UNPAID:
            token = "tok_visa" if kind == "pay" else "tok_declined"
            plan = harness.pay(plan, value, token)
    return plan


def statuses(plan: PaymentPlan) -> list[S]:
    return [i.status for i in plan.instalments]


@st.composite
def lived_plans(draw: st.DrawFn) -> tuple[Harness, PaymentPlan]:
    harness = Harness()
    months = draw(st.sampled_from([0, 3, 6, 12]))
    principal = draw(st.integers(1_000, 150_000))
    plan = harness.accept(offer_of(max(principal, 10_000) if months else principal, months))
    return harness, live_through(harness, plan, draw(history))


class TestPayoffProperties:
    @settings(max_examples=300, deadline=None)
    @given(lived=lived_plans())
    def test_payoff_charges_exactly_the_outstanding_and_settles_the_plan(self, lived):
        # GIVEN a plan after any payments, late fees, declined cards and partial refunds
        harness, plan = lived
        if plan.status is not PlanStatus.ACTIVE:
            event("nothing left to pay off")
            with pytest.raises(InvalidState):
                payoff_amount(plan)
            return
        event("late fees owed" if plan.fees_charged.amount else "no late fees")
        owed, paid = plan.outstanding, plan.paid
        unpaid = tuple(i.number for i in plan.instalments if i.status in UNPAID)
        # WHEN the customer pays it off
        due = payoff_amount(plan)
        after, payment = pay_off(plan, charge=harness.charge(due), payment_id="off", now=NOW)
        # THEN the charge was exactly what was outstanding, against every unpaid instalment
        assert due == owed
        assert owed.amount > 0
        assert payment.amount == owed
        assert payment.status is PaymentStatus.SUCCEEDED
        assert payment.instalment_numbers == unpaid
        assert after.paid == paid + owed
        # and nothing is owed any more
        assert after.outstanding == gbp(0)
        assert after.status is PlanStatus.COMPLETED
        assert set(statuses(after)) <= {S.PAID, S.WAIVED}
        check_balance(after)
        # and a second payoff is refused
        with pytest.raises(InvalidState):
            payoff_amount(after)

    @settings(max_examples=200, deadline=None)
    @given(lived=lived_plans(), token=st.sampled_from(["tok_declined", "tok_insufficient_funds"]))
    def test_a_declined_payoff_changes_nothing_owed(self, lived, token):
        harness, plan = lived
        if plan.status is not PlanStatus.ACTIVE:
            return
        # WHEN the payoff charge is declined
        charge = harness.charge(payoff_amount(plan), token)
        after, payment = pay_off(plan, charge=charge, payment_id="off", now=NOW)
        # THEN the attempt is recorded and everything owed is as it was
        assert payment.status is PaymentStatus.FAILED
        assert payment.failure_code in ("card_declined", "insufficient_funds")
        assert after.payments == (*plan.payments, payment)
        assert after.instalments == plan.instalments
        assert (after.status, after.outstanding, after.paid) == (
            plan.status,
            plan.outstanding,
            plan.paid,
        )
        check_balance(after)
        # and the customer can still pay it off with another card
        retry = harness.charge(payoff_amount(after))
        settled, _ = pay_off(after, charge=retry, payment_id="off-2", now=NOW)
        assert settled.status is PlanStatus.COMPLETED


def late_plan() -> tuple[Harness, PaymentPlan]:
    """Instalment 2 paid, 3 late with its fee, 4 due: £25 + £6 + £25 owed."""
    harness = Harness()
    plan = harness.pay(harness.accept(offer_of(10_000)), 2)
    return harness, mark_late(plan, plan.instalment(3).due_date + timedelta(days=1), LATE_FEES)


class TestPayoff:
    def test_late_fees_are_part_of_the_payoff(self):
        harness, plan = late_plan()
        assert statuses(plan) == [S.PAID, S.PAID, S.LATE, S.DUE]
        assert payoff_amount(plan) == gbp(2500 + 600 + 2500)
        after, payment = pay_off(plan, charge=harness.charge(gbp(5600)), payment_id="o", now=NOW)
        assert payment.instalment_numbers == (3, 4)
        assert statuses(after) == [S.PAID] * 4
        assert all(i.paid_at == NOW for i in after.instalments[2:])

    def test_waived_instalments_are_not_charged(self):
        harness = Harness()
        plan = apply_refund(harness.accept(offer_of(10_000)), gbp(3000)).plan
        assert statuses(plan) == [S.PAID, S.DUE, S.DUE, S.WAIVED]
        assert payoff_amount(plan) == gbp(2500 + 2000)
        after, payment = pay_off(plan, charge=harness.charge(gbp(4500)), payment_id="o", now=NOW)
        assert payment.instalment_numbers == (2, 3)
        assert statuses(after) == [S.PAID, S.PAID, S.PAID, S.WAIVED]

    @pytest.mark.parametrize("status", [s for s in PlanStatus if s is not PlanStatus.ACTIVE])
    def test_a_plan_that_is_not_active_cannot_be_paid_off(self, status):
        harness, plan = late_plan()
        finished = replace(plan, status=status)
        with pytest.raises(InvalidState, match=f"the plan is {status.value}"):
            payoff_amount(finished)
        with pytest.raises(InvalidState):
            pay_off(finished, charge=harness.charge(gbp(5600)), payment_id="o", now=NOW)

    def test_nothing_owed_cannot_be_paid_off(self):
        # An ACTIVE plan with every instalment settled: the guard does not rely on the status.
        harness = Harness()
        plan = harness.accept(offer_of(10_000))
        settled = replace(
            plan, instalments=tuple(replace(i, status=S.PAID) for i in plan.instalments)
        )
        with pytest.raises(InvalidState, match="nothing is left to pay"):
            payoff_amount(settled)
        with pytest.raises(InvalidState):
            pay_off(settled, charge=harness.charge(gbp(7500)), payment_id="o", now=NOW)

    @pytest.mark.parametrize(
        "charged",
        [gbp(5599), gbp(5601), gbp(5000), gbp(1), Money(5600, "EUR")],
        ids=["a penny short", "a penny over", "without the fee", "token amount", "in EUR"],
    )
    def test_a_charge_for_another_amount_is_refused(self, charged):
        harness, plan = late_plan()
        with pytest.raises(ValidationError, match="the amount due"):
            pay_off(plan, charge=harness.charge(charged), payment_id="o", now=NOW)

    def test_a_payment_id_is_recorded_once(self):
        harness, plan = late_plan()
        declined = harness.charge(gbp(5600), "tok_declined")
        after, _ = pay_off(plan, charge=declined, payment_id="o", now=NOW)
        with pytest.raises(InvalidState, match="already recorded"):
            pay_off(after, charge=harness.charge(gbp(5600)), payment_id="o", now=NOW)
