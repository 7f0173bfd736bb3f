"""The screening steps: each reads what it needs, records what it found, and says whether the
applicant passed.

A step answers a `Verdict`: PASSED (possibly with refer-level rule hits, which the final decision
weighs), FAILED (a rule that declines: the workflow goes to Reject) or SKIPPED (nothing to check,
e.g. no bank consent). A dependency that stays down after its retries raises; the runner records
the step as ERROR. The rules themselves are the policy's (`services.credit.policy.decision`), so a
step and the final decision can never disagree about what a rule means.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from services.credit.policy.decision import (
    Applicant,
    DecisionInputs,
    PolicyOutcome,
    RuleHit,
    Score,
    assess,
    bank_rules,
    bureau_rules,
    customer_rules,
    decide,
    exposure_rules,
    fraud_rules,
    payment_history_rules,
)
from services.credit.policy.offers import Offer, make_offers
from services.credit.policy.rules import Action, Outcome, Policy, RuleCode
from services.credit.screening.checks.affordability import CashFlowSummary, summarise_bank_data
from services.credit.screening.checks.bureau import BureauReport, CreditBureau
from services.credit.screening.checks.exposure import (
    Exposure,
    ExposureSource,
    PaymentHistory,
    PaymentHistorySource,
)
from services.credit.screening.checks.fraud import FraudCheck, FraudSignals, FraudSubject
from services.credit.screening.features import model_features
from services.credit.screening.retry import RetryPolicy, call_with_retries
from services.shared.money import Money

T = TypeVar("T")


class StepStatus(StrEnum):
    """The API's `StepStatus`."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """What a step concluded, and the evidence it records (`detail`, JSON-ready)."""

    status: StepStatus
    detail: Mapping[str, Any] = field(default_factory=dict)


class BankStatements(Protocol):
    """What a consent let us read (`services.credit.adapters.bank_data.BankData`)."""

    @property
    def transactions(self) -> Sequence[Mapping[str, Any]] | None: ...

    @property
    def balances(self) -> Sequence[Mapping[str, Any]] | None: ...


class BankDataReader(Protocol):
    """Reads the customer's bank data under a consent (the user service's client)."""

    def bank_data(self, *, authorization: str, consent_id: str) -> BankStatements:
        """Raises DependencyFailure when the user service fails; NotFound or InvalidState when
        the consent is not the customer's or does not allow the read."""
        ...


class Scorer(Protocol):
    """The credit model (`services.credit.adapters.scoring.ScoringClient`)."""

    def score(self, features: Mapping[str, float | str | None]) -> Score:
        """Raises DependencyFailure when the endpoint fails."""
        ...


@dataclass(frozen=True, kw_only=True)
class Sources:
    """The steps' data sources, each behind the interface a production adapter implements."""

    bureau: CreditBureau
    bank: BankDataReader
    exposure: ExposureSource
    payment_history: PaymentHistorySource
    fraud: FraudCheck
    scorer: Scorer


@dataclass(kw_only=True)
class Screening:
    """One run of the workflow: what the application is, and what the steps found so far.

    Attributes:
        customer: the user service's `Customer` JSON (verified).
        checkout: the `Checkout` JSON.
        authorization: the customer's `Authorization` value, forwarded to the user service.
    """

    application_id: str
    customer: Mapping[str, Any]
    checkout: Mapping[str, Any]
    amount: Money
    authorization: str
    bank_consent_id: str | None
    device_id: str | None
    source_ip: str | None
    now: datetime
    cash_flow: CashFlowSummary | None = None
    bureau: BureauReport | None = None
    exposure: Exposure | None = None
    payment_history: PaymentHistory | None = None
    fraud: FraudSignals | None = None
    hits: list[RuleHit] = field(default_factory=list)
    outcome: PolicyOutcome | None = None
    offers: list[Offer] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def customer_id(self) -> str:
        return str(self.customer["id"])


@dataclass(frozen=True, kw_only=True)
class StepContext:
    """What every step may use besides the screening: sources, policy and retry settings."""

    sources: Sources
    policy: Policy
    retry: RetryPolicy
    sleep: Callable[[float], None]
    jitter: Callable[[], float]

    def call(self, call: Callable[[], T]) -> tuple[T, int]:
        """A dependency call with bounded retries: its result and the tries it took."""
        attempted = call_with_retries(call, policy=self.retry, sleep=self.sleep, jitter=self.jitter)
        return attempted.value, attempted.attempts


