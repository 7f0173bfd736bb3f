"""The screening steps as the state machine's Lambda runs them: what each state answers or raises,
and that a run routed as the definition routes it ends as the in-process run does.

The routing here follows the definition's shape (`SHAPE`) the way its Catch and Parallel states
do; the definition itself is run on a real ASL interpreter in `tests/workflow`.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.exposure import InMemoryPaymentHistory, PaymentHistory
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.run_json import screening_to_json
from services.credit.screening.runner import SHAPE, Workflow, WorkflowRun
from services.credit.screening.state import Screening, StepContext
from services.credit.screening.step_task import CheckFailed, RunResult, handle
from services.shared.errors import DependencyFailure, InvalidState, ServiceError
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


def context(**overrides: Any) -> StepContext:
    return StepContext(
        sources=sources(**overrides),
        policy=POLICY,
        retry=RetryPolicy(attempts=1),  # the definition's Retry makes the other tries
        sleep=lambda _: None,
        jitter=lambda: 1.0,
    )


def ticking() -> Callable[[], float]:
    ticks = itertools.count(step=0.002)
    return lambda: next(ticks)


def lambda_failure(exc: BaseException) -> dict[str, str]:
    """A Catch's `$.failure` for an exception a Python Lambda raised, as Step Functions gives it."""
    cause = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": ["..."]}
    return {"Error": type(exc).__name__, "Cause": json.dumps(cause)}


def invoke(step: str, run: Any, ctx: StepContext) -> Any:
    """One Task state: the Lambda's answer, through JSON both ways as Step Functions passes it."""
    event = json.loads(json.dumps({"step": step, "run": run}))
    return json.loads(json.dumps(handle(event, ctx, timer=ticking())))


def routed(s: Screening, ctx: StepContext, *, attempts: int = SHAPE.attempts) -> dict[str, Any]:
    """A run routed as the definition routes it: Next, Retry of DependencyFailure, the Catch of
    a failed check to Reject and of any other error to Undecided, the Parallel branches."""
    state: Any = {"screening": screening_to_json(s), "steps": []}

    def task(name: str, run: Any) -> Any:
        for attempt in range(1, attempts + 1):
            try:
                return invoke(name, run, ctx)
            except Exception as exc:
                if type(exc).__name__ == "DependencyFailure" and attempt < attempts:
                    continue
                raise
        raise AssertionError("unreachable")

    for stage in SHAPE.stages:
        try:
            if len(stage) == 1:
                state = task(stage[0], state)
            else:
                branches = []
                for name in stage:
                    try:
                        branches.append(task(name, state))
                    except Exception as exc:
                        branches.append({**copy.deepcopy(state), "failure": lambda_failure(exc)})
                state = {**state, "branches": branches}
        except Exception as exc:
            to = SHAPE.reject if type(exc).__name__ == "CheckFailed" else SHAPE.undecided
            ended: dict[str, Any] = invoke(to, {**state, "failure": lambda_failure(exc)}, ctx)
            return ended
    finished: dict[str, Any] = state
    return finished


def in_process(s: Screening, **overrides: Any) -> WorkflowRun:
    return Workflow(
        sources=sources(**overrides),
        policy=POLICY,
        retry=RetryPolicy(attempts=SHAPE.attempts),
        sleep=lambda _: None,
        jitter=lambda: 1.0,
        timer=ticking(),
    ).run(s)


def same_run(state_machine: WorkflowRun, process: WorkflowRun) -> None:
    assert [(s.name, s.status) for s in state_machine.steps] == [
        (s.name, s.status) for s in process.steps
    ]
    # How many tries a read took is the step's own count in process; on the state machine the
    # Retry's tries are in the execution's history instead.
    assert [_tried_aside(s.detail) for s in state_machine.steps] == [
        _tried_aside(s.detail) for s in process.steps
    ]
    assert state_machine.rejected == process.rejected
    assert state_machine.outcome == process.outcome
    assert state_machine.offers == process.offers
    assert _answered(state_machine.error) == _answered(process.error)


def _answered(error: BaseException | None) -> tuple[str, str] | None:
    """The error as the service answers it: a service error's code and message, any other as
    InternalError."""
    if error is None:
        return None
    if isinstance(error, ServiceError):
        return (error.code, error.message)
    return ("InternalError", "")


def _tried_aside(detail: Any) -> Any:
    return {key: value for key, value in detail.items() if key != "attempts"}


