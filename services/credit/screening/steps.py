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
from dataclasses import dataclass
from typing import Any

from services.credit.policy.decision import (
    Applicant,
    DecisionInputs,
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
from services.credit.policy.offers import make_offers
from services.credit.policy.rules import Action, Outcome, RuleCode
from services.credit.screening import shadow
from services.credit.screening.checks.affordability import summarise_bank_data
from services.credit.screening.checks.fraud import FraudSubject
from services.credit.screening.features import model_features
from services.credit.screening.state import (
    Read,
    Screening,
    Sources,
    StepContext,
    StepStatus,
    Verdict,
)


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


EXPOSURE = Read(
    "exposure",
    lambda s, sources: sources.exposure.exposure(
        s.customer_id,
        currency=s.amount.currency,
        approvals=s.prior.open_approvals(currency=s.amount.currency, now=s.now),
    ),
)
PAYMENT_HISTORY = Read(
    "payment_history",
    lambda s, sources: sources.payment_history.payment_history(s.customer_id, today=s.today),
)


def check_internal_exposure(screening: Screening, ctx: StepContext) -> Verdict:
    """What the customer already owes us, this order included, against the hard limits."""
    exposure, attempts = ctx.read(screening, EXPOSURE)
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
    signals = ctx.sources.fraud.check(subject, prior=screening.prior, now=screening.now)
    screening.fraud = signals
    return _judge(screening, fraud_rules(signals, ctx.policy), **signals.to_json())


def ongoing_loan_checks(screening: Screening, ctx: StepContext) -> Verdict:
    """Instalments overdue with us right now (runs beside PaymentHistory)."""
    history, attempts = ctx.read(screening, PAYMENT_HISTORY)
    hits = [
        h for h in payment_history_rules(history, ctx.policy) if h.code is RuleCode.OVERDUE_WITH_US
    ]
    return _judge(
        screening, hits, attempts=attempts, overdueInstalments=history.overdue_instalments
    )


def payment_history(screening: Screening, ctx: StepContext) -> Verdict:
    """Late or missed instalments with us in the last 12 months (runs beside OngoingLoanChecks)."""
    history, attempts = ctx.read(screening, PAYMENT_HISTORY)
    screening.payment_history = history
    hits = [
        h for h in payment_history_rules(history, ctx.policy) if h.code is RuleCode.LATE_PAYMENTS
    ]
    return _judge(screening, hits, attempts=attempts, **history.to_json())


@dataclass(frozen=True)
class Scored:
    """The model's answer and the instance it was given (kept as evidence: drift monitoring
    compares the instances decided on with the training data)."""

    score: Score
    features: Mapping[str, float | str | None]


def _score(screening: Screening, sources: Sources) -> Scored:
    assert screening.bureau is not None  # the bureau's step passed before the model is asked
    features = model_features(
        customer=screening.customer,
        checkout=screening.checkout,
        bureau=screening.bureau,
        bank=screening.cash_flow,
    )
    return Scored(score=sources.scorer.score(features), features=features)


# The model's answer, once its features (the profile, the checkout, the bureau's file and the
# bank data) are all known.
SCORE = Read("score", _score, after="CheckExternalCreditReport")


def final_decision(screening: Screening, ctx: StepContext) -> Verdict:
    """Scores the applicant, applies the whole policy, and makes the offers of an approval."""
    # The earlier steps passed, so each of them recorded what it read.
    assert screening.bureau is not None
    assert screening.fraud is not None
    assert screening.exposure is not None
    assert screening.payment_history is not None
    scored, attempts = ctx.read(screening, SCORE)
    score = scored.score
    inputs = DecisionInputs(
        applicant=Applicant.from_customer(screening.customer),
        amount=screening.amount,
        bureau=screening.bureau,
        cash_flow=screening.cash_flow,
        fraud=screening.fraud,
        exposure=screening.exposure,
        payment_history=screening.payment_history,
        score=score,
        today=screening.today,
    )
    outcome = decide(inputs, ctx.policy)
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
    screening.challenger = shadow.pending(scored.features, inputs, ctx)
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
            "features": dict(scored.features),
        },
    )


Step = Callable[[Screening, StepContext], Verdict]

# Each step by the name of its state in `prescreening.asl.json`, which orders them, runs two of
# them side by side and routes a failed check to Reject (`definition.workflow_shape`).
STEPS: Mapping[str, Step] = {
    "ValidateCustomerInformation": validate_customer_information,
    "ValidateBankStatements": validate_bank_statements,
    "ValidateFinancialStatements": validate_financial_statements,
    "CheckExternalCreditReport": check_external_credit_report,
    "CheckInternalExposure": check_internal_exposure,
    "FraudDetection": fraud_detection,
    "OngoingLoanChecks": ongoing_loan_checks,
    "PaymentHistory": payment_history,
    "FinalDecision": final_decision,
}
# What a run reads before its steps ask: our own records from the start, the model's score once
# its features are known. These leave no trace. The bureau and the bank are asked only when
# their step comes: a search marks the applicant's credit file, and a bank read is made under
# their consent.
READ_AHEAD: tuple[Read[Any], ...] = (EXPOSURE, PAYMENT_HISTORY, SCORE)
