"""The credit policy as versioned data: `policy/policy-v1.json` loaded into a typed `Policy`.

Risk analysts change thresholds, bands, limits, APRs, late fees and customer wording in the JSON
file, and give it a new `version`; every decision records the version it was made under. Loading
checks the whole file (types, ranges, band order, a wording and an action for every rule code)
and refuses an invalid one with a message naming the field, so a bad policy never reaches a
customer.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.credit.plans.late_fee_rules import LateFeeRules
from services.credit.policy.json_reader import ConfigError, JsonObject
from services.credit.screening.checks.affordability import AffordabilityRules
from services.credit.screening.checks.fraud import FraudRules
from services.shared.money import CURRENCIES

POLICY_FILE = Path(__file__).with_name("policy-v1.json")


class Outcome(StrEnum):
    """The API's `DecisionOutcome`."""

    APPROVED = "APPROVED"
    REFERRED = "REFERRED"
    DECLINED = "DECLINED"


class Action(StrEnum):
    """What breaking a hard rule does to the application."""

    DECLINE = "DECLINE"
    REFER = "REFER"


class RuleCode(StrEnum):
    """The hard-rule reason codes the engine raises; the policy must word and act on each."""

    UNDER_AGE = "UNDER_AGE"
    IDENTITY_INCOMPLETE = "IDENTITY_INCOMPLETE"
    UNSUPPORTED_COUNTRY = "UNSUPPORTED_COUNTRY"
    UNSUPPORTED_CURRENCY = "UNSUPPORTED_CURRENCY"
    AMOUNT_BELOW_MINIMUM = "AMOUNT_BELOW_MINIMUM"
    FRAUD_BLOCKLIST = "FRAUD_BLOCKLIST"
    APPLICATION_VELOCITY = "APPLICATION_VELOCITY"
    DISPOSABLE_EMAIL = "DISPOSABLE_EMAIL"
    RECENT_DEFAULT = "RECENT_DEFAULT"
    RECENT_CCJ = "RECENT_CCJ"
    INSOLVENCY = "INSOLVENCY"
    NO_CREDIT_FILE = "NO_CREDIT_FILE"
    TOO_MANY_ACTIVE_PLANS = "TOO_MANY_ACTIVE_PLANS"
    EXPOSURE_LIMIT = "EXPOSURE_LIMIT"
    OVERDUE_WITH_US = "OVERDUE_WITH_US"
    LATE_PAYMENTS = "LATE_PAYMENTS"
    RETURNED_PAYMENTS = "RETURNED_PAYMENTS"
    GAMBLING_SPEND = "GAMBLING_SPEND"
    BNPL_STACKING = "BNPL_STACKING"
    INCOME_MISMATCH = "INCOME_MISMATCH"
    INSUFFICIENT_DISPOSABLE_INCOME = "INSUFFICIENT_DISPOSABLE_INCOME"
    INSTALMENT_TOO_HIGH = "INSTALMENT_TOO_HIGH"
    AFFORDABILITY_UNVERIFIED = "AFFORDABILITY_UNVERIFIED"


# Reasons for a score-band outcome when the model names no factor that cost the applicant.
SCORE_REFER = "SCORE_REFER"
SCORE_DECLINE = "SCORE_DECLINE"


class PolicyError(ConfigError):
    """The policy file is invalid; the message names the file and the field."""


@dataclass(frozen=True, kw_only=True)
class HardRules:
    """Thresholds of the hard rules (amounts in minor units, shares as fractions)."""

    min_age: int
    supported_countries: frozenset[str]
    default_lookback_months: int
    ccj_lookback_months: int
    insolvency_lookback_months: int
    max_active_plans: int  # active plans with us before this one
    max_exposure: int  # outstanding with us plus this order, whatever the band
    max_overdue_instalments: int
    max_late_instalments_12m: int
    max_returned_payments_90d: int
    max_gambling_share: float
    max_bnpl_providers_60d: int
    max_income_gap: float  # |bank income - bureau income| / bureau income
    thin_file_limit: int  # the credit limit of an applicant with no bureau file


@dataclass(frozen=True, kw_only=True)
class ScoreBand:
    """A risk band: model probabilities up to `max_probability_bad` (inclusive).

    Attributes:
        outcome_with_bank_data: the outcome instead of `outcome` when the customer's bank data
            was read and passed every rule (the open-banking step-up resolves a referral).
        credit_limit: the most the customer may owe us, this order included.
        monthly_apr: APR in percent of MONTHLY plans; None offers pay-in-4 only.
    """

    band: str
    max_probability_bad: float
    outcome: Outcome
    outcome_with_bank_data: Outcome | None
    credit_limit: int
    monthly_apr: float | None


@dataclass(frozen=True, kw_only=True)
class Products:
    """Which plans we offer and for what order amounts (minor units)."""

    pay_in_4_min_amount: int
    pay_in_4_max_amount: int
    monthly_terms: tuple[int, ...]
    monthly_min_amount: int
    monthly_max_amount: int

    @property
    def min_amount(self) -> int:
        """The smallest order any product takes."""
        return min(self.pay_in_4_min_amount, self.monthly_min_amount)


