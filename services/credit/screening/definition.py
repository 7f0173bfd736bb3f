"""The pre-screening workflow's shape, read from its Amazon States Language definition.

`prescreening.asl.json` is the one description of the workflow: Terraform deploys it as a Step
Functions state machine (its Lambda ARN filled in by `templatefile`), and the in-process runner
takes from it the order of the steps, the branch that runs in parallel, where a failed check goes
and how often a step is tried. Neither can drift from the other: a definition this module cannot
read as that shape is refused here, at import, before any run.

The shape it reads (JSONPath, not JSONata):
- a chain of Task states from `StartAt`, each naming its step in `Parameters.step` (the state's
  own name), with a Catch of `CheckFailed` to the reject state and a Catch of `States.ALL` to
  the undecided state, and a Retry of `DependencyFailure`;
- one Parallel state in the chain, each branch a single Task whose Catch leads to a Pass that
  ends the branch: a branch never fails, so both always run and the next Task joins them;
- a last Task that ends the run (FinalDecision).

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFINITION_PATH = Path(__file__).with_name("prescreening.asl.json")
# The placeholder Terraform's `templatefile` (and a local run) replaces with the step Lambda.
STEP_ARN_PLACEHOLDER = "${screening_step_arn}"
# The error a step's Lambda raises when the applicant fails its check: Catch sends it to Reject.
CHECK_FAILED = "CheckFailed"
# The error the dependency clients raise once their call failed; Retry tries the step again.
DEPENDENCY_FAILURE = "DependencyFailure"
ANY_ERROR = "States.ALL"


class DefinitionError(ValueError):
    """The ASL definition is not the workflow's shape."""


@dataclass(frozen=True)
class Shape:
    """The workflow as the runner needs it.

    Attributes:
        stages: the steps in order; a stage of more than one runs its steps side by side.
        reject: the state a failed check goes to.
        undecided: the state a step that errors goes to.
        attempts: the tries a step gets when a dependency fails (the first included).
    """

    stages: tuple[tuple[str, ...], ...]
    reject: str
    undecided: str
    attempts: int

    @property
    def steps(self) -> tuple[str, ...]:
        """Every step, in the order the runner records them."""
        return tuple(name for stage in self.stages for name in stage)

    def require_steps(self, known: Collection[str]) -> Shape:
        """This shape, once each of its steps is one of `known` and each of `known` is in it.

        Raises:
            DefinitionError: naming the steps only one side has.
        """
        missing, extra = set(self.steps) - set(known), set(known) - set(self.steps)
        if missing or extra:
            raise DefinitionError(
                f"steps the definition has and the code has not: {sorted(missing)}; "
                f"steps the code has and the definition has not: {sorted(extra)}"
            )
        return self


def load_definition(path: Path = DEFINITION_PATH) -> dict[str, Any]:
    """The definition as JSON (its Lambda ARN still the placeholder)."""
    definition: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return definition


def render_definition(step_arn: str, path: Path = DEFINITION_PATH) -> str:
    """The definition with the step Lambda's ARN filled in, as Terraform's `templatefile` does."""
    return path.read_text(encoding="utf-8").replace(STEP_ARN_PLACEHOLDER, step_arn)


def workflow_shape(definition: Mapping[str, Any]) -> Shape:
    """The stages, the reject and undecided states and the tries of `definition`.

    Raises:
        DefinitionError: naming the state that does not fit the shape.
    """
    states: Mapping[str, Any] = definition["States"]
    stages: list[tuple[str, ...]] = []
    routes: set[tuple[str, str]] = set()
    attempts: set[int] = set()
    name: str | None = definition["StartAt"]
    while name is not None:
        state = _state(states, name)
        if state["Type"] == "Parallel":
            stages.append(
                tuple(_branch_step(branch, name, attempts) for branch in state["Branches"])
            )
        elif state["Type"] == "Task":
            _check_task(name, state, attempts)
            routes.add(_routes(name, state))
            stages.append((name,))
        else:
            raise DefinitionError(f"{name}: a {state['Type']} state where a step is expected")
        name = None if state.get("End") else state["Next"]
    if len(routes) != 1:
        raise DefinitionError(f"the steps route failures to different states: {sorted(routes)}")
    if len(attempts) != 1:
        raise DefinitionError(f"the steps are tried different numbers of times: {sorted(attempts)}")
    (reject, undecided), (tries,) = routes.pop(), attempts
    for end in (reject, undecided):
        if _state(states, end).get("End") is not True:
            raise DefinitionError(f"{end}: the run must end there")
    return Shape(stages=tuple(stages), reject=reject, undecided=undecided, attempts=tries)


def _state(states: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    if name not in states:
        raise DefinitionError(f"{name}: no such state")
    state: Mapping[str, Any] = states[name]
    return state


def _check_task(name: str, state: Mapping[str, Any], attempts: set[int]) -> None:
    """A step's Task: it names its step, calls the step Lambda and retries a failed dependency."""
    if state.get("Resource") != STEP_ARN_PLACEHOLDER:
        raise DefinitionError(f"{name}: its Resource must be {STEP_ARN_PLACEHOLDER}")
    if state.get("Parameters", {}).get("step") != name:
        raise DefinitionError(f"{name}: Parameters.step must name the state")
    for retry in state.get("Retry", ()):
        if DEPENDENCY_FAILURE in retry["ErrorEquals"]:
            attempts.add(int(retry.get("MaxAttempts", 3)) + 1)
            return
    raise DefinitionError(f"{name}: no Retry of {DEPENDENCY_FAILURE}")


def _routes(name: str, state: Mapping[str, Any]) -> tuple[str, str]:
    """Where a step's Catch sends a failed check, and any other error: in that order."""
    catches = {
        error: catch["Next"] for catch in state.get("Catch", ()) for error in catch["ErrorEquals"]
    }
    if CHECK_FAILED not in catches or ANY_ERROR not in catches:
        raise DefinitionError(f"{name}: it must catch {CHECK_FAILED} and {ANY_ERROR}")
    return catches[CHECK_FAILED], catches[ANY_ERROR]


def _branch_step(branch: Mapping[str, Any], parallel: str, attempts: set[int]) -> str:
    """A branch's one step: a Task that ends the branch, its errors caught into a Pass that ends
    it too (the next Task joins the branches and routes what failed)."""
    name: str = branch["StartAt"]
    task = _state(branch["States"], name)
    if task["Type"] != "Task" or task.get("End") is not True:
        raise DefinitionError(f"{parallel}: branch {name} must be one Task that ends it")
    _check_task(name, task, attempts)
    catches = task.get("Catch", ())
    ends = [_state(branch["States"], c["Next"]) for c in catches if ANY_ERROR in c["ErrorEquals"]]
    if not ends or ends[0]["Type"] != "Pass" or ends[0].get("End") is not True:
        raise DefinitionError(
            f"{parallel}: branch {name} must catch {ANY_ERROR} into a Pass that ends it"
        )
    return name
