"""Runs the screening steps in order, times each one, and ends in a decision or an error.

- The steps run in the order of the workflow's ASL definition (`definition.py`), which a Step
  Functions state machine runs too; its parallel branch (OngoingLoanChecks and PaymentHistory)
  runs at the same time on a thread pool (their calls are blocking I/O; the service runs use
  cases in threads, so a pool, not asyncio, fits); FinalDecision last.
- The reads of `READ_AHEAD` start on the pool as soon as what they need is known, side by side
  (exposure and payment history as the run starts; the model's score once the
  bureau's step has passed), and the steps take their results when their turn comes: a
  decision waits for the slowest of them instead of for their sum. Each is read once per run,
  with the same retries as if its step made it, so the record of every step is unchanged.
- A step that FAILS the applicant sends the run to Reject (the definition's Catch of a failed
  check): the outcome is DECLINED with the
  rules that failed as reasons, and a rejection event is due (the caller publishes it once the
  decision is stored). FinalDecision declining goes to Reject too.
- A step that raises (a dependency still down after its retries, or a refusal such as a revoked
  consent) is recorded as ERROR and ends the run undecided: the caller keeps the application
  PENDING with the steps so far, and answers the error.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol

from services.credit.policy.decision import PolicyOutcome, assess
from services.credit.policy.offers import Offer
from services.credit.policy.reasons import select_reasons
from services.credit.policy.rules import SCORE_DECLINE, Action, Outcome, Policy
from services.credit.screening.definition import Shape, load_definition, workflow_shape
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.shadow import PendingShadow
from services.credit.screening.state import Screening, Sources, StepContext, StepStatus, Verdict
from services.credit.screening.steps import READ_AHEAD, STEPS, Step
from services.shared.errors import ServiceError
from services.shared.json_record import JsonRecord
from services.shared.metrics import NO_METRICS, MetricsSink, count, milliseconds
from services.shared.timestamps import iso_timestamp
from services.shared.trace import ContextThreadPool

logger = logging.getLogger(__name__)

SHAPE = workflow_shape(load_definition()).require_steps(STEPS)


@dataclass(frozen=True, kw_only=True)
class StepResult:
    """The API's `ScreeningStep`."""

    name: str
    status: StepStatus
    duration_ms: int
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "durationMs": self.duration_ms,
            "detail": dict(self.detail),
        }

    @classmethod
    def from_json(cls, data: object) -> StepResult:
        """The record `to_json` wrote, exactly (its detail is JSON already).

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an invalid value.
        """
        with JsonRecord(data, "StepResult") as record:
            return cls(
                name=record.value("name", str),
                status=record.choice("status", StepStatus),
                duration_ms=record.value("durationMs", int),
                detail=record.mapping("detail"),
            )


@dataclass(frozen=True, kw_only=True)
class WorkflowRun:
    """How a run ended.

    Attributes:
        outcome: the decision, None when a step errored.
        error: what stopped an undecided run.
        rejected: the run went to Reject (publish a rejection event once it is stored).
        challenger: a challenger model to score in shadow once the decision is stored and
            answered, and its record stored (`screening.shadow`); None without one.
    """

    steps: tuple[StepResult, ...]
    outcome: PolicyOutcome | None
    offers: tuple[Offer, ...]
    error: BaseException | None
    rejected: bool
    challenger: PendingShadow | None = None

    @property
    def decided(self) -> bool:
        return self.outcome is not None

    def decision_json(self, *, decided_at: Any) -> dict[str, Any]:
        """The stored `Decision`: the policy's evidence, the time and every step."""
        assert self.outcome is not None
        return {
            **self.outcome.to_json(),
            "decidedAt": iso_timestamp(decided_at),
            "steps": [step.to_json() for step in self.steps],
        }


class ScreeningWorkflow(Protocol):
    """Where a screening runs: in process (`Workflow`), or on the state machine
    (`services.credit.adapters.step_functions`)."""

    @property
    def policy(self) -> Policy: ...

    def run(self, screening: Screening) -> WorkflowRun:
        """Screen one application and decide it, unless a step errors."""
        ...


