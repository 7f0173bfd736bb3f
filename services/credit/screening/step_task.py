"""One screening step as a state of the Step Functions state machine: the input its Task state
gives the step Lambda, and the output or the error it answers, shaped so that the definition's
Retry and Catch do what the in-process runner does.

A run carries its state from state to state as JSON: `{"screening": ..., "steps": [...]}`
(`run_json`; the step records as the API shows them). The step itself is run by the runner's
own `run_step`, so a step is the same code in process and on Step Functions. Then:

- a step that passes (or has nothing to check) answers the state with its record added;
- a failed check raises `CheckFailed`, whose message holds that state: the Catch sends it to
  Reject, which declines with the rules that failed;
- a dependency still down raises `DependencyFailure`: the Retry runs the step again from its
  input; once the tries are spent the Catch sends it to Undecided, as any other error;
- in the Parallel state each branch's Catch keeps what failed in the branch's output, so both
  branches always run; FinalDecision joins them first and raises what a branch raised;
- FinalDecision, Reject and Undecided answer the run's result (`RunResult`): the state, whether
  it was rejected, and the error of an undecided run.

The Lambda runtime reports an exception's class name as its error type, which is what the
definition's `ErrorEquals` match; each message is the JSON of `{"run": state, "error": ...}`.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from services.credit.policy.rules import Policy
from services.credit.screening.definition import CHECK_FAILED, Shape
from services.credit.screening.run_json import screening_from_json, screening_to_json
from services.credit.screening.runner import SHAPE, StepResult, WorkflowRun, reject, run_step
from services.credit.screening.state import StepContext, StepStatus
from services.credit.screening.steps import STEPS
from services.shared.errors import DependencyFailure, InternalError, ServiceError
from services.shared.metrics import NO_METRICS, MetricsSink


class CheckFailed(Exception):  # noqa: N818 - the name is the error the definition catches
    """The applicant failed a step's check: the run goes to Reject."""


class BranchErrored(Exception):  # noqa: N818 - the name is an error type on Step Functions
    """A branch of the Parallel state errored: not retried by FinalDecision, which did not fail."""


assert CheckFailed.__name__ == CHECK_FAILED


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """A run's output on the state machine, rebuilt as the in-process runner's `WorkflowRun`."""

    document: Mapping[str, Any]

    def workflow_run(self) -> WorkflowRun:
        screening = screening_from_json(self.document["screening"])
        error = self.document.get("error")
        return WorkflowRun(
            steps=tuple(StepResult.from_json(step) for step in self.document["steps"]),
            outcome=None if error else screening.outcome,
            offers=() if error else tuple(screening.offers),
            error=None if error is None else error_from_json(error),
            rejected=bool(self.document.get("rejected")),
        )


def handle(
    event: Mapping[str, Any],
    ctx: StepContext,
    *,
    shape: Shape = SHAPE,
    timer: Callable[[], float] = time.perf_counter,
    metrics: MetricsSink = NO_METRICS,
) -> dict[str, Any]:
    """Run the state `event["step"]` on the run's state `event["run"]`.

    `ctx` should try each dependency once: the definition's Retry makes the other tries.

    Raises:
        CheckFailed, BranchErrored, or an exception named after a service error's code
        (DependencyFailure, InvalidState, InternalError...): as described above.
    """
    name, run = str(event["step"]), event["run"]
    if name == shape.reject:
        return _rejected(run, ctx.policy, timer=timer, state=name)
    if name == shape.undecided:
        return _undecided(run)
    if name not in STEPS:
        raise InternalError(f"no screening step is named {name!r}")
    if "branches" in run:
        run = _join(run)
    screening = screening_from_json(run["screening"])
    steps = [StepResult.from_json(step) for step in run["steps"]]
    record, error = run_step(name, STEPS[name], screening, ctx, timer=timer, metrics=metrics)
    steps.append(record)
    state = {"screening": screening_to_json(screening), "steps": [s.to_json() for s in steps]}
    if error is not None:
        raise _task_error(error, state)
    if record.status is StepStatus.FAILED:
        raise CheckFailed(json.dumps({"run": state, "error": None}))
    if name == shape.stages[-1][-1]:
        return {**state, "rejected": False, "error": None}
    return state


def error_to_json(error: BaseException) -> dict[str, Any]:
    """An error as a run's result holds it: a service error's code, message and details; any
    other as InternalError without its internals."""
    if isinstance(error, ServiceError):
        return {"code": error.code, "message": error.message, "details": error.details}
    return {"code": InternalError.code, "message": "a screening step broke", "details": {}}


