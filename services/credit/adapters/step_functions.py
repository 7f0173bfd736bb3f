"""The pre-screening workflow run by its state machine (`BNPL_WORKFLOW_ENGINE=step_functions`):
one `StartSyncExecution` of the Express state machine deployed from the same ASL definition.

The execution's input is the run's starting state and its output the run's result
(`screening.step_task`), so the credit service stores and answers a decision made there exactly
as one made in process. An execution that fails or times out as a whole (the state machine
throttled, a Lambda that never answered) leaves the application undecided, PENDING, with a
DependencyFailure the caller may retry.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.credit.policy.rules import Policy
from services.credit.screening.run_json import screening_to_json
from services.credit.screening.runner import WorkflowRun
from services.credit.screening.state import Screening
from services.credit.screening.step_task import RunResult
from services.shared import trace
from services.shared.errors import DependencyFailure
from services.shared.propagation import trace_botocore

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

logger = logging.getLogger(__name__)


class StepFunctionsWorkflow:
    """Runs screenings on the state machine `state_machine_arn`.

    Args:
        policy: the policy the step Lambda decides under (the same file, deployed with it).
        client: a `stepfunctions` client (one is made for `region` when not given).
    """

    def __init__(
        self,
        *,
        state_machine_arn: str,
        policy: Policy,
        region: str,
        client: SFNClient | None = None,
    ) -> None:
        self.policy = policy
        self._arn = state_machine_arn
        self._client: SFNClient = client or trace_botocore(
            boto3.client(
                "stepfunctions",
                region_name=region,
                config=Config(retries={"mode": "standard", "max_attempts": 2}),
            )
        )

    def run(self, screening: Screening) -> WorkflowRun:
        """Screen one application on the state machine and decide it, unless a step errors."""
        started = {"screening": screening_to_json(screening), "steps": []}
        current = trace.current()
        # The execution joins the request's X-Ray trace.
        extra: dict[str, Any] = {} if current is None else {"traceHeader": current.header()}
        try:
            answer = self._client.start_sync_execution(
                stateMachineArn=self._arn, input=json.dumps(started), **extra
            )
        except (BotoCoreError, ClientError) as exc:
            logger.warning("the screening state machine could not be started: %s", exc)
            return _undecided("the screening workflow could not be started; try again")
        if answer["status"] != "SUCCEEDED":
            logger.warning(
                "screening execution %s ended %s: %s",
                answer.get("executionArn"),
                answer["status"],
                answer.get("error"),
            )
            return _undecided(f"the screening workflow ended {answer['status']}; try again")
        return RunResult(document=json.loads(answer["output"])).workflow_run()


def _undecided(message: str) -> WorkflowRun:
    return WorkflowRun(
        steps=(), outcome=None, offers=(), error=DependencyFailure(message), rejected=False
    )
