"""Turn a SageMaker-style request body into predictions with reason codes."""

from __future__ import annotations

from math import isnan
from typing import Any

from services.scoring.inputs import InvalidInstanceError, derive, parse_instance
from services.scoring.model import TreeEnsemble
from services.shared.errors import ValidationError

MAX_INSTANCES = 100


def factors(
    model: TreeEnsemble, contributions: dict[str, float], missing: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The features that cost the applicant points, costliest first, with their reason codes.

    `impact` is in points (positive = points lost), so it reads like a scorecard's "points below
    the attribute's best". A feature we hold no value for costs points through the trees' missing
    branch: its reason says the information is missing, never what the value would have meant
    (a thin file has no employment length, not a short one).
    """
    costs: list[tuple[float, str, dict[str, Any]]] = []
    for info in model.features:
        impact = contributions.get(info.name, 0.0) * model.points_per_log_odds
        if impact > 0 and info.reason_code is not None:
            label = info.name.replace("_", " ")
            factor = {
                "feature": info.name,
                "code": f"UNKNOWN_{info.name.upper()}"
                if info.name in missing
                else info.reason_code,
                "description": f"We hold no information about your {label}"
                if info.name in missing
                else info.description,
                "impact": round(impact, 4),
            }
            costs.append((-impact, info.name, factor))
    return [factor for *_, factor in sorted(costs)]


def predict(model: TreeEnsemble, body: dict[str, Any]) -> dict[str, Any]:
    """`{"instances": [...]}` → `{"predictions": [...]}`.

    Raises:
        ValidationError: no instances, too many, or one the model cannot take (named by index).
    """
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances:
        raise ValidationError(
            'Send {"instances": [{feature: value, ...}, ...]} with at least one instance',
            field="instances",
        )
    if len(instances) > MAX_INSTANCES:
        raise ValidationError(f"At most {MAX_INSTANCES} instances per request", field="instances")
    predictions = []
    for index, instance in enumerate(instances):
        try:
            raw = parse_instance(instance, money_unit_minor=model.money_unit_minor)
        except InvalidInstanceError as exc:
            raise ValidationError(
                f"instances[{index}]: {exc}", field=f"instances[{index}]"
            ) from None
        vector = derive(raw)
        scored = model.predict(vector)
        contributions = {c.feature: c.margin for c in scored.contributions}
        missing = frozenset(
            info.name for info, value in zip(model.features, vector, strict=True) if isnan(value)
        )
        predictions.append(
            {
                "probability_bad": scored.probability_bad,
                "points": scored.points,
                "model_version": model.version,
                "factors": factors(model, contributions, missing),
            }
        )
    return {"predictions": predictions}
