"""Each screening step alone, over fakes of its data sources: what it reads and concludes."""

from __future__ import annotations

from typing import Any

import pytest

from services.credit.screening import steps
from services.credit.screening.checks.bureau import BureauUnavailable, SandboxBureau
from services.credit.screening.checks.exposure import (
    InMemoryExposure,
    InMemoryPaymentHistory,
    PaymentHistory,
)
from services.credit.screening.checks.prior import (
    PriorApplication,
    PriorApplications,
    VelocityKey,
)
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.runner import SHAPE
from services.credit.screening.state import Screening, StepContext, StepStatus
from services.shared.errors import DependencyFailure, InvalidState
from tests.unit.services.credit.workflow.fakes import (
    NOW,
    POLICY,
    FakeBank,
    FakeScorer,
    customer,
    salaried_statements,
    screening,
    sources,
)


def context(**overrides) -> StepContext:
    return StepContext(
        sources=sources(**overrides),
        policy=POLICY,
        retry=RetryPolicy(attempts=3),
        sleep=lambda _: None,
        jitter=lambda: 1.0,
    )


def codes(verdict) -> list[str]:
    return [rule["code"] for rule in verdict.detail["rules"]]


@pytest.mark.parametrize(
    ("changes", "status", "rules"),
    [
        ({}, StepStatus.PASSED, []),
        ({"dateOfBirth": "2010-01-01"}, StepStatus.FAILED, ["UNDER_AGE"]),
        ({"dateOfBirth": None}, StepStatus.PASSED, ["IDENTITY_INCOMPLETE"]),  # refers later
        ({"address": {"country": "FR"}}, StepStatus.FAILED, ["UNSUPPORTED_COUNTRY"]),
    ],
)
def test_validate_customer_information(changes, status, rules):
    s = screening(customer=customer(**changes))
    verdict = steps.validate_customer_information(s, context())
    assert verdict.status is status
    assert codes(verdict) == rules
    assert [h.code.value for h in s.hits] == rules


def test_validate_customer_information_declines_an_amount_too_small_to_spread():
    verdict = steps.validate_customer_information(screening(amount=500), context())
    assert (verdict.status, codes(verdict)) == (StepStatus.FAILED, ["AMOUNT_BELOW_MINIMUM"])


def test_bank_statements_are_skipped_without_a_consent():
    bank = FakeBank()
    verdict = steps.validate_bank_statements(screening(), context(bank=bank))
    assert verdict.status is StepStatus.SKIPPED
    assert bank.calls == 0


def test_bank_statements_are_summarised_under_the_consent():
    s = screening(bank_consent_id="consent-1")
    verdict = steps.validate_bank_statements(s, context())
    assert verdict.status is StepStatus.PASSED
    assert s.cash_flow is not None
    assert s.cash_flow.monthly_income == 300_000
    assert verdict.detail["cashFlow"]["monthlyIncome"] == 300_000
    assert verdict.detail["attempts"] == 1


def test_bank_statements_with_gambling_fail_the_applicant():
    gambling = salaried_statements()
    transactions = [
        *(gambling.transactions or []),
        *(
            {
                **tx,
                "TransactionId": f"bet-{i}",
                "CreditDebitIndicator": "Debit",
                "Amount": {"Amount": 90_000, "Currency": "GBP"},
                "TransactionInformation": "BET365 STAKE",
                "MerchantDetails": {"MerchantCategoryCode": "7995", "MerchantName": "Bet365"},
                "ProprietaryBankTransactionCode": {"Code": "POS"},
            }
            for i, tx in enumerate((gambling.transactions or [])[::2])
        ),
    ]
    bank = FakeBank(statements=type(gambling)(transactions=transactions, balances=[]))
    verdict = steps.validate_bank_statements(
        screening(bank_consent_id="consent-1"), context(bank=bank)
    )
    assert verdict.status is StepStatus.FAILED
    assert "GAMBLING_SPEND" in codes(verdict)


def test_a_refused_consent_is_not_retried():
    bank = FakeBank(error=InvalidState("The consent is REVOKED"))
    with pytest.raises(InvalidState):
        steps.validate_bank_statements(screening(bank_consent_id="c"), context(bank=bank))
    assert bank.calls == 1


def test_a_user_service_outage_is_retried_then_raised():
    bank = FakeBank(error=DependencyFailure("The user service is unavailable"))
    with pytest.raises(DependencyFailure):
        steps.validate_bank_statements(screening(bank_consent_id="c"), context(bank=bank))
    assert bank.calls == 3


def test_financial_statements_need_bank_data():
    verdict = steps.validate_financial_statements(screening(), context())
    assert verdict.status is StepStatus.SKIPPED


@pytest.mark.parametrize(
    ("salary", "rent", "status", "rules"),
    [
        (300_000, 90_000, StepStatus.PASSED, []),
        (
            100_000,
            97_000,
            StepStatus.FAILED,
            ["INSUFFICIENT_DISPOSABLE_INCOME", "INSTALMENT_TOO_HIGH"],
        ),
    ],
)
def test_financial_statements_assess_affordability_on_the_bank_data(salary, rent, status, rules):
    ctx = context(bank=FakeBank(statements=salaried_statements(salary=salary, rent=rent)))
    s = screening(bank_consent_id="c")
    steps.validate_bank_statements(s, ctx)
    verdict = steps.validate_financial_statements(s, ctx)
    assert verdict.status is status
    assert codes(verdict) == rules
    assert verdict.detail["affordability"]["source"] == "BANK_DATA"


