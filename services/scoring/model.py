"""The credit model as a plain-JSON tree ensemble, evaluated without any training library.

The artefact (`models/<version>/model.json`, written by `bnpl model train`) is LightGBM's tree
dump in flat arrays. Each node routes a value exactly as LightGBM's `NumericalDecision` and
`CategoricalDecision` do, so the sum of the leaves is LightGBM's raw margin to the last bit.

Per-prediction contributions are Saabas path attributions: walking a tree, each split credits its
feature with the change in the node's expected output, so the contributions of one prediction
plus the ensemble's bias add up to the margin exactly. They cost one walk per tree (TreeSHAP
costs a walk per leaf), which keeps scoring well under a millisecond.

An artefact may carry a calibration: Platt scaling, an affine map of the margin to the log-odds of
bad (`slope * margin + intercept`) fitted on out-of-fold predictions. Probability and points are
then read from the calibrated log-odds, and each contribution is scaled by the slope, so the
contributions plus the bias still add up to the log-odds the points come from. Without one, the
log-odds are the margin.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.scoring.inputs import FEATURES, RawInputs, derive

FORMAT = "bnpl-tree-ensemble/1"
# LightGBM's kZeroThreshold, 1e-35f, as the double it is compared in.
_ZERO = 1.0000000180025095e-35
_MISSING = {"None": 0, "Zero": 1, "NaN": 2}


class ArtefactError(ValueError):
    """The model file is not an artefact this evaluator can run."""


@dataclass(frozen=True, slots=True)
class Node:
    """One node: a split when `left >= 0`, else a leaf whose output is `value`."""

    feature: int
    threshold: float
    categories: frozenset[int] | None  # a categorical split: these codes go left
    default_left: bool
    missing: int  # 0 None (NaN counts as 0), 1 Zero, 2 NaN
    left: int
    right: int
    value: float  # leaf output, or the node's expected output (internal_value) for Saabas

    def child(self, x: Sequence[float]) -> int:
        """The child a value goes to, as LightGBM decides it."""
        v = x[self.feature]
        if self.categories is not None:
            if math.isnan(v) or v < 0:
                return self.right
            return self.left if int(v) in self.categories else self.right
        if math.isnan(v):
            if self.missing == 2:
                return self.left if self.default_left else self.right
            v = 0.0
        if self.missing == 1 and -_ZERO <= v <= _ZERO:
            return self.left if self.default_left else self.right
        return self.left if v <= self.threshold else self.right


@dataclass(frozen=True)
class FeatureInfo:
    """A model feature and the reason code it gives when it costs the applicant points.

    `reason_code` is None for a feature the product fixes (the term, the financed share): it is
    never given to a customer as a reason.
    """

    name: str
    reason_code: str | None
    description: str


@dataclass(frozen=True)
class Calibration:
    """Platt scaling: calibrated log-odds of bad = `slope * margin + intercept`."""

    slope: float
    intercept: float

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Calibration:
        """The artefact's `calibration` block; no block is the identity."""
        if raw is None:
            return IDENTITY
        if raw.get("method") != "platt":
            raise ArtefactError(f"unknown calibration method {raw.get('method')!r}")
        slope, intercept = float(raw["slope"]), float(raw["intercept"])
        # A slope at or below zero would reverse the ranking and every reason.
        if not (slope > 0 and math.isfinite(slope) and math.isfinite(intercept)):
            raise ArtefactError(
                f"calibration slope {slope} and intercept {intercept} are not usable"
            )
        return cls(slope, intercept)

    def log_odds(self, margin: float) -> float:
        """The calibrated log-odds of bad for a raw margin."""
        return self.slope * margin + self.intercept


IDENTITY = Calibration(1.0, 0.0)


@dataclass(frozen=True)
class Contribution:
    """How much one feature moved one prediction's log-odds of bad (calibrated, when calibrated)."""

    feature: str
    margin: float


@dataclass(frozen=True)
class Prediction:
    """One scored applicant: `margin` is LightGBM's raw score, the rest are calibrated."""

    margin: float
    log_odds: float
    probability_bad: float
    points: int
    contributions: tuple[Contribution, ...]
    bias: float


