from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from services.credit.policy.offers import (
    Offer,
    PlanProduct,
    ScheduledPayment,
    make_offers,
    monthly,
    monthly_total_payable,
    offer_id,
    pay_in_4,
    split_evenly,
)
from services.credit.policy.rules import load_policy
from services.credit.screening.checks.affordability import (
    Affordability,
    FigureSource,
    IncomeAndOutgoings,
    assess_affordability,
)
from services.shared.money import Money

POLICY = load_policy()
TODAY = date(2026, 11, 30)
RULES = POLICY.affordability


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


def affordability(income: int, commitments: int, instalment: int = 1) -> Affordability:
    figures = IncomeAndOutgoings(
        currency="GBP",
        monthly_income=income,
        monthly_commitments=commitments,
        source=FigureSource.BANK_DATA,
    )
    return assess_affordability(figures, gbp(instalment), RULES)


class TestPayIn4:
    def test_a_quarter_today_then_three_fortnightly(self):
        offer = pay_in_4(gbp(10_003), today=TODAY, application_id="app-1")
        assert [p.amount.amount for p in offer.schedule] == [2_503, 2_500, 2_500, 2_500]
        assert [p.due_date for p in offer.schedule] == [
            TODAY,
            date(2026, 12, 14),
            date(2026, 12, 28),
            date(2027, 1, 11),
        ]
        assert offer.total_payable == gbp(10_003)
        assert offer.total_interest == gbp(0)
        assert (offer.apr, offer.frequency, offer.instalment_count) == (0.0, "FORTNIGHTLY", 4)

    def test_api_shape(self):
        body = pay_in_4(gbp(4_000), today=TODAY, application_id="app-1").to_json()
        assert body["product"] == "PAY_IN_4"
        assert body["firstPayment"] == {"amount": 1_000, "currency": "GBP"}
        assert body["schedule"][3] == {
            "number": 4,
            "dueDate": "2027-01-11",
            "amount": {"amount": 1_000, "currency": "GBP"},
        }


class TestMonthly:
    @pytest.mark.parametrize(
        ("principal", "apr", "months", "total"),
        [
            (100_000, 0.0, 3, 100_000),
            (100_000, 19.9, 3, 101_649),
            # 12 level payments due at months 0..11 at 29.9 %/12 a month (floats: 136,899.56).
            (120_000, 29.9, 12, 136_900),
            (1, 9.9, 3, 1),
        ],
    )
    def test_total_payable(self, principal, apr, months, total):
        assert monthly_total_payable(principal, apr, months) == total

    def test_month_end_due_dates_clamp_without_drifting(self):
        offer = monthly(
            gbp(60_000), months=6, apr=14.9, today=date(2027, 1, 31), application_id="a"
        )
        assert [p.due_date for p in offer.schedule] == [
            date(2027, 1, 31),
            date(2027, 2, 28),
            date(2027, 3, 31),
            date(2027, 4, 30),
            date(2027, 5, 31),
            date(2027, 6, 30),
        ]

    def test_leap_february(self):
        offer = monthly(gbp(60_000), months=3, apr=9.9, today=date(2028, 1, 31), application_id="a")
        assert offer.schedule[1].due_date == date(2028, 2, 29)

    def test_interest_is_total_payable_less_principal(self):
        offer = monthly(gbp(50_000), months=12, apr=19.9, today=TODAY, application_id="a")
        assert offer.total_interest.amount == offer.total_payable.amount - 50_000 > 0
        assert offer.monthly_equivalent == offer.first_payment


def test_split_evenly_puts_the_remainder_first():
    assert split_evenly(7, 4) == [4, 1, 1, 1]
    with pytest.raises(ValueError, match="count must be positive"):
        split_evenly(5, 0)


def test_offer_ids_are_deterministic_and_distinct():
    assert offer_id("app-1", PlanProduct.MONTHLY, 3) == offer_id("app-1", PlanProduct.MONTHLY, 3)
    ids = {
        offer_id(app, product, n)
        for app in ("app-1", "app-2")
        for product, n in (
            (PlanProduct.PAY_IN_4, 4),
            (PlanProduct.MONTHLY, 3),
            (PlanProduct.MONTHLY, 6),
        )
    }
    assert len(ids) == 6


