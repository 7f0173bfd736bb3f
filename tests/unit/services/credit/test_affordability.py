from __future__ import annotations

from dataclasses import replace

import pytest

from services.credit.screening.checks.affordability import (
    AffordabilityRules,
    FigureSource,
    IncomeAndOutgoings,
    assess_affordability,
    figures_from,
)
from services.credit.screening.checks.bureau import BureauReport
from services.credit.screening.checks.cash_flow import CashFlowSummary
from services.shared.money import Money

RULES = AffordabilityRules(
    max_instalment_to_disposable_income=0.35,
    min_residual_income=10_000,
    min_residual_income_share=0.10,
)


def figures(income: int, commitments: int, currency: str = "GBP") -> IncomeAndOutgoings:
    return IncomeAndOutgoings(
        currency=currency,
        monthly_income=income,
        monthly_commitments=commitments,
        source=FigureSource.BANK_DATA,
    )


@pytest.mark.parametrize(
    ("income", "commitments", "instalment", "failures", "ratio"),
    [
        (300_000, 150_000, 30_000, (), 0.2),
        (300_000, 150_000, 52_500, (), 0.35),  # exactly 35 %
        (300_000, 150_000, 52_501, ("INSTALMENT_TOO_HIGH",), 0.35),
        # residual 10,000 = max(10,000, 10 % of 90,000) passes the buffer; one penny more does not
        (90_000, 50_000, 30_000, ("INSTALMENT_TOO_HIGH",), 0.75),
        (90_000, 50_000, 30_001, ("INSUFFICIENT_DISPOSABLE_INCOME", "INSTALMENT_TOO_HIGH"), 0.75),
        (90_000, 50_000, 10_000, (), 0.25),
        (300_000, 250_000, 17_500, (), 0.35),
        (300_000, 250_000, 17_501, ("INSTALMENT_TOO_HIGH",), 0.35),
        # 10 % of income is the larger buffer: 40,000 of 400,000
        (400_000, 340_000, 20_001, ("INSUFFICIENT_DISPOSABLE_INCOME",), 0.3334),
        (100_000, 120_000, 1_000, ("INSUFFICIENT_DISPOSABLE_INCOME", "INSTALMENT_TOO_HIGH"), None),
        (100_000, 100_000, 1_000, ("INSUFFICIENT_DISPOSABLE_INCOME", "INSTALMENT_TOO_HIGH"), None),
    ],
)
def test_assess(income, commitments, instalment, failures, ratio):
    result = assess_affordability(figures(income, commitments), Money(instalment, "GBP"), RULES)
    assert result.failures == failures
    assert result.passed is (not failures)
    if ratio is None:
        assert result.instalment_to_disposable_income is None
    else:
        assert result.instalment_to_disposable_income == pytest.approx(ratio, abs=1e-4)
    assert result.disposable_income == Money(income - commitments, "GBP")


def test_no_figures_is_unverified_not_a_pass():
    result = assess_affordability(None, Money(5_000, "GBP"), RULES)
    assert (result.failures, result.source) == (("AFFORDABILITY_UNVERIFIED",), FigureSource.NONE)
    assert result.to_json() == {
        "monthlyIncome": None,
        "monthlyCommitments": None,
        "disposableIncome": None,
        "instalmentToDisposableIncome": None,
        "monthlyInstalment": {"amount": 5_000, "currency": "GBP"},
        "source": "NONE",
        "failures": ["AFFORDABILITY_UNVERIFIED"],
    }
    assert not result.allows(1, RULES)


def test_figures_in_another_currency_cannot_be_compared():
    result = assess_affordability(figures(300_000, 1_000, "EUR"), Money(5_000, "GBP"), RULES)
    assert result.failures == ("AFFORDABILITY_UNVERIFIED",)


def test_allows_tests_another_instalment_on_the_same_figures():
    result = assess_affordability(figures(300_000, 150_000), Money(10_000, "GBP"), RULES)
    assert result.allows(52_500, RULES)
    assert not result.allows(52_501, RULES)


SUMMARY = CashFlowSummary(
    currency="GBP",
    months_observed=6,
    income_months=6,
    monthly_income=200_000,
    monthly_housing=80_000,
    monthly_bills=20_000,
    monthly_debt_service=10_000,
    monthly_essentials=30_000,
    returned_payments_90d=0,
    gambling_share_90d=0.0,
    bnpl_providers_60d=0,
    overdrawn_days_90d=0,
    days_since_income=5,
    transactions_used=100,
    transactions_ignored=0,
)
REPORT = BureauReport(
    reference="r",
    bureau="b",
    currency="GBP",
    file_present=True,
    total_debt=100_000,
    declared_monthly_income=250_000,
    declared_monthly_expenses=90_000,
)


class TestFiguresFrom:
    def test_bank_data_wins(self):
        found = figures_from(SUMMARY, REPORT)
        assert found == figures(200_000, 140_000)

    def test_bank_data_without_a_complete_month_falls_back_to_the_bureau(self):
        found = figures_from(replace(SUMMARY, monthly_income=None), REPORT)
        # expenses plus 3 % of the bureau's debt a month
        assert found == IncomeAndOutgoings(
            currency="GBP",
            monthly_income=250_000,
            monthly_commitments=93_000,
            source=FigureSource.BUREAU,
        )

    def test_nothing_known(self):
        assert figures_from(None, replace(REPORT, declared_monthly_income=None)) is None
        assert figures_from(None, None) is None
