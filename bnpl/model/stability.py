"""How steady the top reason code is when an input moves by 1 %.

A customer told "your income is low" should not hear "your debts are high" had their income been
1 % different: each numeric model feature is moved by +1 % and by -1 %, one at a time, and the
first factor `services.scoring.predictions.factors` gives (the top reason) is compared with the
unmoved one.

Contributions are the server's Saabas attributions (`TreeEnsemble.predict`), computed here for
many vectors at once with numpy: the same routing and the same order of additions, so they are
equal to the server's to the last bit (a test checks it), at a fraction of the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from services.scoring.inputs import CATEGORICAL_FEATURES, FEATURES
from services.scoring.model import _ZERO, TreeEnsemble
from services.scoring.predictions import factors

Matrix = npt.NDArray[np.float64]
STEP = 0.01
TARGET = 0.95
NUMERIC_FEATURES: tuple[str, ...] = tuple(f for f in FEATURES if f not in CATEGORICAL_FEATURES)


@dataclass(frozen=True)
class _Tree:
    feature: npt.NDArray[np.int64]
    threshold: Matrix
    default_left: npt.NDArray[np.bool_]
    missing: npt.NDArray[np.int64]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    value: Matrix
    categorical: npt.NDArray[np.bool_]
    goes_left: npt.NDArray[np.bool_]  # [node, category code]: a categorical split sends it left
    codes: int  # the largest category code any split lists


@lru_cache(maxsize=2)
def _arrays(model: TreeEnsemble) -> tuple[_Tree, ...]:
    trees = []
    for tree in model.trees:
        codes = max((max(n.categories, default=0) for n in tree if n.categories), default=0)
        goes_left = np.zeros((len(tree), codes + 1), dtype=bool)
        for i, node in enumerate(tree):
            for code in node.categories or ():
                goes_left[i, code] = True
        trees.append(
            _Tree(
                feature=np.array([n.feature for n in tree], dtype=np.int64),
                threshold=np.array([n.threshold for n in tree], dtype=np.float64),
                default_left=np.array([n.default_left for n in tree], dtype=bool),
                missing=np.array([n.missing for n in tree], dtype=np.int64),
                left=np.array([n.left for n in tree], dtype=np.int64),
                right=np.array([n.right for n in tree], dtype=np.int64),
                value=np.array([n.value for n in tree], dtype=np.float64),
                categorical=np.array([n.categories is not None for n in tree], dtype=bool),
                goes_left=goes_left,
                codes=codes,
            )
        )
    return tuple(trees)


def contributions(model: TreeEnsemble, x: Matrix) -> Matrix:
    """Saabas contributions (calibrated log-odds) of every row of `x`, one column per feature."""
    n = len(x)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    rows = np.arange(n)
    for t in _arrays(model):
        feature, threshold, default_left, missing = (
            t.feature,
            t.threshold,
            t.default_left,
            t.missing,
        )
        left, right, value, categorical = t.left, t.right, t.value, t.categorical
        goes_left, codes = t.goes_left, t.codes
        node = np.zeros(n, dtype=np.int64)
        active = rows[left[node] >= 0]
        while len(active):
            at = node[active]
            f = feature[at]
            v = x[active, f]
            nan = np.isnan(v)
            # Numeric split, as Node.child: NaN-as-missing, else NaN reads 0, then Zero-as-missing.
            zeroed = np.where(nan, 0.0, v)
            default = np.where(default_left[at], left[at], right[at])
            by_value = np.where(zeroed <= threshold[at], left[at], right[at])
            numeric = np.where(
                (missing[at] == 2) & nan,
                default,
                np.where((missing[at] == 1) & (np.abs(zeroed) <= _ZERO), default, by_value),
            )
            # Categorical split: NaN, negative or unlisted codes go right.
            code = np.where(nan | (v < 0), -1, np.minimum(zeroed, codes + 1)).astype(np.int64)
            listed = (code >= 0) & (code <= codes)
            inside = np.zeros(len(at), dtype=bool)
            inside[listed] = goes_left[at[listed], code[listed]]
            child = np.where(categorical[at], np.where(inside, left[at], right[at]), numeric)
            out[active, f] += value[child] - value[at]
            node[active] = child
            active = active[left[child] >= 0]
    return out * model.calibration.slope  # as `TreeEnsemble.predict` reports them


def top_codes(model: TreeEnsemble, x: Matrix) -> list[str | None]:
    """The top reason code of each row (None when no feature costs the applicant points)."""
    names = [info.name for info in model.features]
    codes: list[str | None] = []
    for vector, moved in zip(x.tolist(), contributions(model, x).tolist(), strict=True):
        missing = frozenset(n for n, v in zip(names, vector, strict=True) if math.isnan(v))
        ranked = factors(model, dict(zip(names, moved, strict=True)), missing)
        codes.append(ranked[0]["code"] if ranked else None)
    return codes


def reason_stability(model: TreeEnsemble, x: Matrix) -> dict[str, Any]:
    """Share of rows whose top reason survives every ±1 % move of one numeric feature.

    Returns:
        `stable_share` over all moves, the share per feature (both directions), the worst
        feature, and how many rows have a top reason at all.
    """
    base = top_codes(model, x)
    # A move changes nothing where the value is 0 or missing: only the other rows are scored,
    # every move in one batch.
    which: list[tuple[int, int]] = []
    batches: list[Matrix] = []
    for i, name in enumerate(NUMERIC_FEATURES):
        column = FEATURES.index(name)
        moves = np.flatnonzero(np.nan_to_num(x[:, column]) != 0)
        for k, sign in enumerate((1, -1)):
            shifted = x[moves].copy()
            shifted[:, column] *= 1 + sign * STEP
            which.extend((2 * i + k, r) for r in moves.tolist())
            batches.append(shifted)
    same = np.ones((2 * len(NUMERIC_FEATURES), len(x)), dtype=bool)
    for (move, r), code in zip(which, top_codes(model, np.vstack(batches)), strict=True):
        same[move, r] = base[r] == code
    n = len(x)
    per_feature = {
        name: round(float(np.mean(same[2 * i] & same[2 * i + 1])), 4)
        for i, name in enumerate(NUMERIC_FEATURES)
    }
    worst = min(per_feature, key=lambda name: (per_feature[name], name))
    return {
        "step": STEP,
        "target": TARGET,
        "rows": n,
        "rows_with_a_reason": sum(code is not None for code in base),
        "stable_share": round(float(np.mean(same.all(axis=0))), 4),
        "worst_feature": worst,
        "per_feature": per_feature,
    }
