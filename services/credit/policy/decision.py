"""The credit decision: hard rules → affordability → score band → limit (credit.md §6.3).

`decide` turns everything pre-screening gathered into an outcome under one policy version. The
rule families (`customer_rules`, `fraud_rules`, `bureau_rules`, `exposure_rules`,
`payment_history_rules`, `bank_rules`) are public so each workflow step can report its own
result; `decide` runs them all again, so the outcome never depends on which steps ran.

Precedence: a DECLINE rule declines; else the score band's DECLINED declines; else a REFER rule
refers; else the band's outcome stands, except that a REFERRED band with
`outcome_with_bank_data` takes that outcome when the customer's bank data was read (the
open-banking step-up resolves the referral). With no credit file the score is no basis for a
decline (the model saw little but the basket): the application is referred instead, for bank
data if there is none, else to an underwriter.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from services.credit.policy.dates import add_months
from services.credit.policy.offers import candidate_offers, pay_in_4
from services.credit.policy.reasons import Factor, Reason, select_reasons
from services.credit.policy.rules import (
    SCORE_DECLINE,
    SCORE_REFER,
    Action,
    Outcome,
    Policy,
    RuleCode,
    ScoreBand,
)
from services.credit.screening.checks.affordability import (
    Affordability,
    CashFlowSummary,
    assess_affordability,
    figures_from,
)
from services.credit.screening.checks.bureau import BureauReport, DerogatoryKind
from services.credit.screening.checks.exposure import Exposure, PaymentHistory
from services.credit.screening.checks.fraud import FraudSignals
from services.shared.json_record import JsonRecord
from services.shared.money import Money


class Score(Protocol):
    """What the decision needs of the model's answer (`adapters.scoring.ModelScore`)."""

    @property
    def probability_bad(self) -> float: ...

    @property
    def points(self) -> int: ...

    @property
    def model_version(self) -> str: ...

    @property
    def factors(self) -> Sequence[Factor]: ...


@dataclass(frozen=True, kw_only=True)
class Applicant:
    """The facts of the customer's own profile that the rules read."""

    customer_id: str
    date_of_birth: date | None
    country: str | None  # the profile address's ISO country, None without an address

    @classmethod
    def from_customer(cls, customer: Mapping[str, Any]) -> Applicant:
        """From the user service's `Customer` JSON (`id`, `dateOfBirth`, `address.country`)."""
        dob = customer.get("dateOfBirth")
        address = customer.get("address")
        country = address.get("country") if isinstance(address, Mapping) else None
        try:
            born = date.fromisoformat(dob) if isinstance(dob, str) else None
        except ValueError:
            born = None
        return cls(
            customer_id=str(customer["id"]),
            date_of_birth=born,
            country=country if isinstance(country, str) else None,
        )


@dataclass(frozen=True, kw_only=True)
class RuleHit:
    """A hard rule the application broke, what it does, and the figures that broke it."""

    code: RuleCode
    action: Action
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "action": self.action.value, "detail": dict(self.detail)}

    @classmethod
    def from_json(cls, data: object) -> RuleHit:
        """The hit `to_json` wrote, exactly (its detail is JSON already).

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an invalid value.
        """
        with JsonRecord(data, "RuleHit") as record:
            return cls(
                code=record.choice("code", RuleCode),
                action=record.choice("action", Action),
                detail=record.mapping("detail"),
            )


@dataclass(frozen=True, kw_only=True)
class DecisionInputs:
    """Everything pre-screening gathered for one application.

    Attributes:
        cash_flow: the bank data's summary, None when the customer shared none.
        score: the model's answer; None only when a rule declines before scoring.
    """

    applicant: Applicant
    amount: Money
    bureau: BureauReport
    cash_flow: CashFlowSummary | None
    fraud: FraudSignals
    exposure: Exposure
    payment_history: PaymentHistory
    score: Score | None
    today: date


