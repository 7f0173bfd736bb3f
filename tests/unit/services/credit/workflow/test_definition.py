"""The workflow's ASL definition is its one description: the runner takes its shape from it, and
a definition that drifts from the steps the code has, or from the shape, is refused."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest

from services.credit.screening.definition import (
    DEFINITION_PATH,
    STEP_ARN_PLACEHOLDER,
    DefinitionError,
    load_definition,
    render_definition,
    workflow_shape,
)
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.runner import SHAPE, Workflow
from services.credit.screening.steps import STEPS
from tests.unit.services.credit.workflow.fakes import POLICY, screening, sources

LAMBDA = "arn:aws:lambda:eu-west-2:111122223333:function:bnpl-dev-screening-step"


def definition() -> dict[str, Any]:
    return copy.deepcopy(load_definition())


def test_the_shape_is_the_case_studys_in_its_order():
    assert SHAPE.stages == (
        ("ValidateCustomerInformation",),
        ("ValidateBankStatements",),
        ("ValidateFinancialStatements",),
        ("CheckExternalCreditReport",),
        ("CheckInternalExposure",),
        ("FraudDetection",),
        ("OngoingLoanChecks", "PaymentHistory"),
        ("FinalDecision",),
    )
    assert (SHAPE.reject, SHAPE.undecided) == ("Reject", "Undecided")
    retry = load_definition()["States"]["FinalDecision"]["Retry"][0]
    assert SHAPE.attempts == retry["MaxAttempts"] + 1 == 3


def test_every_step_of_the_code_is_in_the_definition_and_the_reverse():
    assert set(SHAPE.steps) == set(STEPS)
    with pytest.raises(DefinitionError, match=r"the code has not: \['FraudDetection'\]"):
        SHAPE.require_steps([name for name in STEPS if name != "FraudDetection"])
    with pytest.raises(DefinitionError, match=r"the definition has not: \['Extra'\]"):
        SHAPE.require_steps([*STEPS, "Extra"])


def test_a_definition_with_a_step_the_code_lacks_is_refused_by_the_runner():
    changed = definition()
    states = changed["States"]
    states["FraudDetection"]["Next"] = "CheckSanctions"
    states["CheckSanctions"] = {
        **copy.deepcopy(states["FraudDetection"]),
        "Parameters": {"step": "CheckSanctions", "run.$": "$"},
        "Next": "ParallelValidation",
    }
    with pytest.raises(DefinitionError, match="CheckSanctions"):
        Workflow(sources=sources(), policy=POLICY, shape=workflow_shape(changed))


def test_the_runner_runs_the_steps_in_the_definitions_order():
    changed = definition()
    states = changed["States"]
    # Fraud checked before the internal exposure: the state machine's order is the run's.
    states["CheckExternalCreditReport"]["Next"] = "FraudDetection"
    states["FraudDetection"]["Next"] = "CheckInternalExposure"
    states["CheckInternalExposure"]["Next"] = "ParallelValidation"
    ticks = itertools.count(step=0.002)
    run = Workflow(
        sources=sources(),
        policy=POLICY,
        retry=RetryPolicy(attempts=1),
        sleep=lambda _: None,
        timer=lambda: next(ticks),
        shape=workflow_shape(changed),
    ).run(screening())
    names = [step.name for step in run.steps]
    assert names.index("FraudDetection") < names.index("CheckInternalExposure")
    assert run.outcome is not None
    assert run.outcome.outcome.value == "APPROVED"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (
            lambda s: s["FraudDetection"].update(Catch=s["FraudDetection"]["Catch"][1:]),
            "FraudDetection: it must catch CheckFailed",
        ),
        (
            lambda s: s["FraudDetection"]["Catch"][0].update(Next="Undecided"),
            "route failures to different states",
        ),
        (
            lambda s: s["FraudDetection"].update(Retry=s["FraudDetection"]["Retry"][1:]),
            "FraudDetection: no Retry of DependencyFailure",
        ),
        (
            lambda s: s["FraudDetection"]["Retry"][0].update(MaxAttempts=5),
            "tried different numbers of times",
        ),
        (
            lambda s: s["FraudDetection"].update(Resource="arn:aws:lambda:x:1:function:other"),
            "FraudDetection: its Resource must be",
        ),
        (
            lambda s: s["FraudDetection"]["Parameters"].update(step="PaymentHistory"),
            "FraudDetection: Parameters.step must name the state",
        ),
        (
            lambda s: s["ParallelValidation"]["Branches"][0]["States"]["OngoingLoanChecks"].update(
                Catch=[]
            ),
            "branch OngoingLoanChecks must catch States.ALL",
        ),
        (
            lambda s: s["ParallelValidation"]["Branches"][1]["States"]["PaymentHistory"].update(
                End=False, Next="PaymentHistoryEnded"
            ),
            "branch PaymentHistory must be one Task that ends it",
        ),
        (lambda s: s["FraudDetection"].update(Next="Nowhere"), "Nowhere: no such state"),
        (lambda s: s["Reject"].pop("End"), "Reject: the run must end there"),
        (
            lambda s: s["FraudDetection"].update(Type="Pass"),
            "FraudDetection: a Pass state where a step is expected",
        ),
    ],
)
def test_a_definition_that_is_not_the_shape_is_refused_naming_the_state(change, refusal):
    changed = definition()
    change(changed["States"])
    with pytest.raises(DefinitionError, match=refusal):
        workflow_shape(changed)


def test_the_rendered_definition_is_the_file_with_the_lambda_filled_in():
    rendered = render_definition(LAMBDA)
    assert STEP_ARN_PLACEHOLDER not in rendered
    parsed = json.loads(rendered)
    text = DEFINITION_PATH.read_text(encoding="utf-8")
    assert parsed == json.loads(text.replace(STEP_ARN_PLACEHOLDER, LAMBDA))
    resources = {
        state["Resource"] for state in parsed["States"].values() if state["Type"] == "Task"
    }
    assert resources == {LAMBDA}


def test_the_definition_uses_jsonpath_not_jsonata():
    # The local interpreter the definition is proved on runs JSONPath only.
    assert load_definition().get("QueryLanguage", "JSONPath") == "JSONPath"
    assert "{%" not in DEFINITION_PATH.read_text(encoding="utf-8")
