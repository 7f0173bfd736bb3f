"""What the credit service counts where it happens: each screening step run (its duration and
whether it errored) and each charge and refund the card network is asked for."""

from __future__ import annotations

import itertools

import pytest

from services.credit.payments.metered import MeteredPaymentProvider
from services.credit.payments.provider import NoCardNetwork, SandboxPaymentProvider
from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.runner import Workflow
from services.shared.errors import DependencyFailure, ValidationError
from services.shared.metrics import RecordingMetrics
from services.shared.money import Money
from tests.unit.services.credit.workflow.fakes import NOW, POLICY, customer, screening, sources
from tests.unit.services.credit.workflow.test_runner import ALL_STEPS

GBP = Money(2_500, "GBP")


def workflow(metrics: RecordingMetrics, **overrides) -> Workflow:
    ticks = itertools.count(step=0.002)  # every reading of the timer is 2 ms later
    return Workflow(
        sources=sources(**overrides),
        policy=POLICY,
        retry=RetryPolicy(attempts=2),
        sleep=lambda _: None,
        jitter=lambda: 1.0,
        timer=lambda: next(ticks),
        metrics=metrics,
    )


class TestScreeningSteps:
    def test_each_step_run_is_one_event_with_its_duration_and_no_error(self):
        metrics = RecordingMetrics()
        workflow(metrics).run(screening())
        assert sorted(e.dimensions["step"] for e in metrics.events) == sorted(ALL_STEPS)
        assert metrics.total("ScreeningSteps") == len(ALL_STEPS)
        assert metrics.total("ScreeningStepErrors") == 0
        assert metrics.values("ScreeningStepDuration", step="FraudDetection") == [
            pytest.approx(2.0)
        ]

    def test_a_failed_check_is_the_applicants_outcome_not_an_error(self):
        metrics = RecordingMetrics()
        run = workflow(metrics).run(screening(customer=customer("decline")))
        assert run.rejected
        assert metrics.total("ScreeningStepErrors") == 0
        assert metrics.total("ScreeningSteps") == 4  # Reject is the runner's, not a step run

    def test_a_dependency_down_is_an_error_of_its_step(self):
        metrics = RecordingMetrics()
        workflow(metrics, bureau=SandboxBureau(today=NOW.date, outage=True)).run(screening())
        assert metrics.total("ScreeningStepErrors") == 1
        assert metrics.total("ScreeningStepErrors", step="CheckExternalCreditReport") == 1


class TestMoneyMovements:
    def outcomes(self, metrics: RecordingMetrics) -> list[tuple[str, float, float]]:
        return [
            (
                e.dimensions["operation"],
                e.value("MoneyMovementDeclines") or 0,
                e.value("MoneyMovementFailures") or 0,
            )
            for e in metrics.events
        ]

    def test_a_charge_and_its_refund_are_two_movements(self):
        metrics = RecordingMetrics()
        provider = MeteredPaymentProvider(SandboxPaymentProvider(), metrics)
        charge = provider.charge(token="tok_visa", amount=GBP, idempotency_key="k")
        provider.refund(charge_id=charge.id, amount=GBP, idempotency_key="r")
        assert provider.find_charge(idempotency_key="k") == charge  # a lookup moves nothing
        assert self.outcomes(metrics) == [("charge", 0, 0), ("refund", 0, 0)]
        assert metrics.total("MoneyMovements") == 2

    def test_a_declined_card_or_an_unknown_token_is_a_decline(self):
        metrics = RecordingMetrics()
        provider = MeteredPaymentProvider(SandboxPaymentProvider(), metrics)
        assert not provider.charge(token="tok_declined", amount=GBP, idempotency_key="d").succeeded
        with pytest.raises(ValidationError):
            provider.charge(token="tok_nope", amount=GBP, idempotency_key="u")
        assert self.outcomes(metrics) == [("charge", 1, 0), ("charge", 1, 0)]

    def test_a_network_that_cannot_be_reached_is_a_failure(self):
        metrics = RecordingMetrics()
        provider = MeteredPaymentProvider(NoCardNetwork(), metrics)
        with pytest.raises(DependencyFailure):
            provider.charge(token="tok_visa", amount=GBP, idempotency_key="k")
        with pytest.raises(DependencyFailure):
            provider.refund(charge_id="ch_1", amount=GBP, idempotency_key="r")
        assert self.outcomes(metrics) == [("charge", 0, 1), ("refund", 0, 1)]