@dataclass(frozen=True, kw_only=True)
class PolicyOutcome:
    """The decision and its evidence.

    Attributes:
        limit: the most the customer may owe us (band or thin-file limit); None if declined.
        available: `limit` less what they already owe; None if declined.
    """

    outcome: Outcome
    band: str | None
    limit: Money | None
    available: Money | None
    reasons: tuple[Reason, ...]
    affordability: Affordability
    policy_version: str
    hits: tuple[RuleHit, ...]
    probability_bad: float | None
    model_version: str | None

    def to_json(self) -> dict[str, Any]:
        """Evidence for the decision record (camelCase)."""
        return {
            "outcome": self.outcome.value,
            "band": self.band,
            "limit": None if self.limit is None else self.limit.to_json(),
            "available": None if self.available is None else self.available.to_json(),
            "reasons": [r.to_json() for r in self.reasons],
            "affordability": self.affordability.to_json(),
            "policyVersion": self.policy_version,
            "rules": [hit.to_json() for hit in self.hits],
            "probabilityBad": self.probability_bad,
            "modelVersion": self.model_version,
        }


def _hit(policy: Policy, code: RuleCode, **detail: Any) -> RuleHit:
    return RuleHit(code=code, action=policy.action(code), detail=detail)


def age_on(born: date, today: date) -> int:
    """Whole years from `born` to `today` (a 29 February birthday ages on 28 February)."""
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1)


def customer_rules(
    applicant: Applicant, amount: Money, policy: Policy, today: date
) -> list[RuleHit]:
    """Age, a complete identity, a country and currency we lend in, an amount we can spread."""
    hits = []
    if applicant.date_of_birth is None:
        hits.append(_hit(policy, RuleCode.IDENTITY_INCOMPLETE, missing="dateOfBirth"))
    elif (age := age_on(applicant.date_of_birth, today)) < policy.hard_rules.min_age:
        hits.append(_hit(policy, RuleCode.UNDER_AGE, age=age))
    country = applicant.country
    if country is not None and country not in policy.hard_rules.supported_countries:
        hits.append(_hit(policy, RuleCode.UNSUPPORTED_COUNTRY, country=country))
    if amount.currency != policy.currency:
        hits.append(_hit(policy, RuleCode.UNSUPPORTED_CURRENCY, currency=amount.currency))
    elif amount.amount < policy.products.min_amount:
        hits.append(_hit(policy, RuleCode.AMOUNT_BELOW_MINIMUM, minimum=policy.products.min_amount))
    return hits


def fraud_rules(signals: FraudSignals, policy: Policy) -> list[RuleHit]:
    """The fraud check's codes, acted on as the policy says."""
    return [_hit(policy, RuleCode(code), **signals.to_json()) for code in signals.reasons]


def bureau_rules(
    report: BureauReport,
    policy: Policy,
    today: date,
    *,
    profile_country: str | None,
    has_bank_data: bool,
) -> list[RuleHit]:
    """Recent defaults, CCJs, insolvency; a residence we serve; a file (or bank data instead)."""
    rules = policy.hard_rules
    hits = []
    lookbacks = (
        (RuleCode.RECENT_DEFAULT, (DerogatoryKind.DEFAULT,), rules.default_lookback_months),
        (RuleCode.RECENT_CCJ, (DerogatoryKind.CCJ,), rules.ccj_lookback_months),
        (
            RuleCode.INSOLVENCY,
            (DerogatoryKind.BANKRUPTCY, DerogatoryKind.INSOLVENCY),
            rules.insolvency_lookback_months,
        ),
    )
    for code, kinds, months in lookbacks:
        since = add_months(today, -months)
        recent = [d for d in report.derogatories if d.kind in kinds and d.recorded_on >= since]
        if recent:
            latest = max(d.recorded_on for d in recent)
            hits.append(_hit(policy, code, latest=latest.isoformat(), lookbackMonths=months))
    country = profile_country or report.residence_country
    if country is None:
        hits.append(_hit(policy, RuleCode.IDENTITY_INCOMPLETE, missing="address"))
    elif country not in rules.supported_countries:
        hits.append(_hit(policy, RuleCode.UNSUPPORTED_COUNTRY, country=country))
    if not report.file_present and not has_bank_data:
        hits.append(_hit(policy, RuleCode.NO_CREDIT_FILE))
    return hits