class Workflow:
    """The pre-screening workflow over injected data sources.

    Args:
        sources: the data sources of the steps.
        policy: the credit policy decisions are made under.
        retry: how dependency calls are retried.
        sleep, jitter: the backoff's clock and randomness (injected in tests).
        timer: a monotonic clock in seconds, for step durations.
        pool: runs the parallel steps; a private pool when not given.
        metrics: told of every step run: its duration, and whether it errored (a failed check
            is the applicant's outcome, not an error).
        shape: the order and branches of the steps (the definition's).
    """

    def __init__(
        self,
        *,
        sources: Sources,
        policy: Policy,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        timer: Callable[[], float] = time.perf_counter,
        pool: ThreadPoolExecutor | None = None,
        metrics: MetricsSink = NO_METRICS,
        shape: Shape = SHAPE,
    ) -> None:
        self.policy = policy
        self._shape = shape.require_steps(STEPS)
        self._metrics = metrics
        self._ctx = StepContext(
            sources=sources,
            policy=policy,
            retry=retry or RetryPolicy(attempts=SHAPE.attempts),
            sleep=sleep,
            jitter=jitter,
        )
        self._timer = timer
        self._pool = pool or ContextThreadPool(
            max_workers=8, thread_name_prefix="screening-parallel"
        )

    def run(self, screening: Screening) -> WorkflowRun:
        """Screen one application and decide it, unless a step errors."""
        steps: list[StepResult] = []
        self._read_ahead(screening, after=None)
        stages = [tuple((name, STEPS[name]) for name in stage) for stage in self._shape.stages]
        for stage in stages:
            results = self._stage(stage, screening)
            steps.extend(result for result, _ in results)
            errors = [error for _, error in results if error is not None]
            if errors:
                return self._undecided(steps, errors[0])
            if any(result.status is StepStatus.FAILED for result, _ in results):
                return replace(self._reject(steps, screening), challenger=screening.challenger)
            for name, _ in stage:
                self._read_ahead(screening, after=name)
        assert screening.outcome is not None  # FinalDecision passed, so it decided
        return WorkflowRun(
            steps=tuple(steps),
            outcome=screening.outcome,
            offers=tuple(screening.offers),
            error=None,
            rejected=False,
            challenger=screening.challenger,
        )

    def _read_ahead(self, screening: Screening, *, after: str | None) -> None:
        """Start the reads that wait for the step `after` (for nothing when None)."""
        ctx = self._ctx
        for read in READ_AHEAD:
            if read.after == after:
                screening.ahead[read.name] = self._pool.submit(
                    ctx.call, partial(read.fetch, screening, ctx.sources)
                )

    def _stage(
        self, stage: tuple[tuple[str, Step], ...], screening: Screening
    ) -> list[tuple[StepResult, BaseException | None]]:
        """One step inline, or several at once on the pool (each times itself)."""
        if len(stage) == 1:
            name, step = stage[0]
            return [self._timed(name, step, screening)]
        futures = [self._pool.submit(self._timed, name, step, screening) for name, step in stage]
        return [future.result() for future in futures]

    def _timed(
        self, name: str, step: Step, screening: Screening
    ) -> tuple[StepResult, BaseException | None]:
        return run_step(name, step, screening, self._ctx, timer=self._timer, metrics=self._metrics)

    @staticmethod
    def _undecided(steps: list[StepResult], error: BaseException) -> WorkflowRun:
        return WorkflowRun(steps=tuple(steps), outcome=None, offers=(), error=error, rejected=False)

    def _reject(self, steps: list[StepResult], screening: Screening) -> WorkflowRun:
        return reject(steps, screening, self.policy, timer=self._timer, state=self._shape.reject)


def run_step(
    name: str,
    step: Step,
    screening: Screening,
    ctx: StepContext,
    *,
    timer: Callable[[], float],
    metrics: MetricsSink,
) -> tuple[StepResult, BaseException | None]:
    """Run one step, timed: its record, and the error that stopped it (None when it concluded).

    The in-process runner and a state machine's step Lambda (`step_task`) both run steps here.
    """
    began = timer()
    error: BaseException | None = None
    try:
        verdict = step(screening, ctx)
    except ServiceError as exc:
        error = exc
        verdict = Verdict(
            status=StepStatus.ERROR,
            detail={"error": exc.code, "message": exc.message, **exc.details},
        )
    except Exception as exc:
        logger.exception("screening step %s broke", name)
        error = exc
        verdict = Verdict(status=StepStatus.ERROR, detail={"error": "InternalError"})
    elapsed = (timer() - began) * 1000
    elapsed_ms = round(elapsed)
    # Each step's status and time are on the decision's one log line (`steps`); a line per
    # step would double what logging costs a decision.
    logger.debug(
        "screening step %s %s",
        name,
        verdict.status.value,
        extra={"hop": f"step {name}", "duration_ms": elapsed_ms},
    )
    metrics.emit(
        count("ScreeningSteps"),
        milliseconds("ScreeningStepDuration", elapsed),
        count("ScreeningStepErrors", 0 if error is None else 1),
        step=name,
    )
    return StepResult(
        name=name, status=verdict.status, duration_ms=elapsed_ms, detail=verdict.detail
    ), error


def reject(
    steps: list[StepResult],
    screening: Screening,
    policy: Policy,
    *,
    timer: Callable[[], float],
    state: str,
) -> WorkflowRun:
    """The Reject state: a DECLINED outcome whose reasons are the rules that failed."""
    began = timer()
    outcome = screening.outcome
    if outcome is None or outcome.outcome is not Outcome.DECLINED:
        outcome = _early_decline(screening, policy)
    screening.outcome, screening.offers = outcome, []
    steps.append(
        StepResult(
            name=state,
            status=StepStatus.PASSED,
            duration_ms=round((timer() - began) * 1000),
            detail={
                "reasons": [reason.code for reason in outcome.reasons],
                "event": "CreditApplicationRejected",
            },
        )
    )
    return WorkflowRun(steps=tuple(steps), outcome=outcome, offers=(), error=None, rejected=True)


def _early_decline(screening: Screening, policy: Policy) -> PolicyOutcome:
    # A step declined before the model was asked: the outcome stands on the rules alone.
    # Affordability is still assessed and recorded on whatever figures were gathered.
    hits = screening.hits
    ranked = [h.code.value for h in hits if h.action is Action.DECLINE] + [
        h.code.value for h in hits if h.action is Action.REFER
    ]
    affordability = assess(
        screening.amount,
        band=None,
        cash_flow=screening.cash_flow,
        bureau=screening.bureau,
        policy=policy,
        today=screening.today,
    )
    return PolicyOutcome(
        outcome=Outcome.DECLINED,
        band=None,
        limit=None,
        available=None,
        reasons=select_reasons(ranked, (), describe=policy.describe, fallback=SCORE_DECLINE),
        affordability=affordability,
        policy_version=policy.version,
        hits=tuple(hits),
        probability_bad=None,
        model_version=None,
    )