def _tree(raw: Mapping[str, Any]) -> tuple[Node, ...]:
    nodes = []
    for i, left in enumerate(raw["left"]):
        threshold = raw["threshold"][i]
        categorical = isinstance(threshold, list)
        nodes.append(
            Node(
                feature=int(raw["feature"][i]),
                threshold=0.0 if categorical or threshold is None else float(threshold),
                categories=frozenset(int(c) for c in threshold) if categorical else None,
                default_left=bool(raw["default_left"][i]),
                missing=_MISSING[raw["missing"][i]],
                left=int(left),
                right=int(raw["right"][i]),
                value=float(raw["value"][i]),
            )
        )
    return tuple(nodes)


class TreeEnsemble:
    """A loaded artefact: margin, probability, points and contributions for feature vectors."""

    def __init__(self, artefact: Mapping[str, Any]) -> None:
        if artefact.get("format") != FORMAT:
            raise ArtefactError(f"not a {FORMAT} artefact: format is {artefact.get('format')!r}")
        names = [feature["name"] for feature in artefact["features"]]
        if tuple(names) != FEATURES:
            raise ArtefactError(
                f"the artefact's features {names} are not the ones this server derives"
            )
        self.version: str = artefact["model_version"]
        self.money_unit_minor = float(artefact["money_unit_minor"])
        self.features = tuple(
            FeatureInfo(f["name"], f["reason_code"], f["description"]) for f in artefact["features"]
        )
        scale = artefact["points"]
        self.base_points = float(scale["base_points"])
        self.base_log_odds = math.log(float(scale["base_odds_good"]))
        self.points_per_log_odds = float(scale["pdo"]) / math.log(2)
        self.trees = tuple(_tree(tree) for tree in artefact["trees"])
        self.calibration = Calibration.from_json(artefact.get("calibration"))
        self.bias = self.calibration.log_odds(math.fsum(tree[0].value for tree in self.trees))

    @classmethod
    def load(cls, path: Path) -> TreeEnsemble:
        """Read an artefact file (`model.json`)."""
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ArtefactError(f"cannot load the model artefact {path}: {exc!r}") from exc

    def _paths(self, x: Sequence[float]) -> Iterator[tuple[Node, Node]]:
        for tree in self.trees:
            node = tree[0]
            while node.left >= 0:
                child = tree[node.child(x)]
                yield node, child
                node = child

    def margin(self, x: Sequence[float]) -> float:
        """The raw score (log-odds of bad): LightGBM's `predict(raw_score=True)`."""
        total = 0.0
        for tree in self.trees:
            node = tree[0]
            while node.left >= 0:
                node = tree[node.child(x)]
            total += node.value  # in tree order, as LightGBM adds them
        return total

    def points(self, log_odds: float) -> int:
        """Score points: `base_points` at `base_odds_good`, `pdo` more for each doubling."""
        return round(self.base_points + self.points_per_log_odds * (-log_odds - self.base_log_odds))

    def probability_bad(self, margin: float) -> float:
        """The (calibrated) probability of bad for a raw margin."""
        return 1.0 / (1.0 + math.exp(-self.calibration.log_odds(margin)))

    def predict(self, x: Sequence[float]) -> Prediction:
        """Everything about one feature vector, contributions included."""
        margin = self.margin(x)
        log_odds = self.calibration.log_odds(margin)
        moved = [0.0] * len(self.features)
        for parent, child in self._paths(x):
            moved[parent.feature] += child.value - parent.value
        slope = self.calibration.slope
        contributions = tuple(
            Contribution(info.name, slope * value)
            for info, value in zip(self.features, moved, strict=True)
            if value != 0.0
        )
        return Prediction(
            margin=margin,
            log_odds=log_odds,
            probability_bad=1.0 / (1.0 + math.exp(-log_odds)),
            points=self.points(log_odds),
            contributions=contributions,
            bias=self.bias,
        )

    def predict_inputs(self, raw: RawInputs) -> Prediction:
        """Score one applicant given in the dataset's units."""
        return self.predict(derive(raw))