@dataclass(frozen=True, kw_only=True)
class ReasonText:
    """A catalogue entry: the customer's wording and, for hard rules, the action."""

    description: str
    action: Action | None


@dataclass(frozen=True, kw_only=True)
class Policy:
    """One version of the credit policy. Build it with `load_policy` or `parse_policy`."""

    version: str
    effective_from: date
    currency: str
    hard_rules: HardRules
    fraud: FraudRules
    affordability: AffordabilityRules
    bands: tuple[ScoreBand, ...]
    products: Products
    late_fees: LateFeeRules
    reasons: Mapping[str, ReasonText]

    def band_for(self, probability_bad: float) -> ScoreBand:
        """The band of a model probability (bands are ordered; the last one ends at 1.0)."""
        if not 0.0 <= probability_bad <= 1.0:
            raise ValueError(f"probability_bad must be in [0, 1], not {probability_bad!r}")
        return next(b for b in self.bands if probability_bad <= b.max_probability_bad)

    def band_named(self, name: str) -> ScoreBand:
        """The band called `name`."""
        for band in self.bands:
            if band.band == name:
                return band
        raise KeyError(name)

    def action(self, code: RuleCode) -> Action:
        """What breaking the rule `code` does."""
        action = self.reasons[code].action
        assert action is not None  # parse_policy guarantees an action for every RuleCode
        return action

    def describe(self, code: str) -> str | None:
        """The customer wording of `code`, None if the catalogue lacks it."""
        entry = self.reasons.get(code)
        return entry.description if entry else None

    @property
    def max_monthly_apr(self) -> float:
        """The highest APR of any band (0 when no band offers MONTHLY plans)."""
        return max((b.monthly_apr for b in self.bands if b.monthly_apr is not None), default=0.0)