PERSONAS = {
    "approve": customer("approve"),
    "decline": customer("decline"),
    "refer": customer("refer"),
    "thin": customer("thin"),
    "fraud": customer("fraud"),
    "under age": customer("approve", dateOfBirth="2010-06-01"),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_run_routed_as_the_definition_ends_as_the_in_process_run(persona):
    made = routed(screening(customer=PERSONAS[persona]), context())
    process = in_process(screening(customer=PERSONAS[persona]))
    same_run(RunResult(document=made).workflow_run(), process)


def test_a_failure_in_a_parallel_branch_goes_to_reject_with_both_branches_recorded():
    history = InMemoryPaymentHistory({"sandbox-approve": PaymentHistory(overdue_instalments=2)})
    made = RunResult(document=routed(screening(), context(payment_history=history))).workflow_run()
    assert [s.name for s in made.steps][-3:] == ["OngoingLoanChecks", "PaymentHistory", "Reject"]
    assert made.outcome is not None
    assert [r.code for r in made.outcome.reasons] == ["OVERDUE_WITH_US"]
    same_run(made, in_process(screening(), payment_history=history))


@pytest.mark.parametrize("failures", [1, 2])
def test_a_dependency_that_fails_then_recovers_is_retried_and_decides(failures):
    made = routed(screening(), context(scorer=FakeScorer(failures=failures)))
    run = RunResult(document=made).workflow_run()
    assert run.outcome is not None
    same_run(run, in_process(screening(), scorer=FakeScorer(failures=failures)))


def test_a_run_with_bank_data_ends_as_the_in_process_run():
    bank = FakeBank(statements=salaried_statements())
    made = routed(screening(bank_consent_id="consent-1"), context(bank=bank))
    process = in_process(screening(bank_consent_id="consent-1"), bank=bank)
    same_run(RunResult(document=made).workflow_run(), process)


def test_a_decline_by_the_model_goes_to_reject_as_in_process():
    scorer = FakeScorer(probability_bad=0.95)
    made = RunResult(document=routed(screening(), context(scorer=scorer))).workflow_run()
    assert made.rejected
    assert [s.name for s in made.steps][-2:] == ["FinalDecision", "Reject"]
    same_run(made, in_process(screening(), scorer=scorer))


def test_a_passed_step_answers_the_state_with_its_record():
    state = {"screening": screening_to_json(screening()), "steps": []}
    answer = invoke("ValidateCustomerInformation", state, context())
    assert [(s["name"], s["status"]) for s in answer["steps"]] == [
        ("ValidateCustomerInformation", "PASSED")
    ]
    assert answer["screening"] == state["screening"]  # nothing found that the run lacked


def test_a_failed_check_raises_check_failed_carrying_the_state_with_its_record():
    state = {"screening": screening_to_json(screening(customer=PERSONAS["under age"])), "steps": []}
    with pytest.raises(CheckFailed) as raised:
        invoke("ValidateCustomerInformation", state, context())
    carried = json.loads(str(raised.value))
    assert carried["error"] is None
    assert carried["run"]["steps"][-1]["status"] == "FAILED"


def test_a_dependency_down_raises_an_error_named_dependency_failure_for_the_retry():
    bureau = SandboxBureau(today=NOW.date, outage=True)
    state = {"screening": screening_to_json(screening()), "steps": []}
    with pytest.raises(Exception, match="The credit bureau is unavailable") as raised:
        invoke("CheckExternalCreditReport", state, context(bureau=bureau))
    assert type(raised.value).__name__ == "DependencyFailure"
    assert bureau.calls == 1  # tried once: the state machine retries the step
    carried = json.loads(str(raised.value))
    assert carried["error"]["code"] == "DependencyFailure"
    assert carried["run"]["steps"][-1]["status"] == "ERROR"


def test_a_dependency_that_stays_down_leaves_the_run_undecided_with_its_steps():
    bureau = SandboxBureau(today=NOW.date, outage=True)
    made = RunResult(document=routed(screening(), context(bureau=bureau))).workflow_run()
    assert made.outcome is None
    assert isinstance(made.error, DependencyFailure)
    same_run(made, in_process(screening(), bureau=SandboxBureau(today=NOW.date, outage=True)))
    assert bureau.calls == SHAPE.attempts


def test_a_refusal_by_a_dependency_ends_undecided_with_that_error():
    bank = FakeBank(error=InvalidState("The consent is REVOKED"))
    made = routed(screening(bank_consent_id="revoked"), context(bank=bank))
    run = RunResult(document=made).workflow_run()
    assert isinstance(run.error, InvalidState)
    assert run.error.message == "The consent is REVOKED"
    assert run.steps[-1].detail["error"] == "InvalidState"


def test_a_step_that_breaks_ends_undecided_as_internal_error_without_internals():
    class Broken:
        def exposure(self, customer_id, *, currency, approvals):
            raise RuntimeError("secret internals")

    made = routed(screening(), context(exposure=Broken()))
    assert "secret internals" not in json.dumps(made)
    run = RunResult(document=made).workflow_run()
    assert _answered(run.error) == ("InternalError", "a screening step broke")
    assert run.steps[-1].detail == {"error": "InternalError"}


def test_a_lambda_that_never_answered_ends_undecided_as_a_dependency_failure():
    state = {"screening": screening_to_json(screening()), "steps": []}
    failure = {"Error": "States.Timeout", "Cause": "Task timed out after 10.00 seconds"}
    made = invoke(SHAPE.undecided, {**state, "failure": failure}, context())
    run = RunResult(document=made).workflow_run()
    assert isinstance(run.error, DependencyFailure)
    assert run.steps == ()


def test_an_unknown_step_is_refused():
    with pytest.raises(Exception, match="no screening step is named 'TransferFunds'") as raised:
        invoke("TransferFunds", {"screening": {}, "steps": []}, context())
    assert type(raised.value).__name__ == "InternalError"
