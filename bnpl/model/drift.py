"""Drift of the decided population from the training data: population stability index (PSI) of
the model's score and of each model feature, and the mix of outcomes and reasons over time.

Binning, fixed by the training data so that every comparison uses the same bins:

- a numeric feature (and the score) is cut at the deciles of its training values; a feature
  with few distinct values (the term, adverse records) has fewer bins, since equal deciles
  merge;
- a categorical feature (`CATEGORICAL_FEATURES`) has one bin per category code;
- either kind has one more bin for a missing value, so a source that stops sending a feature
  shows as drift instead of vanishing from the comparison.

An empty bin would make PSI infinite; each bin's share is floored at `FLOOR` first.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.scoring.inputs import CATEGORICAL_FEATURES, FEATURES

FLOOR = 1e-4
"""The least share a bin is given (of the training data or of the decisions) before PSI."""
WATCH = 0.10
ACT = 0.25
SCORE = "probability_bad"
"""The name the score's PSI is reported under, beside the features'."""
MIN_OBSERVED = 100
"""Fewer values than this and a PSI over ten bins moves by chance alone (a few dozen decisions
put bins at zero or double): it is shown, not flagged."""


class Flag(StrEnum):
    """How far a distribution has moved: below `WATCH`, from `WATCH`, from `ACT`."""

    QUIET = "quiet"
    WATCH = "watch"
    ACT = "act"
    FEW = "too few to judge"


def flag(psi: float) -> Flag:
    """The flag of one PSI value.

    Example:
        >>> flag(0.09), flag(0.10), flag(0.25)
        (<Flag.QUIET: 'quiet'>, <Flag.WATCH: 'watch'>, <Flag.ACT: 'act'>)
    """
    if psi >= ACT:
        return Flag.ACT
    if psi >= WATCH:
        return Flag.WATCH
    return Flag.QUIET


def _known(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None and not math.isnan(v)]


@dataclass(frozen=True)
class Bins:
    """How one feature's values are binned: at `edges` (numeric) or by `categories`; the last
    bin is always "missing"."""

    edges: tuple[float, ...] = ()
    categories: tuple[float, ...] | None = None

    @classmethod
    def deciles(cls, training: Iterable[float | None]) -> Bins:
        """Cut at the deciles of the known training values (equal deciles merge)."""
        known = sorted(_known(training))
        # Each decile is a training value (no interpolation), so a value shared by many rows
        # is one edge and not split between two bins.
        cuts = {known[max(0, math.ceil(len(known) * k / 10) - 1)] for k in range(1, 10)}
        return cls(edges=tuple(sorted(cuts)) if known else ())

    @classmethod
    def of_categories(cls, training: Iterable[float | None]) -> Bins:
        """One bin per category seen in training; an unseen one falls in "missing"."""
        return cls(categories=tuple(sorted(set(_known(training)))))

    @property
    def size(self) -> int:
        if self.categories is not None:
            return len(self.categories) + 1
        return len(self.edges) + 2  # below each edge, above the last, missing

    def index(self, value: float | None) -> int:
        """The bin of one value: a numeric one falls in the first bin whose edge it is at or
        below."""
        if value is None or math.isnan(value):
            return self.size - 1
        if self.categories is not None:
            return self.categories.index(value) if value in self.categories else self.size - 1
        return bisect_left(self.edges, value)

    def shares(self, values: Iterable[float | None]) -> tuple[float, ...]:
        """Each bin's share of `values` (all zeros for none)."""
        counts = [0] * self.size
        for value in values:
            counts[self.index(value)] += 1
        total = sum(counts)
        return tuple(c / total if total else 0.0 for c in counts)


def psi(expected: Sequence[float], actual: Sequence[float], *, floor: float = FLOOR) -> float:
    """Population stability index: sum over bins of (actual - expected) * ln(actual / expected),
    each share floored at `floor`.

    Example:
        >>> round(psi([0.5, 0.5], [0.25, 0.75]), 4)
        0.2747
    """
    if len(expected) != len(actual):
        raise ValueError(f"{len(expected)} expected shares against {len(actual)} actual")
    total = 0.0
    for e_share, a_share in zip(expected, actual, strict=True):
        e, a = max(e_share, floor), max(a_share, floor)
        total += (a - e) * math.log(a / e)
    return total


@dataclass(frozen=True)
class Baseline:
    """The training data's bins and shares, per feature and for the score."""

    bins: Mapping[str, Bins]
    shares: Mapping[str, tuple[float, ...]]

    @classmethod
    def of(cls, vectors: Sequence[Sequence[float]], scores: Sequence[float]) -> Baseline:
        """From the training rows' feature vectors (`FEATURES` order) and the model's score of
        each."""
        columns = {name: [v[i] for v in vectors] for i, name in enumerate(FEATURES)}
        bins = {
            name: Bins.of_categories(column)
            if name in CATEGORICAL_FEATURES
            else Bins.deciles(column)
            for name, column in columns.items()
        }
        bins[SCORE] = Bins.deciles(scores)
        columns[SCORE] = list(scores)
        return cls(bins=bins, shares={name: bins[name].shares(columns[name]) for name in bins})


@dataclass(frozen=True)
class Stability:
    """One feature's (or the score's) PSI over the decisions that carried it."""

    name: str
    psi: float
    observed: int

    @property
    def flag(self) -> Flag:
        return Flag.FEW if self.observed < MIN_OBSERVED else flag(self.psi)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "psi": round(self.psi, 4),
            "flag": self.flag.value,
            "observed": self.observed,
        }


def stability(
    baseline: Baseline, vectors: Sequence[Sequence[float]], scores: Sequence[float]
) -> tuple[Stability, ...]:
    """The score's PSI first, then each feature's, against the baseline."""
    columns: dict[str, list[float]] = {SCORE: list(scores)}
    columns |= {name: [v[i] for v in vectors] for i, name in enumerate(FEATURES)}
    return tuple(
        Stability(
            name=name,
            psi=psi(baseline.shares[name], baseline.bins[name].shares(column)),
            observed=len(column),
        )
        for name, column in columns.items()
    )


@dataclass(frozen=True)
class Decided:
    """What the mix counts of one stored decision."""

    at: datetime
    outcome: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Mix:
    """Outcomes and reason codes of the decisions in one time bucket."""

    bucket: str
    decisions: int
    outcomes: Mapping[str, int]
    reasons: Mapping[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "decisions": self.decisions,
            "outcomes": dict(self.outcomes),
            "reasons": dict(self.reasons),
        }


BUCKETS: Mapping[str, str] = {"day": "%Y-%m-%d", "hour": "%Y-%m-%dT%H:00Z"}


def mix(decisions: Iterable[Decided], *, bucket: str = "day") -> tuple[Mix, ...]:
    """The outcome and reason-code counts per bucket (`BUCKETS`, in UTC), oldest first."""
    pattern = BUCKETS[bucket]
    grouped: dict[str, list[Decided]] = {}
    for decided in sorted(decisions, key=lambda d: d.at):
        grouped.setdefault(decided.at.strftime(pattern), []).append(decided)
    return tuple(
        Mix(
            bucket=key,
            decisions=len(group),
            outcomes=dict(sorted(Counter(d.outcome for d in group).items())),
            reasons=dict(Counter(code for d in group for code in d.reasons).most_common()),
        )
        for key, group in grouped.items()
    )