def exposure_rules(exposure: Exposure, amount: Money, policy: Policy) -> list[RuleHit]:
    """Too many plans with us, or too much owed with this order, whatever the band."""
    rules = policy.hard_rules
    hits = []
    if exposure.active_plans >= rules.max_active_plans:
        hits.append(_hit(policy, RuleCode.TOO_MANY_ACTIVE_PLANS, activePlans=exposure.active_plans))
    total = exposure.outstanding.amount + amount.amount
    if total > rules.max_exposure:
        hits.append(_hit(policy, RuleCode.EXPOSURE_LIMIT, total=total, limit=rules.max_exposure))
    return hits


def payment_history_rules(history: PaymentHistory, policy: Policy) -> list[RuleHit]:
    """An instalment overdue with us now; late or missed instalments in 12 months."""
    rules = policy.hard_rules
    hits = []
    if history.overdue_instalments > rules.max_overdue_instalments:
        hits.append(_hit(policy, RuleCode.OVERDUE_WITH_US, overdue=history.overdue_instalments))
    late = history.late_instalments_12m + history.missed_instalments_12m
    if late > rules.max_late_instalments_12m:
        hits.append(_hit(policy, RuleCode.LATE_PAYMENTS, lateOrMissed=late))
    return hits


def bank_rules(
    cash_flow: CashFlowSummary | None, bureau: BureauReport | None, policy: Policy
) -> list[RuleHit]:
    """Returned payments, gambling, BNPL stacking, and income far from the bureau's."""
    if cash_flow is None:
        return []
    rules = policy.hard_rules
    hits = []
    if cash_flow.returned_payments_90d > rules.max_returned_payments_90d:
        hits.append(
            _hit(policy, RuleCode.RETURNED_PAYMENTS, returned=cash_flow.returned_payments_90d)
        )
    if cash_flow.gambling_share_90d > rules.max_gambling_share:
        share = round(cash_flow.gambling_share_90d, 4)
        hits.append(_hit(policy, RuleCode.GAMBLING_SPEND, share=share))
    if cash_flow.bnpl_providers_60d > rules.max_bnpl_providers_60d:
        hits.append(_hit(policy, RuleCode.BNPL_STACKING, providers=cash_flow.bnpl_providers_60d))
    declared = bureau.declared_monthly_income if bureau is not None else None
    observed = cash_flow.monthly_income
    if declared and observed is not None:
        gap = abs(observed - declared) / declared
        if gap > rules.max_income_gap:
            hits.append(_hit(policy, RuleCode.INCOME_MISMATCH, gap=round(gap, 4)))
    return hits


def assess(
    amount: Money,
    *,
    band: ScoreBand | None,
    cash_flow: CashFlowSummary | None,
    bureau: BureauReport | None,
    policy: Policy,
    today: date,
) -> Affordability:
    """Affordability of the most affordable plan the policy offers for `amount` (the lowest
    monthly-equivalent instalment); each offer is tested again on its own instalment."""
    plans = candidate_offers(amount, band, policy, today=today, application_id="assessment")
    if not plans:  # an amount no product takes: assess it as pay-in-4, the shortest plan
        plans = [pay_in_4(amount, today=today, application_id="assessment")]
    instalment = min((p.monthly_equivalent for p in plans), key=lambda m: m.amount)
    return assess_affordability(figures_from(cash_flow, bureau), instalment, policy.affordability)