def _judge(screening: Screening, hits: Sequence[RuleHit], **detail: Any) -> Verdict:
    """FAILED when a hit declines; else PASSED. Hits are kept for the final decision."""
    screening.hits.extend(hits)
    failed = any(hit.action is Action.DECLINE for hit in hits)
    return Verdict(
        status=StepStatus.FAILED if failed else StepStatus.PASSED,
        detail={**detail, "rules": [hit.to_json() for hit in hits]},
    )


def validate_customer_information(screening: Screening, ctx: StepContext) -> Verdict:
    """Age, identity, country and currency (the profile is verified before the run starts)."""
    applicant = Applicant.from_customer(screening.customer)
    hits = customer_rules(applicant, screening.amount, ctx.policy, screening.today)
    return _judge(
        screening,
        hits,
        verificationStatus=screening.customer.get("verificationStatus"),
        amount=screening.amount.to_json(),
    )


def validate_bank_statements(screening: Screening, ctx: StepContext) -> Verdict:
    """Reads the bank data under the customer's consent and summarises its cash flow."""
    consent_id = screening.bank_consent_id
    if consent_id is None:
        return Verdict(status=StepStatus.SKIPPED, detail={"reason": "no bankConsentId given"})
    data, attempts = ctx.call(
        lambda: ctx.sources.bank.bank_data(
            authorization=screening.authorization, consent_id=consent_id
        )
    )
    summary = summarise_bank_data(
        transactions=data.transactions or (),
        balances=data.balances or (),
        today=screening.today,
        currency=screening.amount.currency,
    )
    screening.cash_flow = summary
    hits = bank_rules(summary, None, ctx.policy)
    return _judge(
        screening, hits, consentId=consent_id, attempts=attempts, cashFlow=summary.to_json()
    )


def validate_financial_statements(screening: Screening, ctx: StepContext) -> Verdict:
    """Affordability on the bank data's figures (FCA CONC 5.2A); with none, FinalDecision
    assesses it on the bureau's figures."""
    if screening.cash_flow is None:
        return Verdict(
            status=StepStatus.SKIPPED,
            detail={"reason": "no bank data: assessed on the bureau's figures at FinalDecision"},
        )
    affordability = assess(
        screening.amount,
        band=None,
        cash_flow=screening.cash_flow,
        bureau=None,
        policy=ctx.policy,
        today=screening.today,
    )
    hits = [
        RuleHit(code=RuleCode(code), action=ctx.policy.action(RuleCode(code)))
        for code in affordability.failures
    ]
    return _judge(screening, hits, affordability=affordability.to_json())


def check_external_credit_report(screening: Screening, ctx: StepContext) -> Verdict:
    """A soft search at the credit bureau: defaults, CCJs, insolvency, residence, a file."""
    report, attempts = ctx.call(lambda: ctx.sources.bureau.report(screening.customer))
    screening.bureau = report
    applicant = Applicant.from_customer(screening.customer)
    hits = bureau_rules(
        report,
        ctx.policy,
        screening.today,
        profile_country=applicant.country,
        has_bank_data=screening.cash_flow is not None,
    )
    return _judge(
        screening,
        hits,
        attempts=attempts,
        bureau=report.bureau,
        reference=report.reference,
        filePresent=report.file_present,
        score=report.score,
        derogatories=len(report.derogatories),
        activeCreditCount=report.active_credit_count,
    )


def check_internal_exposure(screening: Screening, ctx: StepContext) -> Verdict:
    """What the customer already owes us, this order included, against the hard limits."""
    exposure, attempts = ctx.call(
        lambda: ctx.sources.exposure.exposure(
            screening.customer_id, currency=screening.amount.currency
        )
    )
    screening.exposure = exposure
    hits = exposure_rules(exposure, screening.amount, ctx.policy)
    return _judge(screening, hits, attempts=attempts, **exposure.to_json())