@lru_cache(maxsize=8)
def load_policy(path: Path = POLICY_FILE) -> Policy:
    """Read and check a policy file (the bundled `policy-v1.json` by default).

    Raises:
        PolicyError: the file is missing, not JSON, or breaks a rule of `parse_policy`.

    Example:
        >>> load_policy().version
        'credit-policy-2026.11-v1'
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path.name}: cannot read the policy file ({exc.strerror})") from None
    except ValueError as exc:
        raise PolicyError(f"{path.name}: not valid JSON ({exc})") from None
    return parse_policy(data, source=path.name)


def parse_policy(data: object, *, source: str = "policy") -> Policy:
    """A `Policy` from decoded JSON, or `PolicyError` naming the first field at fault."""
    try:
        return _parse(data, source)
    except PolicyError:
        raise
    except ConfigError as exc:
        raise PolicyError(str(exc)) from None


def _parse(data: object, source: str) -> Policy:
    root = JsonObject(data, source)
    version = root.text("version")
    effective = root.text("effective_from")
    try:
        effective_from = date.fromisoformat(effective)
    except ValueError:
        root.fail("effective_from", "must be a date (YYYY-MM-DD)")
    root.text("description", required=False)
    root.text("band_calibration", required=False)
    currency = root.text("currency")
    if currency not in CURRENCIES:
        root.fail("currency", f"must be one of {', '.join(sorted(CURRENCIES))}")
    policy = Policy(
        version=version,
        effective_from=effective_from,
        currency=currency,
        hard_rules=_hard_rules(root.obj("hard_rules")),
        fraud=_fraud(root.obj("fraud")),
        affordability=_affordability(root.obj("affordability")),
        bands=_bands(root.items("bands"), f"{source}: bands"),
        products=_products(root.obj("products")),
        late_fees=_late_fees(root.obj("late_fees"), currency),
        reasons=_reasons(root.obj("reasons")),
    )
    root.done()
    return policy


def _hard_rules(obj: JsonObject) -> HardRules:
    countries = obj.items("supported_countries")
    for i, country in enumerate(countries):
        if not isinstance(country, str) or len(country) != 2 or not country.isupper():
            obj.fail(f"supported_countries[{i}]", "must be an ISO 3166-1 alpha-2 code")
    rules = HardRules(
        min_age=obj.integer("min_age", minimum=18),
        supported_countries=frozenset(countries),
        default_lookback_months=obj.integer("default_lookback_months"),
        ccj_lookback_months=obj.integer("ccj_lookback_months"),
        insolvency_lookback_months=obj.integer("insolvency_lookback_months"),
        max_active_plans=obj.integer("max_active_plans"),
        max_exposure=obj.integer("max_exposure"),
        max_overdue_instalments=obj.integer("max_overdue_instalments"),
        max_late_instalments_12m=obj.integer("max_late_instalments_12m"),
        max_returned_payments_90d=obj.integer("max_returned_payments_90d"),
        max_gambling_share=obj.share("max_gambling_share"),
        max_bnpl_providers_60d=obj.integer("max_bnpl_providers_60d"),
        max_income_gap=obj.share("max_income_gap"),
        thin_file_limit=obj.integer("thin_file_limit"),
    )
    obj.done()
    return rules


def _fraud(obj: JsonObject) -> FraudRules:
    rules = FraudRules(
        max_applications_per_customer_24h=obj.integer("max_applications_per_customer_24h", 1),
        max_applications_per_device_24h=obj.integer("max_applications_per_device_24h", 1),
        max_applications_per_ip_24h=obj.integer("max_applications_per_ip_24h", 1),
    )
    obj.done()
    return rules


def _affordability(obj: JsonObject) -> AffordabilityRules:
    rules = AffordabilityRules(
        max_instalment_to_disposable_income=obj.share("max_instalment_to_disposable_income"),
        min_residual_income=obj.integer("min_residual_income"),
        min_residual_income_share=obj.share("min_residual_income_share"),
    )
    obj.done()
    return rules


def _bands(items: list[Any], where: str) -> tuple[ScoreBand, ...]:
    if not items:
        raise PolicyError(f"{where}: at least one band is required")
    bands: list[ScoreBand] = []
    for i, raw in enumerate(items):
        obj = JsonObject(raw, f"{where}[{i}]")
        outcome = obj.choice("outcome", Outcome)
        with_bank = obj.optional_choice("outcome_with_bank_data", Outcome)
        apr = obj.optional_number("monthly_apr", 0.0, 100.0)
        band = ScoreBand(
            band=obj.text("band"),
            max_probability_bad=obj.number("max_probability_bad", 0.0, 1.0),
            outcome=outcome,
            outcome_with_bank_data=with_bank,
            credit_limit=obj.integer("credit_limit"),
            monthly_apr=apr,
        )
        obj.done()
        if bands and band.max_probability_bad <= bands[-1].max_probability_bad:
            obj.fail("max_probability_bad", "must be greater than the previous band's")
        if bands and band.credit_limit > bands[-1].credit_limit:
            obj.fail("credit_limit", "must not exceed the previous (less risky) band's")
        if any(b.band == band.band for b in bands):
            obj.fail("band", f"{band.band!r} is used twice")
        if with_bank is not None and outcome is not Outcome.REFERRED:
            obj.fail("outcome_with_bank_data", "only a REFERRED band can be resolved by bank data")
        if Outcome.APPROVED in (outcome, with_bank) and band.credit_limit <= 0:
            obj.fail("credit_limit", "an approving band needs a positive limit")
        bands.append(band)
    if bands[-1].max_probability_bad != 1.0:
        raise PolicyError(f"{where}: the last band must end at max_probability_bad 1.0")
    return tuple(bands)


def _products(obj: JsonObject) -> Products:
    pay_in_4 = obj.obj("pay_in_4")
    monthly = obj.obj("monthly")
    terms = monthly.items("terms")
    for i, term in enumerate(terms):
        if not isinstance(term, int) or isinstance(term, bool) or not 2 <= term <= 60:
            monthly.fail(f"terms[{i}]", "must be a whole number of months from 2 to 60")
    if len(set(terms)) != len(terms):
        monthly.fail("terms", "must not repeat a term")
    products = Products(
        # At least one minor unit per instalment, so no instalment is ever zero.
        pay_in_4_min_amount=pay_in_4.integer("min_amount", minimum=4),
        pay_in_4_max_amount=pay_in_4.integer("max_amount", minimum=4),
        monthly_terms=tuple(sorted(terms)),
        monthly_min_amount=monthly.integer("min_amount", minimum=max(terms, default=1)),
        monthly_max_amount=monthly.integer("max_amount", minimum=1),
    )
    pay_in_4.done()
    monthly.done()
    obj.done()
    return products


def _late_fees(obj: JsonObject, currency: str) -> LateFeeRules:
    # Like every amount in the file, the figures are minor units of the policy's one currency.
    rules = LateFeeRules(
        currency=currency,
        fee=obj.integer("fee", minimum=1),
        second_fee_after_days=obj.integer("second_fee_after_days", minimum=1),
        max_per_plan=obj.integer("max_per_plan", minimum=1),
        # A whole percent, unlike the file's fractional shares, keeps fee arithmetic in integers.
        max_share_of_order_percent=obj.integer("max_share_of_order_percent"),
    )
    obj.done()
    if rules.max_share_of_order_percent > 100:
        obj.fail("max_share_of_order_percent", "must be a whole number from 0 to 100")
    if rules.max_per_plan < rules.fee:
        obj.fail("max_per_plan", "must be at least one fee")
    return rules


def _reasons(obj: JsonObject) -> dict[str, ReasonText]:
    reasons: dict[str, ReasonText] = {}
    for code in obj.names():
        entry = obj.obj(code)
        reasons[code] = ReasonText(
            description=entry.text("description"),
            action=entry.optional_choice("action", Action),
        )
        entry.done()
    for code in RuleCode:
        if code not in reasons:
            obj.fail(code, "is missing: every rule code needs a description and an action")
        if reasons[code].action is None:
            obj.fail(f"{code}.action", "must be DECLINE or REFER")
    for code in (SCORE_REFER, SCORE_DECLINE):
        if code not in reasons:
            obj.fail(code, "is missing: it words a score-band outcome without model factors")
    return reasons
