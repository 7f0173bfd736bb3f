"""ASL run by moto's Step Functions engine, its Lambda Task states running handlers of ours.

What the engine does with a Task's answer, a handler's exception, Retry and Catch, a Parallel
state; the pre-screening definition accepted and run to its end; and what moto does not do.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.workflow.moto_sfn import (
    REGION,
    MotoStepFunctions,
    TaskFailure,
    fill,
    moto_state_machine,
    moto_step_functions,
)

pytestmark = pytest.mark.moto

ROOT = Path(__file__).resolve().parents[2]
PRESCREENING = ROOT / "services" / "credit" / "screening" / "prescreening.asl.json"
TOY = "tests.workflow.toy_handler"
# The shared moto sleeps a tenth of each Retry wait; the test of real waits starts its own.
RETRY_WAIT_SCALE = 0.1
SEQUENCE = [
    "ValidateCustomerInformation",
    "ValidateBankStatements",
    "ValidateFinancialStatements",
    "CheckExternalCreditReport",
    "CheckInternalExposure",
    "FraudDetection",
]
BRANCHES = ["OngoingLoanChecks", "PaymentHistory"]


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoStepFunctions]:
    with moto_step_functions(retry_wait_scale=RETRY_WAIT_SCALE) as running:
        yield running


@pytest.fixture
def definition() -> str:
    return PRESCREENING.read_text()


def asl(states: dict[str, Any], start: str) -> str:
    return json.dumps({"StartAt": start, "States": states})


def task(resource: str, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, **fields}


def run(moto: MotoStepFunctions, handler: str, states: dict[str, Any], start: str, event: Any):
    """Run a definition whose `${fn}` is a function running `handler`."""
    arn = moto.add_function(f"{TOY}:{handler}")
    machine = moto.create_state_machine(asl(states, start), substitutions={"fn": arn})
    return machine.run(event)


def lambda_error(cause: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(cause)
    return document


class TestTask:
    def test_the_handlers_answer_is_the_tasks_result(self, moto):
        # Parameters pick the amount; ResultPath puts the answer beside the input.
        states = {
            "Double": task(
                "${fn}", Parameters={"amount.$": "$.amount"}, ResultPath="$.result", End=True
            )
        }

        execution = run(moto, "double", states, "Double", {"amount": 21, "other": "kept"})

        assert execution.status == "SUCCEEDED"
        function = execution.output["result"]["function"]
        assert execution.output == {
            "amount": 21,
            "other": "kept",
            "result": {"doubled": 42, "function": function},
        }
        assert function.startswith("fn-")
        assert [i.event for i in moto.invocations if i.function == function] == [{"amount": 21}]
        assert execution.entered == execution.exited == ["Double"]

    def test_lambda_invoke_integration_answers_the_invoke_response(self, moto):
        states = {
            "Double": task(
                "arn:aws:states:::lambda:invoke",
                Parameters={"FunctionName": "${fn}", "Payload": {"amount": 2}},
                End=True,
            )
        }

        execution = run(moto, "double", states, "Double", {})

        assert execution.status == "SUCCEEDED"
        assert execution.output["StatusCode"] == 200
        assert execution.output["ExecutedVersion"] == "$LATEST"
        assert execution.output["Payload"]["doubled"] == 4


class TestErrors:
    def test_an_uncaught_exception_fails_the_execution_with_lambdas_error_document(self, moto):
        execution = run(moto, "reject", {"Check": task("${fn}", End=True)}, "Check", {"rule": "R1"})

        assert execution.status == "FAILED"
        # Error is the exception's class name, unqualified; Cause the Lambda Python runtime's
        # error document, which moto re-serialises as compact JSON.
        assert execution.error == "CheckFailed"
        assert execution.cause is not None
        document = lambda_error(execution.cause)
        assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert document["errorMessage"] == "rule R1 failed"
        assert document["errorType"] == "CheckFailed"
        assert "toy_handler.py" in document["stackTrace"][-1]
        assert execution.cause == json.dumps(document, separators=(",", ":"))
        assert execution.failures == [TaskFailure("Check", "CheckFailed", execution.cause)]

    def test_catch_with_result_path_keeps_the_input_and_adds_the_failure(self, moto):
        states = {
            "Check": task(
                "${fn}",
                Catch=[{"ErrorEquals": ["CheckFailed"], "ResultPath": "$.failure", "Next": "No"}],
                End=True,
            ),
            "No": {"Type": "Pass", "End": True},
        }

        execution = run(moto, "reject", states, "Check", {"rule": "R2"})

        assert execution.status == "SUCCEEDED"
        assert execution.entered == ["Check", "No"]
        assert list(execution.output) == ["rule", "failure"]
        assert execution.output["rule"] == "R2"
        failure = execution.output["failure"]
        assert list(failure) == ["Error", "Cause"]
        assert failure["Error"] == "CheckFailed"
        assert lambda_error(failure["Cause"])["errorMessage"] == "rule R2 failed"

    def test_retry_runs_the_task_again_until_it_succeeds(self, moto, tmp_path):
        states = {
            "Fetch": task(
                "${fn}",
                Retry=[
                    {
                        "ErrorEquals": ["DependencyFailure"],
                        "IntervalSeconds": 1,
                        "MaxAttempts": 3,
                        "BackoffRate": 2.0,
                        "MaxDelaySeconds": 2,
                    }
                ],
                End=True,
            )
        }
        event = {"counter": str(tmp_path / "calls"), "failures": 3}

        execution = run(moto, "flaky", states, "Fetch", event)

        assert execution.status == "SUCCEEDED"
        assert execution.output == {"call": 4}
        assert execution.attempts("Fetch") == 4
        assert [f.error for f in execution.failures] == ["DependencyFailure"] * 3
        assert execution.entered == ["Fetch"]
        # IntervalSeconds 1, doubled each time, held at MaxDelaySeconds 2: 1, 2, 2 seconds,
        # slept here at a tenth (history timestamps are to the millisecond).
        waits = execution.retry_waits("Fetch")
        for wait, expected in zip(waits, [0.1, 0.2, 0.2], strict=True):
            assert expected - 0.002 <= wait < expected + 0.15

    def test_retries_spent_the_error_goes_to_catch(self, moto, tmp_path):
        states = {
            "Fetch": task(
                "${fn}",
                Retry=[{"ErrorEquals": ["DependencyFailure"], "MaxAttempts": 1}],
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Out"}],
                End=True,
            ),
            "Out": {"Type": "Pass", "End": True},
        }
        event = {"counter": str(tmp_path / "calls"), "failures": 5}

        execution = run(moto, "flaky", states, "Fetch", event)

        assert execution.attempts("Fetch") == 2
        assert execution.entered == ["Fetch", "Out"]
        assert execution.output["failure"]["Error"] == "DependencyFailure"
        assert "call 2 of 5" in lambda_error(execution.output["failure"]["Cause"])["errorMessage"]

    def test_a_task_past_its_timeout_seconds_times_out(self, moto):
        states = {"Call": task("${fn}", TimeoutSeconds=1, End=True)}

        execution = run(moto, "slow", states, "Call", {"seconds": 2})

        assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
        assert execution.failures == [TaskFailure("Call", "States.Timeout", None)]
        assert 1.0 <= execution.duration_s < 1.9

    def test_a_lambda_service_error_is_exception_for_an_arn_and_lambda_code_for_invoke(self, moto):
        # moto names a Lambda service error (here: no such function) "Exception" when the Task's
        # Resource is the function's ARN, and "Lambda.<code>" through lambda:invoke.
        missing = "arn:aws:lambda:us-east-1:123456789012:function:missing"
        direct = moto.create_state_machine(asl({"Call": task(missing, End=True)}, "Call"))
        invoke = moto.create_state_machine(
            asl(
                {
                    "Call": task(
                        "arn:aws:states:::lambda:invoke",
                        Parameters={"FunctionName": missing, "Payload": {}},
                        End=True,
                    )
                },
                "Call",
            )
        )

        by_arn, by_invoke = direct.run(), invoke.run()

        assert (by_arn.status, by_arn.error) == ("FAILED", "Exception")
        assert by_arn.cause is not None
        assert "Function not found" in by_arn.cause
        assert (by_invoke.status, by_invoke.error) == ("FAILED", "Lambda.ResourceNotFoundException")


class TestParallel:
    def test_the_output_is_the_array_of_the_branches_outputs(self, moto):
        states = {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Double",
                        "States": {
                            "Double": task("${fn}", Next="Doubled"),
                            "Doubled": {"Type": "Pass", "End": True},
                        },
                    },
                    {
                        "StartAt": "Tag",
                        "States": {
                            "Tag": {"Type": "Pass", "Result": "tagged", "Next": "Tagged"},
                            "Tagged": {"Type": "Pass", "End": True},
                        },
                    },
                ],
                "End": True,
            }
        }

        execution = run(moto, "double", states, "Both", {"amount": 5})

        assert execution.status == "SUCCEEDED"
        doubled, tagged = execution.output
        assert doubled["doubled"] == 10
        assert tagged == "tagged"
        assert sorted(execution.entered) == ["Both", "Double", "Doubled", "Tag", "Tagged"]

    def test_a_branch_catch_to_a_pass_ends_the_branch_with_the_failure(self, moto):
        states = {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Check",
                        "States": {
                            "Check": task(
                                "${fn}",
                                Catch=[
                                    {
                                        "ErrorEquals": ["States.ALL"],
                                        "ResultPath": "$.failure",
                                        "Next": "CheckEnded",
                                    }
                                ],
                                End=True,
                            ),
                            "CheckEnded": {"Type": "Pass", "End": True},
                        },
                    },
                    {"StartAt": "Other", "States": {"Other": {"Type": "Pass", "End": True}}},
                ],
                "Next": "After",
            },
            "After": {"Type": "Pass", "End": True},
        }

        execution = run(moto, "reject", states, "Both", {"rule": "R3"})

        assert execution.status == "SUCCEEDED"
        failed, other = execution.output
        assert failed["rule"] == "R3"
        assert failed["failure"]["Error"] == "CheckFailed"
        assert other == {"rule": "R3"}
        assert execution.entered[-1] == "After"
        assert execution.failures == [
            TaskFailure("Check", "CheckFailed", failed["failure"]["Cause"])
        ]


class TestPrescreeningDefinition:
    """The definition Terraform deploys, its placeholder filled, with a toy step Lambda."""

    @pytest.mark.parametrize("machine_type", ["STANDARD", "EXPRESS"])
    def test_a_run_that_passes_every_step_ends_at_final_decision(
        self, moto, definition, machine_type
    ):
        arn = moto.add_function(f"{TOY}:step")
        machine = moto.create_state_machine(
            definition, substitutions={"screening_step_arn": arn}, machine_type=machine_type
        )
        started = {"screening": {"id": "app-1"}, "steps": []}

        execution = machine.run(started)

        assert execution.status == "SUCCEEDED", execution.cause
        assert execution.entered[:7] == [*SEQUENCE, "ParallelValidation"]
        assert sorted(execution.entered[7:-1]) == BRANCHES
        assert execution.entered[-1] == "FinalDecision"
        name = arn.rsplit(":", 1)[1]
        invocations = [i for i in moto.invocations if i.function == name]
        steps = [i.event["step"] for i in invocations]
        assert steps[:6] == SEQUENCE
        assert sorted(steps[6:8]) == BRANCHES
        assert steps[8:] == ["FinalDecision"]
        # Every step answered the run it was given, so each branch ran on the run as started
        # and the execution's output is the run FinalDecision was given.
        assert [i.event["run"] for i in invocations[:8]] == [started] * 8
        assert execution.output == invocations[-1].event["run"]

    def test_a_failed_check_goes_to_reject(self, moto, definition):
        arn = moto.add_function(f"{TOY}:step")
        machine = moto.create_state_machine(definition, substitutions={"screening_step_arn": arn})

        execution = machine.run({"fail_check_at": "ValidateBankStatements"})

        assert execution.status == "SUCCEEDED"
        assert execution.entered == [*SEQUENCE[:2], "Reject"]
        assert execution.output["failure"]["Error"] == "CheckFailed"

    def test_a_dependency_down_is_retried_then_undecided(self, moto, definition):
        arn = moto.add_function(f"{TOY}:step")
        machine = moto.create_state_machine(definition, substitutions={"screening_step_arn": arn})
        [retrier] = [
            r
            for r in json.loads(definition)["States"]["FraudDetection"]["Retry"]
            if r["ErrorEquals"] == ["DependencyFailure"]
        ]

        execution = machine.run({"dependency_down_at": "FraudDetection"})

        assert execution.status == "SUCCEEDED"
        assert execution.entered == [*SEQUENCE, "Undecided"]
        assert execution.attempts("FraudDetection") == 1 + retrier["MaxAttempts"]
        assert execution.output["failure"]["Error"] == "DependencyFailure"
        # Each wait is at most the backoff's interval held at MaxDelaySeconds (JitterStrategy
        # FULL draws it between 0 and that), slept at RETRY_WAIT_SCALE here.
        waits = execution.retry_waits("FraudDetection")
        for attempt, wait in enumerate(waits):
            interval = retrier["IntervalSeconds"] * retrier["BackoffRate"] ** attempt
            assert wait < min(interval, retrier["MaxDelaySeconds"]) * RETRY_WAIT_SCALE + 0.15


class TestMotoItself:
    def test_retry_waits_are_really_slept(self, tmp_path):
        definition = asl(
            {
                "Fetch": task(
                    "${screening_step_arn}",
                    Retry=[{"ErrorEquals": ["DependencyFailure"], "IntervalSeconds": 1}],
                    End=True,
                )
            },
            "Fetch",
        )
        with moto_state_machine(definition, handler=f"{TOY}:flaky") as machine:
            execution = machine.run({"counter": str(tmp_path / "calls"), "failures": 1})

        assert execution.status == "SUCCEEDED"
        [wait] = execution.retry_waits("Fetch")
        assert 0.998 <= wait < 1.5
        assert execution.duration_s >= 1.0

    def test_start_sync_execution_is_not_implemented(self, moto):
        machine = moto.create_state_machine(
            asl({"Done": {"Type": "Pass", "End": True}}, "Done"), machine_type="EXPRESS"
        )
        # AWS serves the sync API on its own host ("sync-states."): here it goes to moto.
        sync = boto3.client(
            "stepfunctions",
            endpoint_url=moto.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}),
        )

        with pytest.raises(ClientError) as raised:
            sync.start_sync_execution(stateMachineArn=machine.arn, input="{}")

        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        # moto logs the traceback once it has answered.
        message = "NotImplementedError: The start_sync_execution action has not been implemented"
        deadline = time.monotonic() + 5
        while message not in moto.moto_log() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert message in moto.moto_log()

    def test_an_unfilled_placeholder_is_refused(self):
        with pytest.raises(KeyError, match="screening_step_arn"):
            fill('{"Resource": "${screening_step_arn}"}', {"fn": "arn"})

    def test_both_processes_stop_when_the_block_raises(self):
        started: dict[str, Any] = {}

        def failing_test() -> None:
            with moto_step_functions() as moto:
                started.update(url=moto.url, endpoint=moto.endpoint.port, pid=moto.moto_pid)
                raise RuntimeError("the test failed")

        with pytest.raises(RuntimeError, match="the test failed"):
            failing_test()

        with pytest.raises(ProcessLookupError):
            os.kill(started["pid"], 0)
        for url in (started["url"], f"http://127.0.0.1:{started['endpoint']}"):
            with pytest.raises(httpx.ConnectError):
                httpx.get(url, timeout=1)

    def test_other_aws_calls_of_the_engine_reach_moto(self, moto):
        arn = moto.add_function(f"{TOY}:double", name="looked-up")
        states = {
            "Look": task(
                "arn:aws:states:::aws-sdk:lambda:getFunction",
                Parameters={"FunctionName": "looked-up"},
                ResultSelector={"arn.$": "$.Configuration.FunctionArn"},
                End=True,
            )
        }

        execution = moto.create_state_machine(asl(states, "Look")).run()

        assert execution.output == {"arn": arn}