@pytest.mark.parametrize(
    ("persona", "status", "rules"),
    [
        ("approve", StepStatus.PASSED, []),
        ("decline", StepStatus.FAILED, ["RECENT_DEFAULT"]),
        ("thin", StepStatus.PASSED, ["NO_CREDIT_FILE"]),  # refers: bank data may decide
    ],
)
def test_external_credit_report(persona, status, rules):
    s = screening(customer=customer(persona))
    verdict = steps.check_external_credit_report(s, context())
    assert verdict.status is status
    assert codes(verdict) == rules
    assert s.bureau is not None
    assert verdict.detail["bureau"] == "SandboxBureau"


def test_external_credit_report_retries_the_bureau_then_raises():
    bureau = SandboxBureau(today=NOW.date, outage=True)
    with pytest.raises(BureauUnavailable):
        steps.check_external_credit_report(screening(), context(bureau=bureau))
    assert bureau.calls == 3


@pytest.mark.parametrize(
    ("owed", "status", "rules"),
    [
        ((0, 0), StepStatus.PASSED, []),
        ((20_000, 1), StepStatus.PASSED, []),
        ((145_000, 1), StepStatus.FAILED, ["EXPOSURE_LIMIT"]),
        ((30_000, 3), StepStatus.FAILED, ["TOO_MANY_ACTIVE_PLANS"]),
    ],
)
def test_internal_exposure(owed, status, rules):
    exposure = InMemoryExposure(plans={"sandbox-approve": owed})
    s = screening()
    verdict = steps.check_internal_exposure(s, context(exposure=exposure))
    assert (verdict.status, codes(verdict)) == (status, rules)
    assert verdict.detail["activePlans"] == owed[1]


def test_fraud_detection_catches_the_blocklist():
    s = screening(customer=customer("fraud"))
    verdict = steps.fraud_detection(s, context())
    assert (verdict.status, codes(verdict)) == (StepStatus.FAILED, ["FRAUD_BLOCKLIST"])


def test_fraud_detection_counts_velocity_by_ip_without_the_application_itself():
    limit = POLICY.fraud.max_applications_per_ip_24h
    by_ip = [PriorApplication(id=f"other-{i}", created_at=NOW) for i in range(limit)]
    itself = PriorApplication(id="app_1", created_at=NOW)
    prior = PriorApplications(by_key={VelocityKey.IP: (*by_ip, itself)})
    verdict = steps.fraud_detection(screening(prior=prior), context())
    assert verdict.status is StepStatus.PASSED  # velocity refers, it does not decline
    assert codes(verdict) == ["APPLICATION_VELOCITY"]
    assert verdict.detail["ipApplications24h"] == POLICY.fraud.max_applications_per_ip_24h


@pytest.mark.parametrize(
    ("history", "loans", "payments"),
    [
        (PaymentHistory(), (StepStatus.PASSED, []), (StepStatus.PASSED, [])),
        (
            PaymentHistory(overdue_instalments=1),
            (StepStatus.FAILED, ["OVERDUE_WITH_US"]),
            (StepStatus.PASSED, []),
        ),
        (
            PaymentHistory(late_instalments_12m=3),
            (StepStatus.PASSED, []),
            (StepStatus.PASSED, ["LATE_PAYMENTS"]),
        ),
    ],
)
def test_ongoing_loans_and_payment_history(history, loans, payments):
    ctx = context(payment_history=InMemoryPaymentHistory({"sandbox-approve": history}))
    s = screening()
    loan_verdict = steps.ongoing_loan_checks(s, ctx)
    payment_verdict = steps.payment_history(s, ctx)
    assert (loan_verdict.status, codes(loan_verdict)) == loans
    assert (payment_verdict.status, codes(payment_verdict)) == payments
    assert s.payment_history == history


def _screened(ctx: StepContext, persona: str = "approve", **kwargs: Any) -> Screening:
    s = screening(customer=customer(persona), **kwargs)
    for name in SHAPE.steps[:-1]:  # all but FinalDecision
        steps.STEPS[name](s, ctx)
    return s


@pytest.mark.parametrize(
    ("probability", "outcome", "status"),
    [
        (0.05, "APPROVED", StepStatus.PASSED),
        (0.40, "REFERRED", StepStatus.PASSED),
        (0.90, "DECLINED", StepStatus.FAILED),
    ],
)
def test_final_decision_scores_and_applies_the_policy(probability, outcome, status):
    scorer = FakeScorer(probability_bad=probability)
    ctx = context(scorer=scorer)
    s = _screened(ctx)
    verdict = steps.final_decision(s, ctx)
    assert verdict.status is status
    assert verdict.detail["outcome"] == outcome
    assert s.outcome is not None
    assert s.outcome.outcome.value == outcome
    assert bool(s.offers) == (outcome == "APPROVED")
    assert verdict.detail["modelVersion"] == "credit-test"


def test_final_decision_retries_the_scoring_endpoint():
    scorer = FakeScorer(failures=2)
    ctx = context(scorer=scorer)
    verdict = steps.final_decision(_screened(ctx), ctx)
    assert (verdict.detail["attempts"], scorer.calls) == (3, 3)


def test_final_decision_offers_stay_within_affordability_and_the_limit():
    ctx = context()
    s = _screened(ctx, amount=60_000)
    steps.final_decision(s, ctx)
    assert s.outcome is not None
    limit = s.outcome.available
    assert limit is not None
    for offer in s.offers:
        assert offer.principal.amount <= limit.amount
        assert s.outcome.affordability.allows(offer.monthly_equivalent.amount, POLICY.affordability)
