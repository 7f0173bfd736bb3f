"""The model's inputs: what a caller sends, and the feature vector the trees were trained on.

Training (`bnpl.model`) and serving share `derive`, so a ratio cannot be computed one way when the
model learns and another way when it scores. Callers send money in integer minor units of our
currency; the artefact's `money_unit_minor` converts it to the dataset's unit (see the model
card). Any input may be missing (None): the trees route missing values down a learned branch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NAN = math.nan

HOME_CATEGORIES: tuple[str, ...] = ("owner", "rent", "parents", "priv", "other", "ignore")
JOB_CATEGORIES: tuple[str, ...] = ("fixed", "freelance", "partime", "others")

# Money inputs, in minor units of our currency on the wire.
MONEY_INPUTS: tuple[str, ...] = (
    "amount_minor",
    "price_minor",
    "monthly_income_minor",
    "monthly_expenses_minor",
    "assets_minor",
    "debt_minor",
)
NUMBER_INPUTS: tuple[str, ...] = ("term_months", "employment_years")
CATEGORY_INPUTS: Mapping[str, tuple[str, ...]] = {
    "home": HOME_CATEGORIES,
    "job": JOB_CATEGORIES,
    "adverse_records": ("no", "yes"),
}
INPUTS: tuple[str, ...] = (*MONEY_INPUTS, *NUMBER_INPUTS, *CATEGORY_INPUTS)

# Attributes a credit decision may not use (Equality Act 2010 / ECOA): refused by name.
PROTECTED_ATTRIBUTES = frozenset(
    {"age", "marital", "marital_status", "sex", "gender", "nationality", "race", "religion"}
)

# The feature vector, in this order (the trees' feature indices).
FEATURES: tuple[str, ...] = (
    "employment_years",
    "term_months",
    "adverse_records",
    "monthly_expenses",
    "monthly_income",
    "assets",
    "debt",
    "amount",
    "price",
    "home",
    "job",
    "amount_to_price",
    "expenses_to_income",
    "debt_to_assets",
    "instalment_to_income",
    "repayment_capacity",
    "disposable_income",
    "instalment",
)
CATEGORICAL_FEATURES: tuple[str, ...] = ("home", "job")


@dataclass(frozen=True)
class RawInputs:
    """One applicant in the dataset's units; NaN for what is unknown.

    Attributes mirror the dataset's columns: `employment_years` is Seniority, `term_months` is
    Time, `adverse_records` is Records (1.0 yes, 0.0 no), money is in the dataset's unit.
    """

    employment_years: float
    term_months: float
    adverse_records: float
    monthly_expenses: float
    monthly_income: float
    assets: float
    debt: float
    amount: float
    price: float
    home: str | None
    job: str | None


def _ratio(numerator: float, denominator: float) -> float:
    # Unknown or zero denominators give a missing ratio, never an error or an infinity.
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0:
        return NAN
    return numerator / denominator


def _code(value: str | None, categories: Sequence[str]) -> float:
    return float(categories.index(value)) if value in categories else NAN


def derive(raw: RawInputs) -> list[float]:
    """The feature vector (`FEATURES` order) of one applicant.

    Engineered ratios follow the dataset's own analysis (Sanchez, CreditScoring part 1):
    financing ratio amount/price and repayment capacity (income - expenses - debt/100) per
    instalment, where debt/100 stands for the monthly service of the existing debt.
    """
    instalment = _ratio(raw.amount, raw.term_months)
    disposable = raw.monthly_income - raw.monthly_expenses
    debt_service = raw.debt / 100 if not math.isnan(raw.debt) else NAN
    return [
        raw.employment_years,
        raw.term_months,
        raw.adverse_records,
        raw.monthly_expenses,
        raw.monthly_income,
        raw.assets,
        raw.debt,
        raw.amount,
        raw.price,
        _code(raw.home, HOME_CATEGORIES),
        _code(raw.job, JOB_CATEGORIES),
        _ratio(raw.amount, raw.price),
        _ratio(raw.monthly_expenses, raw.monthly_income),
        _ratio(raw.debt, raw.assets),
        _ratio(instalment, raw.monthly_income),
        _ratio(disposable - debt_service, instalment),
        disposable,
        instalment,
    ]


class InvalidInstanceError(ValueError):
    """An instance the model cannot take; the message names the field and what is wrong."""


def _number(instance: Mapping[str, object], name: str, *, positive: bool = False) -> float:
    value = instance.get(name)
    if value is None:
        return NAN
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInstanceError(f"{name} must be a number or null, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise InvalidInstanceError(f"{name} must be a finite number {bound}, not {value!r}")
    return number


def _category(instance: Mapping[str, object], name: str) -> str | None:
    value = instance.get(name)
    if value is None:
        return None
    allowed = CATEGORY_INPUTS[name]
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInstanceError(f"{name} must be one of {', '.join(allowed)} or null")
    return value


def parse_instance(instance: object, *, money_unit_minor: float) -> RawInputs:
    """Check one `instances[]` entry and convert it to the dataset's units.

    Raises:
        InvalidInstanceError: not an object, an unknown or protected field, a wrong type or value.
    """
    if not isinstance(instance, Mapping):
        raise InvalidInstanceError("each instance must be a JSON object of feature: value")
    unknown = sorted(str(key) for key in instance if key not in INPUTS)
    protected = [key for key in unknown if key.lower() in PROTECTED_ATTRIBUTES]
    if protected:
        raise InvalidInstanceError(
            f"protected attributes are never model inputs: {', '.join(protected)}"
        )
    if unknown:
        raise InvalidInstanceError(
            f"unknown features: {', '.join(unknown)}; expected some of {', '.join(INPUTS)}"
        )
    money = {name: _number(instance, name) / money_unit_minor for name in MONEY_INPUTS}
    records = _category(instance, "adverse_records")
    return RawInputs(
        employment_years=_number(instance, "employment_years"),
        term_months=_number(instance, "term_months", positive=True),
        adverse_records=NAN if records is None else float(records == "yes"),
        monthly_expenses=money["monthly_expenses_minor"],
        monthly_income=money["monthly_income_minor"],
        assets=money["assets_minor"],
        debt=money["debt_minor"],
        amount=money["amount_minor"],
        price=money["price_minor"],
        home=_category(instance, "home"),
        job=_category(instance, "job"),
    )
