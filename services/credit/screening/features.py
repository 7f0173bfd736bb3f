"""The credit model's inputs, filled from what we hold when a decision is made.

Each input's source is in the model card (`models/credit-v1/MODEL_CARD.md`, "Inputs at decision
time"). What we do not hold is None: the model treats missing values as a value of their own, so
a thin file or a customer without bank data is scored, never refused here.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.credit.screening.checks.bureau import BureauReport, HomeStatus, JobType
from services.credit.screening.checks.cash_flow import CashFlowSummary

# One score covers every offer, so it is computed for the longest product we offer (MONTHLY, 12
# months): in the training data longer terms carry more risk, so this is the cautious choice.
DECISION_TERM_MONTHS = 12

_HOME: Mapping[HomeStatus, str] = {
    HomeStatus.OWNER: "owner",
    HomeStatus.RENT: "rent",
    HomeStatus.PARENTS: "parents",
    HomeStatus.PRIVATE: "priv",
    HomeStatus.OTHER: "other",
}
_JOB: Mapping[JobType, str] = {
    JobType.FIXED: "fixed",
    JobType.FREELANCE: "freelance",
    JobType.PART_TIME: "partime",
    JobType.OTHER: "others",
}


def _checkout_amount(checkout: Mapping[str, Any]) -> int | None:
    amount = checkout.get("amount")
    value = amount.get("amount") if isinstance(amount, Mapping) else amount
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def model_features(
    *,
    customer: Mapping[str, Any],
    checkout: Mapping[str, Any],
    bureau: BureauReport | None,
    bank: CashFlowSummary | None,
) -> dict[str, float | str | None]:
    """The scoring endpoint's instance for one application.

    Args:
        customer: the user service's Customer JSON (unused today: the profile holds nothing the
            model takes; kept so a profile field can become an input without a signature change).
        checkout: the Checkout JSON; its amount is both the price of the goods and the amount
            financed (BNPL finances the whole basket).
        bureau: the soft-search report, or None when the bureau was not asked.
        bank: the bank-data summary under the customer's consent, or None without one.

    Income and expenses come from the bank data when there is some (verified figures), else
    from the bureau's estimates. Money stays in integer minor units; the model converts it.
    """
    del customer  # see Args
    amount = _checkout_amount(checkout)
    income = bank.monthly_income if bank is not None else None
    expenses = bank.monthly_commitments if bank is not None else None
    if income is None and bureau is not None:
        income = bureau.declared_monthly_income
    if expenses is None and bureau is not None:
        expenses = bureau.declared_monthly_expenses
    features: dict[str, float | str | None] = {
        "amount_minor": amount,
        "price_minor": amount,
        "term_months": DECISION_TERM_MONTHS,
        "monthly_income_minor": income,
        "monthly_expenses_minor": expenses,
        "assets_minor": None,
        "debt_minor": None,
        "employment_years": None,
        "home": None,
        "job": None,
        "adverse_records": None,
    }
    if bureau is not None:
        features["assets_minor"] = bureau.assets
        features["debt_minor"] = bureau.total_debt
        features["employment_years"] = bureau.employment_years
        features["home"] = _HOME.get(bureau.home_status) if bureau.home_status else None
        features["job"] = _JOB.get(bureau.job_type) if bureau.job_type else None
        # A thin file says nothing either way: sent as missing (the trees, which never saw a
        # missing Records, read it as "no"; the policy's thin-file rule decides those cases).
        if bureau.file_present:
            features["adverse_records"] = "yes" if bureau.has_public_record else "no"
    return features