def decide(inputs: DecisionInputs, policy: Policy) -> PolicyOutcome:
    """The outcome of one application under `policy` (see the module docstring).

    Raises:
        ValueError: no rule declines and there is no model score to decide on.
    """
    today, amount = inputs.today, inputs.amount
    hits = [
        *customer_rules(inputs.applicant, amount, policy, today),
        *fraud_rules(inputs.fraud, policy),
        *bureau_rules(
            inputs.bureau,
            policy,
            today,
            profile_country=inputs.applicant.country,
            has_bank_data=inputs.cash_flow is not None,
        ),
        *exposure_rules(inputs.exposure, amount, policy),
        *payment_history_rules(inputs.payment_history, policy),
        *bank_rules(inputs.cash_flow, inputs.bureau, policy),
    ]
    score = inputs.score
    band = policy.band_for(score.probability_bad) if score is not None else None
    limit = available = None
    if band is not None and amount.currency == policy.currency:
        limit_minor = band.credit_limit
        if not inputs.bureau.file_present:
            limit_minor = min(limit_minor, policy.hard_rules.thin_file_limit)
        limit = Money(limit_minor, amount.currency)
        available = Money(max(0, limit_minor - inputs.exposure.outstanding.amount), policy.currency)
        lends = Outcome.APPROVED in (band.outcome, band.outcome_with_bank_data)
        over = amount.amount > available.amount
        if lends and over and not any(h.code is RuleCode.EXPOSURE_LIMIT for h in hits):
            hits.append(
                _hit(policy, RuleCode.EXPOSURE_LIMIT, total=amount.amount, limit=available.amount)
            )
    affordability = assess(
        amount,
        band=band,
        cash_flow=inputs.cash_flow,
        bureau=inputs.bureau,
        policy=policy,
        today=today,
    )
    hits.extend(_hit(policy, RuleCode(code)) for code in affordability.failures)
    hits = _dedupe(hits)
    outcome = _outcome(hits, band, inputs)
    ranked = [h.code.value for h in hits if h.action is Action.DECLINE] + [
        h.code.value for h in hits if h.action is Action.REFER
    ]
    reasons: tuple[Reason, ...] = ()
    if outcome is not Outcome.APPROVED:
        reasons = select_reasons(
            ranked,
            score.factors if score is not None else (),
            describe=policy.describe,
            fallback=SCORE_DECLINE if outcome is Outcome.DECLINED else SCORE_REFER,
        )
    lending = outcome is not Outcome.DECLINED
    return PolicyOutcome(
        outcome=outcome,
        band=band.band if band is not None else None,
        limit=limit if lending else None,
        available=available if lending else None,
        reasons=reasons,
        affordability=affordability,
        policy_version=policy.version,
        hits=tuple(hits),
        probability_bad=score.probability_bad if score is not None else None,
        model_version=score.model_version if score is not None else None,
    )


def _dedupe(hits: list[RuleHit]) -> list[RuleHit]:
    seen: set[RuleCode] = set()
    unique = []
    for hit in hits:
        if hit.code not in seen:
            seen.add(hit.code)
            unique.append(hit)
    return unique


def _outcome(hits: Sequence[RuleHit], band: ScoreBand | None, inputs: DecisionInputs) -> Outcome:
    if any(h.action is Action.DECLINE for h in hits):
        return Outcome.DECLINED
    if any(h.code is RuleCode.NO_CREDIT_FILE for h in hits):
        return Outcome.REFERRED
    if band is None:
        raise ValueError("no rule declines, so the decision needs the model's score")
    if band.outcome is Outcome.DECLINED:
        return Outcome.DECLINED if inputs.bureau.file_present else Outcome.REFERRED
    if any(h.action is Action.REFER for h in hits):
        return Outcome.REFERRED
    if band.outcome_with_bank_data is not None and inputs.cash_flow is not None:
        return band.outcome_with_bank_data
    return band.outcome
