"""Affordability: can the customer repay without undue difficulty (FCA CONC 5.2A)?

From 15 July 2026 every deferred-payment-credit agreement needs a creditworthiness and
affordability assessment, however small (credit.md §2.1). So every decision carries the figures:
monthly income, monthly non-discretionary commitments, the disposable income left, and the
instalment as a share of it. The figures come from bank data when the customer shared it
(`CashFlowSummary`, verified), else from the credit bureau's estimates (`BureauReport`).

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.credit.screening.checks.bureau import BureauReport
from services.credit.screening.checks.cash_flow import CashFlowSummary, summarise_bank_data
from services.shared.money import Money

__all__ = [
    "Affordability",
    "AffordabilityRules",
    "CashFlowSummary",
    "FigureSource",
    "IncomeAndOutgoings",
    "assess_affordability",
    "figures_from",
    "summarise_bank_data",
]

# Reason codes this module decides (the policy's catalogue describes them).
INSUFFICIENT_DISPOSABLE_INCOME = "INSUFFICIENT_DISPOSABLE_INCOME"
INSTALMENT_TOO_HIGH = "INSTALMENT_TOO_HIGH"
AFFORDABILITY_UNVERIFIED = "AFFORDABILITY_UNVERIFIED"


class FigureSource(StrEnum):
    """Where the income and outgoings came from."""

    BANK_DATA = "BANK_DATA"  # open banking: observed
    BUREAU = "BUREAU"  # the bureau's estimate: modelled or declared
    NONE = "NONE"


@dataclass(frozen=True, kw_only=True)
class IncomeAndOutgoings:
    """Monthly income and non-discretionary commitments, minor units of `currency`."""

    currency: str
    monthly_income: int
    monthly_commitments: int
    source: FigureSource


def figures_from(
    cash_flow: CashFlowSummary | None, bureau: BureauReport | None
) -> IncomeAndOutgoings | None:
    """The best figures we hold: bank data if it has a complete month, else the bureau's."""
    if cash_flow is not None:
        income, commitments = cash_flow.monthly_income, cash_flow.monthly_commitments
        if income is not None and commitments is not None:
            return IncomeAndOutgoings(
                currency=cash_flow.currency,
                monthly_income=income,
                monthly_commitments=commitments,
                source=FigureSource.BANK_DATA,
            )
    if bureau is not None:
        income, expenses = bureau.declared_monthly_income, bureau.declared_monthly_expenses
        if income is not None and expenses is not None:
            return IncomeAndOutgoings(
                currency=bureau.currency,
                monthly_income=income,
                monthly_commitments=expenses + _debt_service(bureau),
                source=FigureSource.BUREAU,
            )
    return None


def _debt_service(bureau: BureauReport) -> int:
    # The bureau's expenditure estimate excludes repayments of the debt it reports; assume a
    # conventional 3% of the balance a month (a UK revolving-credit minimum payment).
    return (bureau.total_debt or 0) * 3 // 100


@dataclass(frozen=True, kw_only=True)
class AffordabilityRules:
    """The policy's affordability thresholds.

    Attributes:
        max_instalment_to_disposable_income: the largest share of disposable income one
            plan's monthly-equivalent instalment may take (credit.md §6.3 A202: 0.35).
        min_residual_income: minor units that must be left each month after the instalment.
        min_residual_income_share: ... or this share of income, whichever is larger (A201).
    """

    max_instalment_to_disposable_income: float
    min_residual_income: int
    min_residual_income_share: float

    def failures(self, *, income: int, disposable: int, instalment: int) -> tuple[str, ...]:
        """The codes a monthly `instalment` breaks, given `income` and `disposable` income."""
        codes = []
        buffer = max(self.min_residual_income, int(income * self.min_residual_income_share))
        if disposable - instalment < buffer:
            codes.append(INSUFFICIENT_DISPOSABLE_INCOME)
        if disposable <= 0 or instalment > disposable * self.max_instalment_to_disposable_income:
            codes.append(INSTALMENT_TOO_HIGH)
        return tuple(codes)


@dataclass(frozen=True, kw_only=True)
class Affordability:
    """The affordability evidence of one decision.

    Attributes:
        monthly_instalment: the monthly-equivalent instalment assessed (for pay-in-4, two
            fortnightly instalments a month).
        instalment_to_disposable_income: None when there is no positive disposable income.
        failures: reason codes: `AFFORDABILITY_UNVERIFIED` with no figures at all, else
            `INSUFFICIENT_DISPOSABLE_INCOME` and/or `INSTALMENT_TOO_HIGH`.
    """

    source: FigureSource
    monthly_income: Money | None
    monthly_commitments: Money | None
    disposable_income: Money | None
    monthly_instalment: Money
    instalment_to_disposable_income: float | None
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """True when the instalment is affordable on the figures we hold."""
        return not self.failures

    def allows(self, monthly_instalment: int, rules: AffordabilityRules) -> bool:
        """Whether another monthly-equivalent instalment would pass on the same figures."""
        if self.monthly_income is None or self.disposable_income is None:
            return False
        return not rules.failures(
            income=self.monthly_income.amount,
            disposable=self.disposable_income.amount,
            instalment=monthly_instalment,
        )

    def to_json(self) -> dict[str, Any]:
        """The API's `Affordability`, plus the source, the instalment and the failures."""

        def money(value: Money | None) -> dict[str, Any] | None:
            return None if value is None else value.to_json()

        ratio = self.instalment_to_disposable_income
        return {
            "monthlyIncome": money(self.monthly_income),
            "monthlyCommitments": money(self.monthly_commitments),
            "disposableIncome": money(self.disposable_income),
            "instalmentToDisposableIncome": None if ratio is None else round(ratio, 4),
            "monthlyInstalment": self.monthly_instalment.to_json(),
            "source": self.source.value,
            "failures": list(self.failures),
        }


def assess_affordability(
    figures: IncomeAndOutgoings | None, monthly_instalment: Money, rules: AffordabilityRules
) -> Affordability:
    """Assess one monthly-equivalent instalment against the customer's figures.

    Figures in another currency than the instalment cannot be compared and count as none.

    Example:
        >>> rules = AffordabilityRules(max_instalment_to_disposable_income=0.35,
        ...                            min_residual_income=10_000, min_residual_income_share=0.1)
        >>> figures = IncomeAndOutgoings(currency="GBP", monthly_income=250_000,
        ...                              monthly_commitments=150_000, source=FigureSource.BUREAU)
        >>> result = assess_affordability(figures, Money(20_000, "GBP"), rules)
        >>> result.passed, result.instalment_to_disposable_income
        (True, 0.2)
    """
    currency = monthly_instalment.currency
    if figures is None or figures.currency != currency:
        return Affordability(
            source=FigureSource.NONE,
            monthly_income=None,
            monthly_commitments=None,
            disposable_income=None,
            monthly_instalment=monthly_instalment,
            instalment_to_disposable_income=None,
            failures=(AFFORDABILITY_UNVERIFIED,),
        )
    disposable = figures.monthly_income - figures.monthly_commitments
    return Affordability(
        source=figures.source,
        monthly_income=Money(figures.monthly_income, currency),
        monthly_commitments=Money(figures.monthly_commitments, currency),
        disposable_income=Money(disposable, currency),
        monthly_instalment=monthly_instalment,
        instalment_to_disposable_income=(
            monthly_instalment.amount / disposable if disposable > 0 else None
        ),
        failures=rules.failures(
            income=figures.monthly_income,
            disposable=disposable,
            instalment=monthly_instalment.amount,
        ),
    )
