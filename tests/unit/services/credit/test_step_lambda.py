"""The state machine's step Lambda: it runs the state its event names over the credit service's
own adapters, trying each dependency once, under the invocation's trace."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from services.credit import step_lambda
from services.credit.screening.run_json import screening_to_json
from services.shared import trace
from tests.unit.services.credit.workflow.fakes import screening

ROOT = "1-6b14344d-eb4fcbefb9acda40b29a8652"


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    # The Lambda builds its context once per container; each test is a new container whose
    # logging stays the test process's.
    monkeypatch.setattr(step_lambda, "configure_logging", lambda service: None)
    step_lambda._context.cache_clear()
    yield
    step_lambda._context.cache_clear()


def test_a_state_runs_over_the_services_adapters_trying_each_dependency_once(monkeypatch):
    answer = step_lambda.handler(
        {
            "step": "ValidateCustomerInformation",
            "run": {"screening": screening_to_json(screening()), "steps": []},
        },
        SimpleNamespace(aws_request_id="c0ffee00-0000-4000-8000-000000000001"),
    )
    assert [(s["name"], s["status"]) for s in answer["steps"]] == [
        ("ValidateCustomerInformation", "PASSED")
    ]
    assert step_lambda._context().retry.attempts == 1  # the definition's Retry tries again


def test_the_invocation_runs_under_the_executions_trace(monkeypatch):
    seen: list[Any] = []

    def handle(event: Any, ctx: Any, metrics: Any) -> dict[str, Any]:
        seen.append(trace.current())
        return {}

    monkeypatch.setattr(step_lambda, "handle", handle)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1")
    step_lambda.handler(
        {"step": "FraudDetection", "run": {}},
        SimpleNamespace(aws_request_id="c0ffee00-0000-4000-8000-000000000002"),
    )
    assert seen[0].root == ROOT
    assert seen[0].request_id == "c0ffee00-0000-4000-8000-000000000002"
    assert trace.current() is None  # unbound once the invocation ends
