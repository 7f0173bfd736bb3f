"""Shadow scoring: the challenger is asked after the champion's decision, its answer is recorded
beside it, and it never changes, delays or breaks the decision."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from services.credit.applications.challenger_records import ChallengerRecords
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.runner import Workflow, WorkflowRun
from services.shared.errors import DependencyFailure
from services.shared.metrics import RecordingMetrics
from tests.unit.services.credit.workflow.fakes import (
    POLICY,
    FakeScorer,
    customer,
    screening,
    sources,
)


def run(*, name: str = "approve", **overrides: Any) -> WorkflowRun:
    ticks = itertools.count(step=0.002)
    workflow = Workflow(
        sources=sources(**overrides),
        policy=POLICY,
        retry=RetryPolicy(attempts=3),
        sleep=lambda _: None,
        jitter=lambda: 1.0,
        timer=lambda: next(ticks),
    )
    if name == "underage":
        return workflow.run(screening(customer=customer(dateOfBirth="2015-01-01")))
    return workflow.run(screening(name))


def decision(result: WorkflowRun) -> tuple[Any, ...]:
    """What the customer is told and what is stored of the decision."""
    assert result.outcome is not None
    return (
        result.outcome.outcome,
        result.outcome.band,
        [r.code for r in result.outcome.reasons],
        [o.to_json() for o in result.offers],
        [(s.name, s.status, dict(s.detail)) for s in result.steps],
    )


@pytest.mark.parametrize(
    ("probability", "band", "outcome"),
    [(0.9, "E", "DECLINED"), (0.4, "D", "REFERRED"), (0.15, "B", "APPROVED")],
)
def test_the_challengers_would_be_decision_is_recorded_and_the_champion_decides(
    probability, band, outcome
):
    # GIVEN a champion that approves in band A and a challenger that would decide otherwise
    alone = run(scorer=FakeScorer(probability_bad=0.05, model_version="credit-v1"))
    challenger = FakeScorer(probability_bad=probability, model_version="credit-v2")
    # WHEN both score
    both = run(
        scorer=FakeScorer(probability_bad=0.05, model_version="credit-v1"), challenger=challenger
    )
    # THEN the decision, its evidence and every step are the champion's, as without a challenger
    assert decision(both) == decision(alone)
    assert alone.challenger is None
    # AND the challenger, not yet asked, answers through the same policy and inputs
    assert both.challenger is not None
    assert challenger.calls == 0
    assert both.challenger.evidence() == {
        "status": "SCORED",
        "modelVersion": "credit-v2",
        "probabilityBad": probability,
        "points": 600,
        "factors": ["HIGH_EXPENSES_TO_INCOME"],
        "band": band,
        "outcome": outcome,
    }
    assert challenger.calls == 1


def test_a_champion_decline_still_records_the_challenger():
    both = run(scorer=FakeScorer(probability_bad=0.9), challenger=FakeScorer(probability_bad=0.05))
    assert both.rejected
    assert both.challenger is not None
    record = both.challenger.evidence()
    assert record is not None
    assert (record["outcome"], record["band"]) == ("APPROVED", "A")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DependencyFailure("The scoring endpoint is unavailable; try again"), "DependencyFailure"),
        (RuntimeError("a bug in the challenger's client"), "InternalError"),
    ],
)
def test_a_failing_challenger_is_recorded_once_and_changes_nothing(error, code):
    class Failing(FakeScorer):
        def score(self, features):
            self.calls += 1
            raise error

    challenger = Failing()
    alone = run(scorer=FakeScorer())
    both = run(scorer=FakeScorer(), challenger=challenger)
    assert decision(both) == decision(alone)
    assert both.challenger is not None
    assert both.challenger.evidence() == {"status": "ERROR", "error": code}
    assert challenger.calls == 1  # never retried: a retry would only be later still


def test_the_challenger_is_given_the_champions_instance():
    seen: dict[str, list[dict[str, Any]]] = {"credit-v1": [], "credit-v2": []}

    class Keeping(FakeScorer):
        def score(self, features):
            seen[self.model_version].append(dict(features))
            return super().score(features)

    champion = Keeping(model_version="credit-v1")
    challenger = Keeping(model_version="credit-v2")
    both = run(scorer=champion, challenger=challenger)
    assert both.challenger is not None
    both.challenger.evidence()
    assert seen["credit-v2"] == seen["credit-v1"]
    assert len(seen["credit-v1"]) == 1


def test_an_applicant_declined_before_the_model_is_scored_by_neither_model():
    challenger, champion = FakeScorer(), FakeScorer()
    result = run(name="underage", scorer=champion, challenger=challenger)
    assert [s.name for s in result.steps] == ["ValidateCustomerInformation", "Reject"]
    assert champion.calls == challenger.calls == 0
    assert result.challenger is None


class RecordingStore:
    def __init__(self, fail: bool = False) -> None:
        self.records: dict[str, Mapping[str, Any]] = {}
        self.fail = fail

    def record_challenger(self, application_id: str, record: Mapping[str, Any]) -> None:
        if self.fail:
            raise RuntimeError("the table is unreachable")
        self.records[application_id] = record


def test_the_record_is_made_and_stored_on_the_records_pool():
    result = run(challenger=FakeScorer(probability_bad=0.4, model_version="credit-v2"))
    assert result.challenger is not None
    store, metrics = RecordingStore(), RecordingMetrics()
    with ThreadPoolExecutor(max_workers=1) as pool:
        records = ChallengerRecords(store, pool=pool, metrics=metrics)  # type: ignore[arg-type]
        done = records.record("app_1", result.challenger)
        assert done is not None
        done.result(timeout=10)
    assert store.records["app_1"]["outcome"] == "REFERRED"
    assert metrics.values("ChallengerScores", status="SCORED") == [1]
    # A store that fails loses the record, and nothing else: the failure stays on the pool.
    failing = RecordingStore(fail=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        records = ChallengerRecords(failing, pool=pool)  # type: ignore[arg-type]
        done = records.record("app_1", result.challenger)
        assert done is not None
        assert done.result(timeout=10) is None
    assert failing.records == {}


def test_records_past_the_limit_are_dropped_not_queued():
    # GIVEN a challenger that hangs, and room for two records
    released = threading.Event()

    class Hung(FakeScorer):
        def score(self, features):
            assert released.wait(timeout=30)
            return super().score(features)

    result = run(challenger=Hung())
    assert result.challenger is not None
    store, metrics = RecordingStore(), RecordingMetrics()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            records = ChallengerRecords(
                store,  # type: ignore[arg-type]
                pool=pool,
                max_waiting=2,
                metrics=metrics,
            )
            first = records.record("app_1", result.challenger)
            second = records.record("app_2", result.challenger)
            # THEN a third is dropped at once rather than queued behind them
            assert records.record("app_3", result.challenger) is None
            released.set()
            assert first is not None
            assert second is not None
            second.result(timeout=10)
            # AND once they are done there is room again
            again = records.record("app_4", result.challenger)
            assert again is not None
            again.result(timeout=10)
    finally:
        released.set()
    assert sorted(store.records) == ["app_1", "app_2", "app_4"]
    assert metrics.values("ChallengerScores", status="DROPPED") == [1]
