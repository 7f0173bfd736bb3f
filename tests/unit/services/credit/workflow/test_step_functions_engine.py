"""The credit service's run on the state machine (`BNPL_WORKFLOW_ENGINE=step_functions`): the
`StartSyncExecution` request it makes, and what it makes of each answer, against botocore's
own description of the API (Stubber)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from services.credit.adapters.step_functions import StepFunctionsWorkflow
from services.credit.screening.run_json import screening_to_json
from services.credit.wiring import screening_sources, screening_workflow
from services.shared import trace
from services.shared.errors import DependencyFailure
from services.shared.metrics import NO_METRICS
from services.shared.settings import Settings
from services.shared.trace import ContextThreadPool
from tests.unit.services.credit.workflow.fakes import POLICY, screening
from tests.unit.services.credit.workflow.test_step_task import context, in_process, routed

ARN = "arn:aws:states:eu-west-2:111122223333:stateMachine:bnpl-dev-prescreening"
EXECUTION = "arn:aws:states:eu-west-2:111122223333:express:bnpl-dev-prescreening:run:1"
ROOT = "1-6b14344d-eb4fcbefb9acda40b29a8652"
MOMENT = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def stubbed() -> Iterator[tuple[StepFunctionsWorkflow, Stubber]]:
    client = boto3.client(
        "stepfunctions",
        region_name="eu-west-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    with Stubber(client) as stubber:
        yield (
            StepFunctionsWorkflow(
                state_machine_arn=ARN, policy=POLICY, region="eu-west-2", client=client
            ),
            stubber,
        )
        stubber.assert_no_pending_responses()


def answer(status: str, **more: Any) -> dict[str, Any]:
    return {
        "executionArn": EXECUTION,
        "stateMachineArn": ARN,
        "startDate": MOMENT,
        "stopDate": MOMENT,
        "status": status,
        **more,
    }


def test_the_execution_starts_with_the_runs_first_state_and_the_requests_trace(stubbed):
    workflow, stubber = stubbed
    s = screening()
    bound = trace.from_headers({trace.TRACE_HEADER: f"Root={ROOT};Sampled=1"})
    # The execution's output: the run the state machine made of the same application.
    output = routed(screening(), context())
    stubber.add_response(
        "start_sync_execution",
        answer("SUCCEEDED", output=json.dumps(output)),
        {
            "stateMachineArn": ARN,
            "input": json.dumps({"screening": screening_to_json(s), "steps": []}),
            "traceHeader": bound.header(),
        },
    )
    with trace.bound(bound):
        run = workflow.run(s)
    process = in_process(screening())
    assert run.outcome == process.outcome
    assert run.offers == process.offers
    assert [(step.name, step.status) for step in run.steps] == [
        (step.name, step.status) for step in process.steps
    ]


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT"])
def test_an_execution_that_did_not_succeed_leaves_the_run_undecided_for_a_retry(stubbed, status):
    workflow, stubber = stubbed
    stubber.add_response(
        "start_sync_execution",
        answer(status, error="States.Timeout", cause="the step Lambda did not answer"),
    )
    run = workflow.run(screening())
    assert run.outcome is None
    assert isinstance(run.error, DependencyFailure)
    assert status in run.error.message
    assert "try again" in run.error.message


def test_a_refused_start_leaves_the_run_undecided_for_a_retry(stubbed):
    workflow, stubber = stubbed
    stubber.add_client_error(
        "start_sync_execution", service_error_code="ThrottlingException", http_status_code=400
    )
    run = workflow.run(screening())
    assert run.outcome is None
    assert isinstance(run.error, DependencyFailure)


def test_the_engine_is_chosen_by_the_setting():
    pool = ContextThreadPool(max_workers=1)
    base = Settings.from_environ({})
    sources = screening_sources(base, POLICY)
    local = screening_workflow(base, POLICY, sources=sources, pool=pool, metrics=NO_METRICS)
    assert type(local).__name__ == "Workflow"
    chosen = Settings.from_environ(
        {"BNPL_WORKFLOW_ENGINE": "step_functions", "BNPL_STATE_MACHINE_ARN": ARN}
    )
    remote = screening_workflow(chosen, POLICY, sources=sources, pool=pool, metrics=NO_METRICS)
    assert isinstance(remote, StepFunctionsWorkflow)
    with pytest.raises(ValueError, match="needs BNPL_STATE_MACHINE_ARN"):
        screening_workflow(
            Settings.from_environ({"BNPL_WORKFLOW_ENGINE": "step_functions"}),
            POLICY,
            sources=sources,
            pool=pool,
            metrics=NO_METRICS,
        )
    with pytest.raises(ValueError, match="in_process or step_functions"):
        Settings.from_environ({"BNPL_WORKFLOW_ENGINE": "lambda"})
    pool.shutdown()
