"""The runner: step order, parallel steps, Reject, and ERROR (undecided) against FAILED."""

from __future__ import annotations

import itertools
import threading

import pytest

from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.exposure import InMemoryExposure
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.runner import Workflow
from services.credit.screening.state import StepStatus
from services.shared.errors import DependencyFailure, InvalidState
from tests.unit.services.credit.workflow.fakes import (
    NOW,
    POLICY,
    BarrierExposure,
    BarrierHistory,
    FakeBank,
    FakeScorer,
    customer,
    screening,
    sources,
)

ALL_STEPS = [
    "ValidateCustomerInformation",
    "ValidateBankStatements",
    "ValidateFinancialStatements",
    "CheckExternalCreditReport",
    "CheckInternalExposure",
    "FraudDetection",
    "OngoingLoanChecks",
    "PaymentHistory",
    "FinalDecision",
]


def workflow(**overrides) -> Workflow:
    ticks = itertools.count(step=0.002)  # every reading of the timer is 2 ms later
    return Workflow(
        sources=sources(**overrides),
        policy=POLICY,
        retry=RetryPolicy(attempts=3),
        sleep=lambda _: None,
        jitter=lambda: 1.0,
        timer=lambda: next(ticks),
    )


def test_an_approval_runs_every_step_in_order_and_makes_offers():
    run = workflow().run(screening())
    assert [s.name for s in run.steps] == ALL_STEPS
    assert run.outcome is not None
    assert run.outcome.outcome.value == "APPROVED"
    assert run.offers
    assert not run.rejected
    assert all(s.duration_ms >= 0 for s in run.steps)
    statuses = {s.name: s.status for s in run.steps}
    assert statuses["ValidateBankStatements"] is StepStatus.SKIPPED
    assert statuses["FinalDecision"] is StepStatus.PASSED


def test_a_run_with_a_consent_reads_the_bank_and_assesses_it():
    run = workflow().run(screening(bank_consent_id="consent-1"))
    statuses = {s.name: s.status for s in run.steps}
    assert statuses["ValidateBankStatements"] is StepStatus.PASSED
    assert statuses["ValidateFinancialStatements"] is StepStatus.PASSED
    assert run.outcome is not None
    assert run.outcome.affordability.source.value == "BANK_DATA"


def test_a_failed_step_goes_to_reject_and_runs_nothing_after_it():
    scorer = FakeScorer()
    run = workflow(scorer=scorer).run(screening(customer=customer("decline")))
    assert [s.name for s in run.steps] == [*ALL_STEPS[:4], "Reject"]
    assert run.steps[3].status is StepStatus.FAILED
    assert run.rejected
    assert run.outcome is not None
    assert run.outcome.outcome.value == "DECLINED"
    assert [r.code for r in run.outcome.reasons] == ["RECENT_DEFAULT"]
    assert run.outcome.affordability is not None  # assessed on every decision
    assert scorer.calls == 0
    assert run.steps[-1].detail == {
        "reasons": ["RECENT_DEFAULT"],
        "event": "CreditApplicationRejected",
    }


def test_a_decline_by_the_final_decision_goes_to_reject_with_the_models_reasons():
    run = workflow(scorer=FakeScorer(probability_bad=0.95)).run(screening())
    assert [s.name for s in run.steps] == [*ALL_STEPS, "Reject"]
    assert run.rejected
    assert run.outcome is not None
    assert [r.code for r in run.outcome.reasons] == ["HIGH_EXPENSES_TO_INCOME"]


def test_a_referral_is_decided_without_reject():
    run = workflow().run(screening(customer=customer("thin")))
    assert run.outcome is not None
    assert run.outcome.outcome.value == "REFERRED"
    assert not run.rejected
    assert next(r.code for r in run.outcome.reasons) == "NO_CREDIT_FILE"


def test_a_dependency_down_is_an_error_not_a_failure_and_leaves_the_run_undecided():
    bureau = SandboxBureau(today=NOW.date, outage=True)
    run = workflow(bureau=bureau).run(screening())
    assert [s.name for s in run.steps] == ALL_STEPS[:4]
    error = run.steps[-1]
    assert error.status is StepStatus.ERROR
    assert error.detail["error"] == "DependencyFailure"
    assert run.outcome is None
    assert isinstance(run.error, DependencyFailure)
    assert not run.rejected
    assert bureau.calls == 3  # retried before giving up


