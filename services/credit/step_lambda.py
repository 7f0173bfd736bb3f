"""The Lambda behind the pre-screening state machine's Task states: runs the step a state names.

Step Functions invokes it with `{"step": <state>, "run": <the run's state>}`
(`screening.step_task`). It reads what the credit service reads, through the same adapters
(`wiring.screening_sources`), and tries each dependency once: the definition's Retry makes the
other tries, with the backoff the state machine shows in its history.
"""

from __future__ import annotations

import functools
import random
import time
from typing import Any

from services.credit.policy.rules import load_policy
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.state import StepContext
from services.credit.screening.step_task import handle
from services.credit.wiring import screening_sources
from services.shared import trace
from services.shared.emf import EmfMetrics
from services.shared.logs import configure_logging, flush_logs
from services.shared.settings import Settings

SERVICE = "screening-step"


@functools.cache
def _context() -> StepContext:
    # Built on the first invocation and kept for the container's life, as the service keeps
    # its clients: connections are reused from one step to the next.
    configure_logging(SERVICE)
    policy = load_policy()
    return StepContext(
        sources=screening_sources(Settings.from_environ(), policy),
        policy=policy,
        retry=RetryPolicy(attempts=1),
        sleep=time.sleep,
        jitter=random.random,
    )


@functools.cache
def _metrics() -> EmfMetrics:
    return EmfMetrics(service="credit")


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Run one screening state; see `step_task.handle` for what it answers or raises."""
    ctx = _context()
    # The execution joined the API request's trace (StartSyncExecution's traceHeader), and Lambda
    # hands each invocation its segment of it: the step's log lines and calls carry that root.
    invocation = trace.from_headers(
        {trace.TRACE_HEADER: trace.lambda_trace_header() or ""},
        request_id=getattr(context, "aws_request_id", None),
    )
    try:
        with trace.bound(invocation):
            return handle(event, ctx, metrics=_metrics())
    finally:
        flush_logs()
