"""The pre-screening definition run on a real ASL interpreter (moto's Step Functions engine, in
its own process), its Task states calling the product's step handler, ends every run as the
in-process runner does: the same outcome, the same steps in the same order with the same
statuses and evidence, the same reasons, the same error; for every persona and for the faults
the definition's Retry and Catch exist for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.exposure import InMemoryPaymentHistory, PaymentHistory
from services.credit.screening.definition import DEFINITION_PATH
from services.credit.screening.run_json import screening_to_json
from services.credit.screening.runner import SHAPE, WorkflowRun
from services.credit.screening.step_task import RunResult
from services.shared.errors import InvalidState
from tests.unit.services.credit.workflow.fakes import (
    NOW,
    FakeBank,
    FakeScorer,
    salaried_statements,
    screening,
)
from tests.unit.services.credit.workflow.test_step_task import (
    PERSONAS,
    context,
    in_process,
    same_run,
)
from tests.workflow.moto_sfn import Execution, StateMachine, moto_step_functions
from tests.workflow.screening_handler import serving

pytestmark = pytest.mark.moto

HANDLER = "tests.workflow.screening_handler:handler"
# moto sleeps a tenth of each Retry wait: the definition's waits are whole seconds.
RETRY_WAIT_SCALE = 0.1


@pytest.fixture(scope="module")
def machine() -> Iterator[StateMachine]:
    with moto_step_functions(retry_wait_scale=RETRY_WAIT_SCALE) as moto:
        arn = moto.add_function(HANDLER, timeout_s=10)
        yield moto.create_state_machine(
            DEFINITION_PATH.read_text(encoding="utf-8"),
            substitutions={"screening_step_arn": arn},
            machine_type="EXPRESS",
        )


def on_moto(machine: StateMachine, *, consent: str | None = None, **sources: Any) -> Execution:
    s = screening(customer=sources.pop("customer", PERSONAS["approve"]), bank_consent_id=consent)
    with serving(context(**sources)):
        execution = machine.run({"screening": screening_to_json(s), "steps": []})
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution


def made(execution: Execution) -> WorkflowRun:
    return RunResult(document=execution.output).workflow_run()


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_ends_as_in_process(machine, persona):
    execution = on_moto(machine, customer=PERSONAS[persona])
    process = in_process(screening(customer=PERSONAS[persona]))
    same_run(made(execution), process)
    assert (SHAPE.reject in execution.entered) == process.rejected


def test_an_approval_passes_every_state_of_the_definition_in_order(machine):
    execution = on_moto(machine)
    tasks = [name for name in execution.entered if name in SHAPE.steps]
    assert tasks[:6] == list(SHAPE.steps[:6])
    assert set(tasks[6:8]) == {"OngoingLoanChecks", "PaymentHistory"}
    assert tasks[-1] == "FinalDecision"
    assert "ParallelValidation" in execution.entered
    assert made(execution).offers


def test_a_run_with_bank_data_ends_as_in_process(machine):
    bank = FakeBank(statements=salaried_statements())
    execution = on_moto(machine, consent="consent-1", bank=bank)
    same_run(made(execution), in_process(screening(bank_consent_id="consent-1"), bank=bank))


def test_a_failed_check_is_caught_to_reject(machine):
    execution = on_moto(machine, customer=PERSONAS["decline"])
    failure = next(f for f in execution.failures if f.state == "CheckExternalCreditReport")
    assert failure.error == "CheckFailed"
    assert execution.entered[-1] == SHAPE.reject
    run = made(execution)
    assert run.rejected
    assert run.outcome is not None
    assert [r.code for r in run.outcome.reasons] == ["RECENT_DEFAULT"]


def test_a_failed_branch_of_the_parallel_state_goes_to_reject_after_both_ran(machine):
    history = InMemoryPaymentHistory({"sandbox-approve": PaymentHistory(overdue_instalments=2)})
    execution = on_moto(machine, payment_history=history)
    assert {"OngoingLoanChecks", "PaymentHistory"} <= set(execution.entered)
    assert execution.entered[-1] == SHAPE.reject
    same_run(made(execution), in_process(screening(), payment_history=history))


def test_a_decline_by_the_model_is_caught_from_final_decision_to_reject(machine):
    execution = on_moto(machine, scorer=FakeScorer(probability_bad=0.95))
    assert execution.entered[-2:] == ["FinalDecision", SHAPE.reject]
    same_run(made(execution), in_process(screening(), scorer=FakeScorer(probability_bad=0.95)))


@pytest.mark.parametrize("failures", [1, 2])
def test_a_dependency_that_fails_then_recovers_is_retried_by_the_definition(machine, failures):
    execution = on_moto(machine, scorer=FakeScorer(failures=failures))
    assert execution.attempts("FinalDecision") == failures + 1
    assert [f.error for f in execution.failures] == ["DependencyFailure"] * failures
    same_run(made(execution), in_process(screening(), scorer=FakeScorer(failures=failures)))


def test_a_dependency_that_stays_down_is_retried_then_caught_to_undecided(machine):
    bureau = SandboxBureau(today=NOW.date, outage=True)
    execution = on_moto(machine, bureau=bureau)
    assert execution.attempts("CheckExternalCreditReport") == SHAPE.attempts
    assert bureau.calls == SHAPE.attempts
    assert execution.entered[-1] == SHAPE.undecided
    process = in_process(screening(), bureau=SandboxBureau(today=NOW.date, outage=True))
    same_run(made(execution), process)


def test_a_refusal_is_not_retried_and_ends_undecided_with_that_error(machine):
    bank = FakeBank(error=InvalidState("The consent is REVOKED"))
    execution = on_moto(machine, consent="revoked", bank=bank)
    assert execution.attempts("ValidateBankStatements") == 1
    assert execution.entered[-1] == SHAPE.undecided
    run = made(execution)
    assert isinstance(run.error, InvalidState)
    same_run(run, in_process(screening(bank_consent_id="revoked"), bank=bank))


def test_a_step_that_raises_ends_undecided_without_its_internals(machine):
    class Broken:
        def exposure(self, customer_id, *, currency, approvals):
            raise RuntimeError("secret internals")

    execution = on_moto(machine, exposure=Broken())
    assert execution.attempts("CheckInternalExposure") == 1
    assert execution.entered[-1] == SHAPE.undecided
    assert "secret internals" not in json.dumps(execution.output)
    run = made(execution)
    assert run.steps[-1].detail == {"error": "InternalError"}
    assert [s.name for s in run.steps] == [
        s.name for s in in_process(screening(), exposure=Broken()).steps
    ]
