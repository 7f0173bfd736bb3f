"""The credit model, called the way SageMaker is called: boto3 `sagemaker-runtime`.

Only `endpoint_url` differs between the local stack (the scoring server, `services/scoring`) and
AWS (a SageMaker endpoint): the request, the SigV4 signature and the answer are the same.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.shared.errors import DependencyFailure
from services.shared.propagation import trace_botocore
from services.shared.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelFactor:
    """A feature that cost the applicant points, with its reason code.

    Attributes:
        feature: the model feature, e.g. `expenses_to_income`.
        code: its reason code, e.g. `HIGH_EXPENSES_TO_INCOME`.
        description: plain language for the customer.
        impact: points it cost (positive; larger costs more).
    """

    feature: str
    code: str
    description: str
    impact: float


@dataclass(frozen=True)
class ModelScore:
    """The model's answer for one applicant; `factors` are sorted costliest first."""

    probability_bad: float
    points: int
    model_version: str
    factors: tuple[ModelFactor, ...]


def _score(prediction: Any) -> ModelScore:
    try:
        factors = tuple(
            ModelFactor(
                feature=str(f["feature"]),
                code=str(f["code"]),
                description=str(f["description"]),
                impact=float(f["impact"]),
            )
            for f in prediction["factors"]
        )
        return ModelScore(
            probability_bad=float(prediction["probability_bad"]),
            points=int(prediction["points"]),
            model_version=str(prediction["model_version"]),
            factors=tuple(sorted(factors, key=lambda f: -f.impact)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DependencyFailure("The scoring endpoint answered an unexpected shape") from exc


class ScoringClient:
    """Scores applicants on the SageMaker endpoint named in the settings: on the variant its
    weights choose, or on `target_variant` (a challenger scored in shadow).

    Timeouts and bounded retries (botocore's standard mode: connection errors, throttling and
    5xx, with jittered backoff) come from the client's `Config`; whatever still fails becomes
    `DependencyFailure`, which the caller may retry later.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        client: SageMakerRuntimeClient | None = None,
        target_variant: str | None = None,
        connect_timeout_s: float = 1.0,
        read_timeout_s: float = 2.0,
        max_attempts: int = 3,
    ) -> None:
        self.endpoint_name = settings.scoring_endpoint_name
        self.target_variant = target_variant
        self.client = client or trace_botocore(
            boto3.client(
                "sagemaker-runtime",
                endpoint_url=settings.scoring_endpoint_url or None,
                region_name=settings.region,
                config=Config(
                    connect_timeout=connect_timeout_s,
                    read_timeout=read_timeout_s,
                    retries={"mode": "standard", "total_max_attempts": max_attempts},
                ),
            )
        )

    def score(self, features: Mapping[str, float | str | None]) -> ModelScore:
        """Score one applicant.

        Raises:
            DependencyFailure: the endpoint is unreachable, slow, rejects the call or answers
                something we cannot read.
        """
        body = json.dumps({"instances": [dict(features)]})
        variant = {"TargetVariant": self.target_variant} if self.target_variant else {}
        try:
            response = self.client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                ContentType="application/json",
                Accept="application/json",
                Body=body.encode(),
                **variant,
            )
            answer = json.loads(response["Body"].read())
        except ClientError as exc:
            error = exc.response.get("Error", {})
            logger.warning("scoring endpoint refused: %s %s", error.get("Code"), error)
            raise DependencyFailure(
                f"The scoring endpoint refused the request ({error.get('Code', 'unknown')})",
                details={"dependency": "scoring", "code": error.get("Code")},
            ) from exc
        except BotoCoreError as exc:
            logger.warning("scoring endpoint unavailable: %r", exc)
            raise DependencyFailure(
                "The scoring endpoint is unavailable; try again",
                details={"dependency": "scoring"},
            ) from exc
        except ValueError as exc:
            raise DependencyFailure("The scoring endpoint answered invalid JSON") from exc
        predictions = answer.get("predictions") if isinstance(answer, dict) else None
        if not isinstance(predictions, list) or len(predictions) != 1:
            raise DependencyFailure("The scoring endpoint answered an unexpected shape")
        return _score(predictions[0])