def error_from_json(error: Mapping[str, Any]) -> ServiceError:
    """The service error a run's result names (InternalError for a code this service lacks)."""
    found = _error_classes().get(str(error.get("code")), InternalError)
    return found(str(error.get("message", "")), details=error.get("details") or {})


def _error_classes() -> dict[str, type[ServiceError]]:
    found: dict[str, type[ServiceError]] = {}
    todo: list[type[ServiceError]] = [ServiceError]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.__name__, cls)
        todo += cls.__subclasses__()
    return found


def _task_error(error: BaseException, state: Mapping[str, Any]) -> Exception:
    """What the Lambda raises for a step that errored: an exception named after the error's code
    (the definition retries DependencyFailure), its message the state and the error."""
    described = error_to_json(error)
    return _error_named(described["code"])(json.dumps({"run": state, "error": described}))


@functools.cache
def _error_named(code: str) -> type[Exception]:
    """An exception class named `code`: the Lambda runtime reports that name as the error type."""
    return type(code, (Exception,), {"__module__": __name__})


def _payload(failure: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `{"run", "error"}` a step's error carried, from a Catch's `{"Error", "Cause"}`; None
    when the error is not one of ours (a Lambda timeout, a throttle)."""
    cause: Any = failure.get("Cause")
    try:
        cause = json.loads(cause) if isinstance(cause, str) else cause
        # The Lambda runtime's error document: {"errorMessage", "errorType", "stackTrace", ...}
        message = cause.get("errorMessage", cause) if isinstance(cause, dict) else cause
        payload = json.loads(message) if isinstance(message, str) else message
    except ValueError:
        return None
    return payload if isinstance(payload, dict) and "run" in payload else None


def _join(run: Mapping[str, Any]) -> dict[str, Any]:
    """The state after the Parallel state: each branch's findings and record added to the state
    it started from, in the order of the branches; raises what a branch raised."""
    base = run["screening"]
    merged = {**base, "hits": list(base.get("hits", []))}
    steps = list(run["steps"])
    errors: list[Mapping[str, Any]] = []
    for branch in run["branches"]:
        outcome = branch
        if "failure" in branch:
            payload = _payload(branch["failure"])
            if payload is None:
                errors.append(_unanswered(branch["failure"]))
                continue
            outcome = payload["run"]  # with the branch's record: FAILED, or ERROR and its error
            if payload.get("error"):
                errors.append(payload["error"])
        found = outcome["screening"]
        for key, value in found.items():
            if key == "hits":
                merged["hits"] += value[len(base.get("hits", [])) :]
            elif value != base.get(key):
                merged[key] = value
        steps += outcome["steps"][len(run["steps"]) :]
    state = {"screening": merged, "steps": steps}
    if errors:
        raise BranchErrored(json.dumps({"run": state, "error": errors[0]}))
    if any(step["status"] == StepStatus.FAILED.value for step in steps):
        raise CheckFailed(json.dumps({"run": state, "error": None}))
    return state


def _unanswered(failure: Mapping[str, Any]) -> dict[str, Any]:
    """A step's Lambda that failed without our error (timed out, throttled): a dependency down."""
    return {
        "code": DependencyFailure.code,
        "message": f"a screening step did not answer ({failure.get('Error')}); try again",
        "details": {},
    }


def _carried(run: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The state and error a Catch carried to Reject or Undecided (the state the failing Task
    began with when the error was not one of ours)."""
    failure = run.get("failure", {})
    payload = _payload(failure)
    if payload is None:
        state = {key: value for key, value in run.items() if key not in ("failure", "branches")}
        return state, _unanswered(failure)
    return payload["run"], payload.get("error")


def _rejected(
    run: Mapping[str, Any], policy: Policy, *, timer: Callable[[], float], state: str
) -> dict[str, Any]:
    carried, error = _carried(run)
    if error is not None:  # not a failed check: nothing to reject on
        return {**carried, "rejected": False, "error": error}
    screening = screening_from_json(carried["screening"])
    steps = [StepResult.from_json(step) for step in carried["steps"]]
    reject(steps, screening, policy, timer=timer, state=state)
    return {
        "screening": screening_to_json(screening),
        "steps": [step.to_json() for step in steps],
        "rejected": True,
        "error": None,
    }


def _undecided(run: Mapping[str, Any]) -> dict[str, Any]:
    carried, error = _carried(run)
    return {**carried, "rejected": False, "error": error or _unanswered(run.get("failure", {}))}
