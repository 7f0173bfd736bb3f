"""Shadow scoring: a challenger model scores each application the champion scores, and what it
would have decided is kept beside the champion's evidence. It never decides and never delays a
decision.

FinalDecision hands the challenger's work on undone (`WorkflowRun.challenger`): the caller stores
the decision, answers the shopper, and only then, on a pool of its own, asks the challenger and
stores its record. The challenger is given the champion's instance and its score goes through
the same policy, inputs and cut-offs, so `bnpl model compare` reads what each model would have
decided. Pure: no web, storage or AWS.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from services.credit.policy.decision import DecisionInputs, decide
from services.credit.policy.rules import Policy
from services.credit.screening.state import Scorer, StepContext
from services.shared.errors import ServiceError

logger = logging.getLogger(__name__)


class ShadowStatus(StrEnum):
    """What became of the challenger's score for one decision."""

    SCORED = "SCORED"  # its would-be decision is recorded
    ERROR = "ERROR"  # the challenger failed; the decision is the champion's as always


@dataclass(frozen=True)
class PendingShadow:
    """The challenger, and what its score and would-be decision need: the champion's instance
    and the decision's inputs."""

    challenger: Scorer
    features: Mapping[str, float | str | None]
    inputs: DecisionInputs
    policy: Policy

    def evidence(self) -> dict[str, Any]:
        """Score with the challenger (one try: a retry would only make the record later) and
        decide with its score; the record, or the error it failed with."""
        try:
            score = self.challenger.score(self.features)
            would = decide(replace(self.inputs, score=score), self.policy)
        except ServiceError as exc:
            logger.warning("challenger model unavailable: %s", exc.code)
            return {"status": ShadowStatus.ERROR.value, "error": exc.code}
        except Exception:  # a shadow's fault must never reach a decision
            logger.exception("challenger model failed")
            return {"status": ShadowStatus.ERROR.value, "error": "InternalError"}
        return {
            "status": ShadowStatus.SCORED.value,
            "modelVersion": score.model_version,
            "probabilityBad": score.probability_bad,
            "points": score.points,
            "factors": [f.code for f in score.factors if f.impact > 0][:4],
            "band": would.band,
            "outcome": would.outcome.value,
        }


def pending(
    features: Mapping[str, float | str | None], inputs: DecisionInputs, ctx: StepContext
) -> PendingShadow | None:
    """The challenger's work for this decision; None when there is no challenger."""
    challenger = ctx.sources.challenger
    if challenger is None:
        return None
    return PendingShadow(challenger, features, inputs, ctx.policy)