def fraud_detection(screening: Screening, ctx: StepContext) -> Verdict:
    """Blocklist, application velocity (customer, device, IP), disposable e-mail domains."""
    subject = FraudSubject(
        application_id=screening.application_id,
        customer_id=screening.customer_id,
        email=screening.customer.get("email"),
        phone=screening.customer.get("phone"),
        device_id=screening.device_id,
        ip=screening.source_ip,
    )
    signals, attempts = ctx.call(lambda: ctx.sources.fraud.check(subject, now=screening.now))
    screening.fraud = signals
    return _judge(
        screening, fraud_rules(signals, ctx.policy), attempts=attempts, **signals.to_json()
    )


def _history(screening: Screening, ctx: StepContext) -> tuple[PaymentHistory, int]:
    return ctx.call(
        lambda: ctx.sources.payment_history.payment_history(
            screening.customer_id, today=screening.today
        )
    )


def ongoing_loan_checks(screening: Screening, ctx: StepContext) -> Verdict:
    """Instalments overdue with us right now (runs beside PaymentHistory)."""
    history, attempts = _history(screening, ctx)
    hits = [
        h for h in payment_history_rules(history, ctx.policy) if h.code is RuleCode.OVERDUE_WITH_US
    ]
    return _judge(
        screening, hits, attempts=attempts, overdueInstalments=history.overdue_instalments
    )


def payment_history(screening: Screening, ctx: StepContext) -> Verdict:
    """Late or missed instalments with us in the last 12 months (runs beside OngoingLoanChecks)."""
    history, attempts = _history(screening, ctx)
    screening.payment_history = history
    hits = [
        h for h in payment_history_rules(history, ctx.policy) if h.code is RuleCode.LATE_PAYMENTS
    ]
    return _judge(screening, hits, attempts=attempts, **history.to_json())


def final_decision(screening: Screening, ctx: StepContext) -> Verdict:
    """Scores the applicant, applies the whole policy, and makes the offers of an approval."""
    # The earlier steps passed, so each of them recorded what it read.
    assert screening.bureau is not None
    assert screening.fraud is not None
    assert screening.exposure is not None
    assert screening.payment_history is not None
    features = model_features(
        customer=screening.customer,
        checkout=screening.checkout,
        bureau=screening.bureau,
        bank=screening.cash_flow,
    )
    score, attempts = ctx.call(lambda: ctx.sources.scorer.score(features))
    outcome = decide(
        DecisionInputs(
            applicant=Applicant.from_customer(screening.customer),
            amount=screening.amount,
            bureau=screening.bureau,
            cash_flow=screening.cash_flow,
            fraud=screening.fraud,
            exposure=screening.exposure,
            payment_history=screening.payment_history,
            score=score,
            today=screening.today,
        ),
        ctx.policy,
    )
    screening.outcome = outcome
    if outcome.outcome is Outcome.APPROVED and outcome.band is not None:
        screening.offers = make_offers(
            screening.amount,
            ctx.policy.band_named(outcome.band),
            ctx.policy,
            screening.today,
            outcome.affordability,
            application_id=screening.application_id,
            available=outcome.available,
        )
    status = StepStatus.FAILED if outcome.outcome is Outcome.DECLINED else StepStatus.PASSED
    return Verdict(
        status=status,
        detail={
            "attempts": attempts,
            "outcome": outcome.outcome.value,
            "band": outcome.band,
            "modelVersion": score.model_version,
            "probabilityBad": score.probability_bad,
            "points": score.points,
            "factors": [f.code for f in score.factors if f.impact > 0][:4],
            "offers": len(screening.offers),
        },
    )


Step = Callable[[Screening, StepContext], Verdict]

SEQUENCE: tuple[tuple[str, Step], ...] = (
    ("ValidateCustomerInformation", validate_customer_information),
    ("ValidateBankStatements", validate_bank_statements),
    ("ValidateFinancialStatements", validate_financial_statements),
    ("CheckExternalCreditReport", check_external_credit_report),
    ("CheckInternalExposure", check_internal_exposure),
    ("FraudDetection", fraud_detection),
)
PARALLEL: tuple[tuple[str, Step], ...] = (
    ("OngoingLoanChecks", ongoing_loan_checks),
    ("PaymentHistory", payment_history),
)
FINAL: tuple[str, Step] = ("FinalDecision", final_decision)
