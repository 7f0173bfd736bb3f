"""Plans (`plans`), the merchant's checkout operations (`checkout_money`) and late fees."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import event, given, settings, strategies as st

from services.credit.checkouts.money import (
    AUTHORISATION_WINDOW,
    CaptureStatus,
    authorise,
    capture,
    expire,
    refund,
    void,
)
from services.credit.payments.provider import Charge, SandboxPaymentProvider
from services.credit.plans.domain import (
    InstalmentStatus as S,
    PaymentPlan,
    PaymentStatus,
    PlanStatus,
    amount_due,
    create_plan,
    pay_instalment,
    pay_off,
    payoff_amount,
)
from services.credit.plans.late_fees import mark_late
from services.credit.plans.refunds import apply_refund
from services.credit.policy.offers import Offer, monthly, pay_in_4
from services.credit.policy.rules import load_policy
from services.shared.errors import InvalidState, NotFound, PaymentDeclined, ValidationError
from services.shared.money import Money

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, 0)
LATE_FEES = load_policy().late_fees


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


class Harness:
    """A provider and a counter for keys, so each test reads as a story."""

    def __init__(self) -> None:
        self.provider = SandboxPaymentProvider()
        self.n = 0

    def charge(self, amount: Money, token: str = "tok_visa") -> Charge:
        self.n += 1
        return self.provider.charge(token=token, amount=amount, idempotency_key=f"k{self.n}")

    def accept(self, offer: Offer) -> PaymentPlan:
        return create_plan(
            offer,
            plan_id="plan_1",
            checkout_id="chk_1",
            customer_id="cus_1",
            payment_id="pay_0",
            first_charge=self.charge(offer.first_payment),
            now=NOW,
        )

    def pay(self, plan: PaymentPlan, number: int, token: str = "tok_visa") -> PaymentPlan:
        charge = self.charge(amount_due(plan, number), token)
        plan, _ = pay_instalment(plan, number, charge=charge, payment_id=f"pay_{self.n}", now=NOW)
        return plan


def offer_of(amount: int, months: int = 0) -> Offer:
    if months:
        return monthly(gbp(amount), months=months, apr=19.9, today=TODAY, application_id="a")
    return pay_in_4(gbp(amount), today=TODAY, application_id="a")


def statuses(plan: PaymentPlan) -> list[S]:
    return [i.status for i in plan.instalments]


def amounts(plan: PaymentPlan) -> list[int]:
    return [i.amount.amount for i in plan.instalments]


def check_balance(plan: PaymentPlan) -> None:
    """The invariant every step keeps."""
    expected = (
        plan.total_payable.amount
        + plan.fees_charged.amount
        - plan.paid.amount
        - plan.refunded.amount
        - plan.fees_waived.amount
    )
    assert plan.outstanding.amount == expected >= 0
    assert all(i.amount.amount >= 0 and i.late_fee.amount >= 0 for i in plan.instalments)
    assert all(0 <= p.refunded.amount <= p.amount.amount for p in plan.payments)


class TestCreatePlan:
    def test_first_instalment_is_paid_by_the_first_payment(self):
        plan = Harness().accept(offer_of(10_000))
        assert statuses(plan) == [S.PAID, S.DUE, S.DUE, S.DUE]
        assert plan.status is PlanStatus.ACTIVE
        assert plan.paid == gbp(2500)
        assert plan.outstanding == gbp(7500)
        (payment,) = plan.payments
        assert payment.instalment_numbers == (1,)
        assert payment.card_last4 == "4242"
        check_balance(plan)

    def test_monthly_plan_owes_principal_plus_interest(self):
        offer = offer_of(100_000, months=3)
        plan = Harness().accept(offer)
        assert plan.total_payable == offer.total_payable
        assert offer.total_payable.amount > offer.principal.amount
        assert plan.outstanding == offer.total_payable - offer.first_payment
        check_balance(plan)

    @pytest.mark.parametrize("token", ["tok_declined", "tok_insufficient_funds"])
    def test_declined_first_payment_makes_no_plan(self, token):
        harness = Harness()
        offer = offer_of(10_000)
        with pytest.raises(PaymentDeclined) as caught:
            create_plan(
                offer,
                plan_id="p",
                checkout_id="c",
                customer_id="u",
                payment_id="pay",
                first_charge=harness.charge(offer.first_payment, token),
                now=NOW,
            )
        assert caught.value.details["failureCode"] in ("card_declined", "insufficient_funds")

    def test_first_charge_must_match_the_offer(self):
        harness = Harness()
        with pytest.raises(ValidationError):
            create_plan(
                offer_of(10_000),
                plan_id="p",
                checkout_id="c",
                customer_id="u",
                payment_id="pay",
                first_charge=harness.charge(gbp(1)),
                now=NOW,
            )


class TestPayInstalment:
    def test_paying_every_instalment_completes_the_plan(self):
        harness = Harness()
        plan = harness.accept(offer_of(10_001))
        for number in (2, 3, 4):
            plan = harness.pay(plan, number)
            check_balance(plan)
        assert statuses(plan) == [S.PAID] * 4
        assert plan.status is PlanStatus.COMPLETED
        assert plan.outstanding == gbp(0)
        assert plan.paid == gbp(10_001)

    # (instalment status before, what paying it does)
    @pytest.mark.parametrize(
        ("prepare", "number", "error"),
        [
            (lambda h, p: p, 1, InvalidState),  # PAID
            (lambda h, p: apply_refund(p, gbp(2500)).plan, 4, InvalidState),  # WAIVED
            (lambda h, p: p, 9, NotFound),
            (lambda h, p: void(authorise(p, now=NOW), p).plan, 2, InvalidState),  # CANCELLED
        ],
    )
    def test_invalid_transitions(self, prepare, number, error):
        harness = Harness()
        plan = prepare(harness, harness.accept(offer_of(10_000)))
        with pytest.raises(error):
            amount_due(plan, number)

    def test_late_instalment_is_payable_with_its_fee(self):
        harness = Harness()
        plan = mark_late(harness.accept(offer_of(10_000)), TODAY + timedelta(days=15), LATE_FEES)
        assert statuses(plan) == [S.PAID, S.LATE, S.DUE, S.DUE]
        assert amount_due(plan, 2) == gbp(2500 + 600)
        plan = harness.pay(plan, 2)
        assert statuses(plan)[1] is S.PAID
        check_balance(plan)

    def test_declined_instalment_payment_is_recorded_and_changes_nothing(self):
        harness = Harness()
        plan = harness.accept(offer_of(10_000))
        after = harness.pay(plan, 2, token="tok_insufficient_funds")
        assert statuses(after) == statuses(plan)
        assert after.payments[-1].status is PaymentStatus.FAILED
        assert after.payments[-1].failure_code == "insufficient_funds"
        assert after.outstanding == plan.outstanding
        check_balance(after)

    def test_charge_for_the_wrong_amount_is_refused(self):
        harness = Harness()
        plan = harness.accept(offer_of(10_000))
        with pytest.raises(ValidationError):
            pay_instalment(plan, 2, charge=harness.charge(gbp(1)), payment_id="x", now=NOW)

    def test_early_payoff_pays_the_remainder(self):
        harness = Harness()
        plan = harness.pay(harness.accept(offer_of(10_000)), 2)
        due = payoff_amount(plan)
        assert due == gbp(5000)
        plan, payment = pay_off(plan, charge=harness.charge(due), payment_id="payoff", now=NOW)
        assert payment.instalment_numbers == (3, 4)
        assert plan.status is PlanStatus.COMPLETED
        with pytest.raises(InvalidState):
            payoff_amount(plan)


class TestApplyRefund:
    @pytest.mark.parametrize(
        ("refund_amount", "instalments", "excess", "status_list"),
        [
            (1000, [2500, 2500, 2500, 1500], 0, [S.PAID, S.DUE, S.DUE, S.DUE]),
            (2500, [2500, 2500, 2500, 0], 0, [S.PAID, S.DUE, S.DUE, S.WAIVED]),
            (6000, [2500, 1500, 0, 0], 0, [S.PAID, S.DUE, S.WAIVED, S.WAIVED]),
            (7500, [2500, 0, 0, 0], 0, [S.PAID, S.WAIVED, S.WAIVED, S.WAIVED]),
            (9000, [2500, 0, 0, 0], 1500, [S.PAID, S.WAIVED, S.WAIVED, S.WAIVED]),
        ],
    )
    def test_reduces_from_the_last_instalment_backwards(
        self, refund_amount, instalments, excess, status_list
    ):
        plan = Harness().accept(offer_of(10_000))
        result = apply_refund(plan, gbp(refund_amount))
        assert amounts(result.plan) == instalments
        assert statuses(result.plan) == status_list
        assert result.excess == gbp(excess)
        assert sum(m.amount.amount for m in result.money_back) == excess
        check_balance(result.plan)

    def test_excess_is_given_back_newest_payment_first(self):
        harness = Harness()
        plan = harness.pay(harness.pay(harness.accept(offer_of(10_000)), 2), 3)
        result = apply_refund(plan, gbp(2500 + 3000))
        assert [(m.payment_id, m.amount.amount) for m in result.money_back] == [
            (plan.payments[2].id, 2500),
            (plan.payments[1].id, 500),
        ]

    @pytest.mark.parametrize("minor", [0, -1, 10_001])
    def test_refuses_impossible_amounts(self, minor):
        plan = Harness().accept(offer_of(10_000))
        with pytest.raises(ValidationError):
            apply_refund(plan, gbp(minor))


class TestCheckout:
    # (operations before, operation, expected error or final status)
    @pytest.mark.parametrize(
        ("before", "operation", "outcome"),
        [
            ([], "capture", CaptureStatus.CAPTURED),
            ([], "capture_part", CaptureStatus.CAPTURED),
            ([], "void", CaptureStatus.VOIDED),
            ([], "refund", InvalidState),
            ([], "expire", InvalidState),
            ([], "expire_late", CaptureStatus.EXPIRED),
            ([], "capture_late", InvalidState),
            (["capture"], "capture", InvalidState),
            (["capture"], "void", InvalidState),
            (["capture"], "refund", CaptureStatus.CAPTURED),
            (["capture"], "refund_all", CaptureStatus.REFUNDED),
            (["capture", "refund_all"], "refund", InvalidState),
            (["void"], "capture", InvalidState),
            (["void"], "void", InvalidState),
            (["void"], "refund", InvalidState),
            (["expire_late"], "capture", InvalidState),
        ],
    )
    def test_state_transitions(self, before, operation, outcome):
        harness = Harness()
        plan = harness.accept(offer_of(10_000))
        auth = authorise(plan, now=NOW)
        late = NOW + AUTHORISATION_WINDOW

        def run(name: str, auth, plan):
            match name:
                case "capture":
                    return capture(auth, plan, amount=None, now=NOW)
                case "capture_part":
                    return capture(auth, plan, amount=gbp(6000), now=NOW)
                case "capture_late":
                    return capture(auth, plan, amount=None, now=late)
                case "void":
                    return void(auth, plan)
                case "refund":
                    return refund(auth, plan, amount=gbp(1000))
                case "refund_all":
                    return refund(auth, plan, amount=auth.captured - auth.refunded)
                case "expire":
                    return expire(auth, plan, now=NOW)
                case "expire_late":
                    return expire(auth, plan, now=late)
            raise AssertionError(name)

        for name in before:
            change = run(name, auth, plan)
            auth, plan = change.authorisation, change.plan
        if isinstance(outcome, type):
            with pytest.raises(outcome):
                run(operation, auth, plan)
            return
        change = run(operation, auth, plan)
        assert change.authorisation.status is outcome
        check_balance(change.plan)

    @pytest.mark.parametrize("operation", ["void", "expire", "refund_all"])
    def test_cancelling_gives_back_every_payment(self, operation):
        harness = Harness()
        plan = harness.pay(harness.accept(offer_of(10_000)), 2)
        auth = authorise(plan, now=NOW)
        if operation == "void":
            change = void(auth, plan)
        elif operation == "expire":
            change = expire(auth, plan, now=NOW + AUTHORISATION_WINDOW)
        else:
            captured = capture(auth, plan, amount=None, now=NOW)
            change = refund(captured.authorisation, captured.plan, amount=gbp(10_000))
        assert change.plan.status is PlanStatus.CANCELLED
        assert change.plan.outstanding == gbp(0)
        assert change.plan.paid == gbp(0)
        assert sorted(m.amount.amount for m in change.money_back) == [2500, 2500]
        check_balance(change.plan)

    def test_partial_capture_releases_the_rest_from_the_plan(self):
        plan = Harness().accept(offer_of(10_000))
        change = capture(authorise(plan, now=NOW), plan, amount=gbp(6000), now=NOW)
        assert change.authorisation.captured == gbp(6000)
        assert amounts(change.plan) == [2500, 2500, 1000, 0]
        assert change.money_back == ()

    @pytest.mark.parametrize("minor", [0, 10_001])
    def test_capture_amount_must_be_within_the_authorisation(self, minor):
        plan = Harness().accept(offer_of(10_000))
        with pytest.raises(ValidationError):
            capture(authorise(plan, now=NOW), plan, amount=gbp(minor), now=NOW)

    def test_refunds_never_exceed_the_capture(self):
        plan = Harness().accept(offer_of(10_000))
        change = capture(authorise(plan, now=NOW), plan, amount=gbp(4000), now=NOW)
        with pytest.raises(ValidationError):
            refund(change.authorisation, change.plan, amount=gbp(4001))


class TestMarkLate:
    @pytest.mark.parametrize(
        ("days_after_today", "statuses_after", "fees"),
        [
            (14, [S.PAID, S.DUE, S.DUE, S.DUE], [0, 0, 0, 0]),  # due date itself is on time
            (15, [S.PAID, S.LATE, S.DUE, S.DUE], [0, 600, 0, 0]),
            (22, [S.PAID, S.LATE, S.DUE, S.DUE], [0, 1200, 0, 0]),
            (29, [S.PAID, S.LATE, S.LATE, S.DUE], [0, 1200, 600, 0]),
            (60, [S.PAID, S.LATE, S.LATE, S.LATE], [0, 1200, 1200, 0]),  # capped at £24
        ],
    )
    def test_fees_grow_with_lateness_up_to_the_cap(self, days_after_today, statuses_after, fees):
        plan = Harness().accept(offer_of(100_000))
        late = mark_late(plan, TODAY + timedelta(days=days_after_today), LATE_FEES)
        assert statuses(late) == statuses_after
        assert [i.late_fee.amount for i in late.instalments] == fees
        check_balance(late)

    def test_cap_is_a_quarter_of_a_small_order(self):
        plan = Harness().accept(offer_of(2000))
        late = mark_late(plan, TODAY + timedelta(days=90), LATE_FEES)
        assert late.fees_charged == gbp(500) == gbp(LATE_FEES.cap(gbp(2000)))

    @given(days=st.lists(st.integers(0, 120), min_size=1, max_size=6))
    def test_sweeping_again_never_charges_twice(self, days):
        plan = Harness().accept(offer_of(4000))
        swept = plan
        for day in sorted(days):
            swept = mark_late(swept, TODAY + timedelta(days=day), LATE_FEES)
            assert mark_late(swept, TODAY + timedelta(days=day), LATE_FEES) == swept
        assert swept == mark_late(plan, TODAY + timedelta(days=max(days)), LATE_FEES)
        assert swept.fees_charged.amount <= LATE_FEES.cap(plan.principal)

    def test_refund_waiving_a_late_instalment_waives_its_fee(self):
        plan = mark_late(Harness().accept(offer_of(10_000)), TODAY + timedelta(days=60), LATE_FEES)
        result = apply_refund(plan, gbp(7500))
        assert statuses(result.plan) == [S.PAID, S.WAIVED, S.WAIVED, S.WAIVED]
        assert result.plan.outstanding == gbp(0)
        check_balance(result.plan)

    def test_finished_plans_are_left_alone(self):
        plan = void(authorise(p := Harness().accept(offer_of(10_000)), now=NOW), p).plan
        assert mark_late(plan, TODAY + timedelta(days=60), LATE_FEES) == plan


# Property tests: any sequence of payments, partial captures and refunds keeps the balance.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(2, 12)),
        st.tuples(st.just("refund"), st.integers(1, 200_000)),
        st.tuples(st.just("late"), st.integers(1, 400)),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(1000, 150_000),
    months=st.sampled_from([0, 3, 6, 12]),
    captured=st.integers(1, 150_000),
    steps=operations,
)
def test_balance_invariant_under_capture_payments_and_refunds(principal, months, captured, steps):
    # GIVEN an accepted plan, partly captured
    harness = Harness()
    plan = harness.accept(offer_of(max(principal, 10_000) if months else principal, months))
    auth = authorise(plan, now=NOW)
    change = capture(auth, plan, amount=gbp(min(captured, auth.authorised.amount)), now=NOW)
    auth, plan = change.authorisation, change.plan
    check_balance(plan)
    # WHEN customers pay, instalments go late, and the merchant refunds, in any order
    for kind, value in steps:
        if kind == "pay":
            payable = value <= len(plan.instalments) and plan.status is PlanStatus.ACTIVE
            if payable and plan.instalment(value).status in (S.DUE, S.LATE):
                plan = harness.pay(plan, value)
        elif kind == "late":
            plan = mark_late(plan, TODAY + timedelta(days=value), LATE_FEES)
        else:
            left = auth.captured.amount - auth.refunded.amount
            if auth.status is not CaptureStatus.CAPTURED or left == 0:
                continue
            amount = gbp(min(value, left))
            before_unpaid = plan.unpaid_amount.amount
            change = refund(auth, plan, amount=amount)
            back = sum(m.amount.amount for m in change.money_back)
            event("refund: money given back" if back else "refund: instalments reduced only")
            if change.authorisation.status is CaptureStatus.REFUNDED:
                event("refund: whole capture refunded")
                assert change.plan.outstanding == gbp(0)
                assert change.plan.paid == gbp(0)
            else:
                # THEN the excess over what was still owed is exactly what is given back
                assert back == max(0, amount.amount - before_unpaid)
            auth, plan = change.authorisation, change.plan
        # THEN the balance always adds up, never below zero, no instalment negative
        check_balance(plan)
        assert auth.refunded.amount <= auth.captured.amount


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(1000, 150_000),
    paid=st.integers(1, 4),
    refunds=st.lists(st.integers(1, 150_000), max_size=6),
)
def test_refund_excess_is_exactly_what_exceeds_the_outstanding_balance(principal, paid, refunds):
    harness = Harness()
    plan = harness.accept(offer_of(principal))
    for number in range(2, paid + 1):
        plan = harness.pay(plan, number)
    for minor in refunds:
        room = plan.unpaid_amount.amount + plan.paid.amount
        if room == 0:
            break
        owed = plan.outstanding.amount
        result = apply_refund(plan, gbp(min(minor, room)))
        assert result.excess.amount == max(0, min(minor, room) - owed)
        assert result.reduced.amount + result.excess.amount == min(minor, room)
        assert sum(m.amount.amount for m in result.money_back) == result.excess.amount
        plan = result.plan
        check_balance(plan)