def test_a_refusal_by_a_dependency_stops_the_run_with_that_error():
    bank = FakeBank(error=InvalidState("The consent is REVOKED"))
    run = workflow(bank=bank).run(screening(bank_consent_id="revoked"))
    assert run.steps[-1].status is StepStatus.ERROR
    assert run.steps[-1].detail["error"] == "InvalidState"
    assert isinstance(run.error, InvalidState)


def test_an_unexpected_exception_is_an_error_without_internals():
    class Broken:
        def exposure(self, customer_id, *, currency, approvals):
            raise RuntimeError("secret internals")

    run = workflow(exposure=Broken()).run(screening())
    assert run.steps[-1].detail == {"error": "InternalError"}
    assert isinstance(run.error, RuntimeError)


def test_the_internal_reads_are_made_at_the_same_time_and_once_each():
    # Exposure and payment history wait at one two-party barrier: read one after the other
    # (each when its step comes), the first would time out.
    barrier = threading.Barrier(2, timeout=10)
    history = BarrierHistory(barrier)
    run = workflow(exposure=BarrierExposure(barrier), payment_history=history).run(screening())
    parallel = [s for s in run.steps if s.name in ("OngoingLoanChecks", "PaymentHistory")]
    assert [s.status for s in parallel] == [StepStatus.PASSED, StepStatus.PASSED]
    assert run.outcome is not None
    assert history.calls == 1  # both parallel steps judge the one read


def test_the_model_is_asked_beside_the_internal_reads_once_its_features_are_known():
    # The scorer and the exposure read wait at one barrier: asked at FinalDecision, after
    # exposure's step took its read, the scorer would wait alone and time out.
    barrier = threading.Barrier(2, timeout=10)

    class WaitingScorer(FakeScorer):
        def score(self, features):
            barrier.wait()
            return super().score(features)

    scorer = WaitingScorer()
    run = workflow(exposure=BarrierExposure(barrier), scorer=scorer).run(screening())
    assert run.outcome is not None
    assert run.outcome.outcome.value == "APPROVED"
    assert scorer.calls == 1


def test_an_early_decline_never_asks_the_bureau_or_the_bank():
    # A search marks the applicant's credit file and a bank read uses their consent: neither
    # is made ahead of its step, so an applicant declined before it is never searched.
    bureau, bank = SandboxBureau(today=NOW.date), FakeBank()
    underage = customer(dateOfBirth="2015-01-01")
    run = workflow(bureau=bureau, bank=bank).run(
        screening(customer=underage, bank_consent_id="consent-1")
    )
    assert [s.name for s in run.steps] == ["ValidateCustomerInformation", "Reject"]
    assert (bureau.calls, bank.calls) == (0, 0)


def test_a_failure_in_a_parallel_step_goes_to_reject_after_both_finish():
    exposure = InMemoryExposure()
    from services.credit.screening.checks.exposure import InMemoryPaymentHistory, PaymentHistory

    history = InMemoryPaymentHistory({"sandbox-approve": PaymentHistory(overdue_instalments=2)})
    run = workflow(exposure=exposure, payment_history=history).run(screening())
    assert [s.name for s in run.steps] == [*ALL_STEPS[:8], "Reject"]
    assert run.outcome is not None
    assert [r.code for r in run.outcome.reasons] == ["OVERDUE_WITH_US"]


@pytest.mark.parametrize("failures", [0, 1, 2])
def test_a_flaky_scorer_is_retried_within_the_step(failures):
    run = workflow(scorer=FakeScorer(failures=failures)).run(screening())
    final = run.steps[-1]
    assert final.status is StepStatus.PASSED
    assert final.detail["attempts"] == failures + 1


def test_a_decision_json_holds_the_evidence_and_every_step():
    run = workflow().run(screening())
    decision = run.decision_json(decided_at=NOW)
    assert decision["decidedAt"] == "2026-11-30T12:00:00.000Z"
    assert decision["policyVersion"] == POLICY.version
    assert [s["name"] for s in decision["steps"]] == ALL_STEPS
    assert decision["affordability"]["instalmentToDisposableIncome"] is not None
    assert decision["modelVersion"] == "credit-test"