class TestMakeOffers:
    def test_all_products_for_an_affordable_amount_in_band_a(self):
        offers = make_offers(
            gbp(40_000),
            POLICY.band_named("A"),
            POLICY,
            TODAY,
            affordability(300_000, 100_000),
            application_id="app-1",
        )
        assert [(o.product, o.instalment_count) for o in offers] == [
            (PlanProduct.PAY_IN_4, 4),
            (PlanProduct.MONTHLY, 3),
            (PlanProduct.MONTHLY, 6),
            (PlanProduct.MONTHLY, 12),
        ]
        assert {o.apr for o in offers if o.product is PlanProduct.MONTHLY} == {9.9}

    def test_below_the_monthly_minimum_only_pay_in_4(self):
        offers = make_offers(
            gbp(5_000),
            POLICY.band_named("A"),
            POLICY,
            TODAY,
            affordability(300_000, 100_000),
            application_id="app-1",
        )
        assert [o.product for o in offers] == [PlanProduct.PAY_IN_4]

    def test_a_band_without_apr_offers_pay_in_4_only(self):
        band = POLICY.band_named("E")
        offers = make_offers(
            gbp(20_000),
            band,
            POLICY,
            TODAY,
            affordability(300_000, 100_000),
            application_id="a",
            available=gbp(100_000),
        )
        assert [o.product for o in offers] == [PlanProduct.PAY_IN_4]

    def test_nothing_above_the_available_limit(self):
        band = POLICY.band_named("C")
        afford = affordability(500_000, 100_000)
        assert make_offers(gbp(60_001), band, POLICY, TODAY, afford, application_id="a") == []
        assert (
            make_offers(
                gbp(30_000), band, POLICY, TODAY, afford, application_id="a", available=gbp(29_999)
            )
            == []
        )

    def test_only_the_offers_whose_instalment_is_affordable(self):
        # Disposable 60,000: 35 % is 21,000 a month. Pay-in-4 of 60,000 costs 30,000 a month
        # (two fortnightly 15,000s); 3 months about 20,500; 6 and 12 months less.
        offers = make_offers(
            gbp(60_000),
            POLICY.band_named("A"),
            POLICY,
            TODAY,
            affordability(160_000, 100_000),
            application_id="a",
        )
        assert [(o.product, o.instalment_count) for o in offers] == [
            (PlanProduct.MONTHLY, 3),
            (PlanProduct.MONTHLY, 6),
            (PlanProduct.MONTHLY, 12),
        ]
        for offer in offers:
            assert offer.monthly_equivalent.amount <= 0.35 * 60_000

    def test_no_offers_without_affordability_figures(self):
        unverified = assess_affordability(None, gbp(1_000), RULES)
        assert (
            make_offers(
                gbp(10_000), POLICY.band_named("A"), POLICY, TODAY, unverified, application_id="a"
            )
            == []
        )


amounts = st.integers(min_value=POLICY.products.monthly_min_amount, max_value=10_000_000)
aprs = st.decimals(min_value=0, max_value=99, places=1).map(float)
terms = st.sampled_from([2, 3, 6, 9, 12, 24])
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))


class TestScheduleProperties:
    @given(amount=st.integers(min_value=4, max_value=10_000_000), today=days)
    def test_pay_in_4(self, amount, today):
        offer = pay_in_4(gbp(amount), today=today, application_id="p")
        amounts_ = [p.amount.amount for p in offer.schedule]
        assert sum(amounts_) == offer.total_payable.amount == amount
        assert min(amounts_) > 0
        assert amounts_[0] == max(amounts_)
        assert amounts_[0] - min(amounts_) < 4
        assert offer.total_interest.amount == 0
        assert all(b.due_date - a.due_date == timedelta(days=14) for a, b in _pairs(offer))

    @given(amount=amounts, apr=aprs, months=terms, today=days)
    def test_monthly(self, amount, apr, months, today):
        offer = monthly(gbp(amount), months=months, apr=apr, today=today, application_id="m")
        amounts_ = [p.amount.amount for p in offer.schedule]
        assert offer.instalment_count == months
        assert sum(amounts_) == offer.total_payable.amount
        assert min(amounts_) > 0
        assert offer.total_interest.amount == offer.total_payable.amount - amount >= 0
        if apr == 0:
            assert offer.total_interest.amount == 0
        assert all(a.due_date < b.due_date for a, b in _pairs(offer))
        assert offer.schedule[0].due_date == today
        assert [p.number for p in offer.schedule] == list(range(1, months + 1))

    @settings(max_examples=200)
    @given(amount=amounts, low=aprs, high=aprs, months=terms)
    def test_monotone_in_apr(self, amount, low, high, months):
        low, high = sorted((low, high))
        assert monthly_total_payable(amount, low, months) <= monthly_total_payable(
            amount, high, months
        )

    @given(amount=amounts, apr=aprs, months=terms)
    def test_longer_terms_cost_more_interest_at_the_same_apr(self, amount, apr, months):
        shorter = monthly_total_payable(amount, apr, months)
        assert shorter <= monthly_total_payable(amount, apr, months * 2)


def _pairs(offer: Offer) -> Iterator[tuple[ScheduledPayment, ScheduledPayment]]:
    return zip(offer.schedule, offer.schedule[1:], strict=False)
