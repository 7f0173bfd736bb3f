"""Fit, evaluate and export the credit model: LightGBM, seed-fixed, protected attributes dropped.

Evaluation follows research/credit.md §5: 5-fold stratified CV (AUC mean ± sd, KS, Gini, Brier on
the out-of-fold predictions) and a fixed 70/30 stratified hold-out; the artefact is the model fit
on every row, exported to JSON and checked against LightGBM on the whole dataset before it is
written.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold, train_test_split

from bnpl.model import fairness, stability
from bnpl.model.dataset import EXCLUDED_COLUMNS, Dataset, load_protected
from services.credit.policy.rules import load_policy
from services.scoring.inputs import CATEGORICAL_FEATURES, FEATURES, derive
from services.scoring.model import FORMAT, TreeEnsemble

MODEL_VERSION = "credit-v1"
SEED = 42
FOLDS = 5
HOLDOUT_SHARE = 0.3
ROUNDS = 600
# Chosen by a small search on CV AUC (leaves 4-15, rate 0.01-0.03, 300-1500 rounds): shallow
# trees, many rounds, strong L2 and feature subsampling generalise best on 4,454 rows.
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.02,
    "num_leaves": 5,
    "min_data_in_leaf": 30,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 10.0,
    "seed": SEED,
    "deterministic": True,
    "force_col_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
# +1: a larger value may only raise the risk; -1: only lower it. Keeps reasons intuitive.
MONOTONE: dict[str, int] = {
    "employment_years": -1,
    "adverse_records": 1,
    "monthly_income": -1,
    "amount_to_price": 1,
    "expenses_to_income": 1,
    "instalment_to_income": 1,
    "repayment_capacity": -1,
    "disposable_income": -1,
}
# Score scale: 600 points at 50:1 good:bad odds, 20 points to double the odds (as §5's scorecard).
POINTS = {"base_points": 600, "base_odds_good": 50, "pdo": 20}
# Minor units (pence) per dataset money unit: the dataset's median monthly income, 125 units,
# becomes £2,250, about UK median monthly take-home pay. An assumption; see the model card.
MONEY_UNIT_MINOR = 1800
CURRENCY = "GBP"

# Features our product fixes rather than the applicant (every BNPL checkout finances the whole
# price over the policy's term): they move the score but give the customer no reason to act on,
# so they carry no reason code.
PRODUCT_FIXED = frozenset({"term_months", "amount_to_price"})

REASONS: dict[str, tuple[str, str]] = {
    "employment_years": (
        "SHORT_EMPLOYMENT",
        "You have been with your current employer for a short time",
    ),
    "term_months": ("LONG_TERM", "The repayment term is long"),
    "adverse_records": (
        "ADVERSE_CREDIT_RECORDS",
        "Your credit file shows missed payments, defaults or court judgments",
    ),
    "monthly_expenses": ("HIGH_EXPENSES", "Your regular monthly expenses are high"),
    "monthly_income": ("LOW_INCOME", "Your monthly income is low"),
    "assets": ("LOW_ASSETS", "You hold few savings or other assets"),
    "debt": ("HIGH_DEBT", "Your existing debts are high"),
    "amount": ("HIGH_AMOUNT", "The amount of credit requested is high"),
    "price": ("HIGH_PRICE", "The price of the goods is high"),
    "home": ("HOUSING_STATUS", "Your housing situation, for example renting or living with family"),
    "job": ("EMPLOYMENT_TYPE", "Your type of employment, for example part-time or temporary work"),
    "amount_to_price": (
        "HIGH_FINANCED_SHARE",
        "You are asking to borrow a large share of the price",
    ),
    "expenses_to_income": (
        "HIGH_EXPENSES_TO_INCOME",
        "Your regular expenses are high compared with your income",
    ),
    "debt_to_assets": ("HIGH_DEBT_TO_ASSETS", "Your debts are high compared with your assets"),
    "instalment_to_income": (
        "HIGH_INSTALMENT_TO_INCOME",
        "The repayments would be high compared with your income",
    ),
    "repayment_capacity": (
        "LOW_REPAYMENT_CAPACITY",
        "Little of your income is left after expenses and debt repayments to cover the repayments",
    ),
    "disposable_income": (
        "LOW_DISPOSABLE_INCOME",
        "Your income left after regular expenses is low",
    ),
    "instalment": ("HIGH_INSTALMENT", "The monthly repayment would be high"),
}

Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TrainingResult:
    """What a training run produced: the artefact, its metrics, and what the card plots."""

    artefact: dict[str, Any]
    metrics: dict[str, Any]
    oof_probability: list[float]
    oof_points: list[int]
    bad: list[int]
    fairness: dict[str, Any]


def matrix(dataset: Dataset) -> tuple[Matrix, Labels]:
    """Feature matrix (`FEATURES` columns) and labels (1 = bad)."""
    x = np.array([derive(row) for row in dataset.rows], dtype=np.float64)
    return x, np.array(dataset.bad, dtype=np.int64)


def fit(x: Matrix, y: Labels) -> lgb.Booster:
    """One seed-fixed LightGBM fit."""
    params = {**PARAMS, "monotone_constraints": [MONOTONE.get(name, 0) for name in FEATURES]}
    categorical = [FEATURES.index(name) for name in CATEGORICAL_FEATURES]
    data = lgb.Dataset(
        x, label=y, feature_name=list(FEATURES), categorical_feature=categorical, free_raw_data=True
    )
    return lgb.train(params, data, num_boost_round=ROUNDS)


def _ks(y: Labels, p: Sequence[float] | Matrix) -> float:
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def discrimination(y: Labels, p: Sequence[float] | Matrix) -> dict[str, float]:
    """AUC, KS, Gini and Brier score of predicted probabilities of bad."""
    auc = float(roc_auc_score(y, p))
    return {
        "auc": auc,
        "ks": _ks(y, p),
        "gini": 2 * auc - 1,
        "brier": float(brier_score_loss(y, p)),
    }


def _flatten(structure: dict[str, Any]) -> dict[str, list[Any]]:
    """LightGBM's nested tree dump as flat node arrays, root first (see TreeEnsemble)."""
    tree: dict[str, list[Any]] = {
        key: []
        for key in ("feature", "threshold", "default_left", "missing", "left", "right", "value")
    }

    def add(node: dict[str, Any]) -> int:
        index = len(tree["left"])
        for values in tree.values():
            values.append(None)
        if "leaf_value" in node:
            tree["feature"][index] = -1
            tree["default_left"][index] = 0
            tree["missing"][index] = "None"
            tree["left"][index] = tree["right"][index] = -1
            tree["value"][index] = node["leaf_value"]
            return index
        threshold = node["threshold"]
        if node["decision_type"] == "==":
            threshold = sorted(int(code) for code in str(threshold).split("||"))
        tree["feature"][index] = node["split_feature"]
        tree["threshold"][index] = threshold
        tree["default_left"][index] = int(node["default_left"])
        tree["missing"][index] = node["missing_type"]
        tree["value"][index] = node["internal_value"]
        tree["left"][index] = add(node["left_child"])
        tree["right"][index] = add(node["right_child"])
        return index

    add(structure)
    return tree


def export(booster: lgb.Booster) -> dict[str, Any]:
    """The serving artefact of a fitted booster."""
    dump = booster.dump_model()
    if dump["feature_names"] != list(FEATURES):
        raise RuntimeError(f"unexpected feature order in the dump: {dump['feature_names']}")
    return {
        "format": FORMAT,
        "model_version": MODEL_VERSION,
        "library": f"lightgbm {version('lightgbm')}",
        "objective": "binary (logistic link: probability_bad = 1 / (1 + exp(-margin)))",
        "currency": CURRENCY,
        "money_unit_minor": MONEY_UNIT_MINOR,
        "points": POINTS,
        "excluded_attributes": list(EXCLUDED_COLUMNS),
        "features": [
            {
                "name": name,
                "kind": "categorical" if name in CATEGORICAL_FEATURES else "numeric",
                "monotone": MONOTONE.get(name, 0),
                "reason_code": None if name in PRODUCT_FIXED else REASONS[name][0],
                "description": REASONS[name][1],
            }
            for name in FEATURES
        ],
        "trees": [_flatten(info["tree_structure"]) for info in dump["tree_info"]],
    }


def max_margin_difference(ensemble: TreeEnsemble, booster: lgb.Booster, x: Matrix) -> float:
    """Largest |margin| difference between our evaluator and LightGBM over the rows of `x`."""
    expected = booster.predict(x, raw_score=True, num_threads=1)
    return max(
        abs(ensemble.margin(row) - float(e)) for row, e in zip(x.tolist(), expected, strict=True)
    )


def fairness_audit(
    dataset: Dataset, booster: lgb.Booster, x: Matrix, y: Labels, rows: Sequence[int]
) -> dict[str, Any]:
    """The fairness table of the hold-out `rows`, scored by `booster` (fit without them)."""
    policy = load_policy()
    today = policy.effective_from
    protected = load_protected(dataset.path)
    reports = [
        fairness.bureau_report(dataset.rows[i], unit=MONEY_UNIT_MINOR, policy=policy, today=today)
        for i in rows
    ]
    at_decision = np.array(
        [fairness.decision_vector(r, unit=MONEY_UNIT_MINOR) for r in reports], dtype=np.float64
    )
    decision = np.asarray(booster.predict(at_decision, num_threads=1)).tolist()
    ages = [protected.age[i] for i in rows]
    outcomes = [
        fairness.outcome(report, age, p, policy=policy, today=today)
        for report, age, p in zip(reports, ages, decision, strict=True)
    ]
    table = fairness.audit(
        outcomes=outcomes,
        bad=y[rows].tolist(),
        probability=np.asarray(booster.predict(x[rows], num_threads=1)).tolist(),
        decision_probability=decision,
        ages=ages,
        marital=[protected.marital[i] for i in rows],
        profile=[dataset.rows[i] for i in rows],
    )
    return {"model_version": MODEL_VERSION, "policy_version": policy.version, **table}


def train(dataset: Dataset) -> TrainingResult:
    """Cross-validate, hold out, fit on everything, export and verify the artefact."""
    x, y = matrix(dataset)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    oof = np.zeros(len(y), dtype=np.float64)
    per_fold = []
    for train_rows, test_rows in folds.split(x, y):
        booster = fit(x[train_rows], y[train_rows])
        predicted = booster.predict(x[test_rows], num_threads=1)
        oof[test_rows] = predicted
        per_fold.append(discrimination(y[test_rows], predicted))
    cv = {
        f"{metric}_{stat}": float(fn([fold[metric] for fold in per_fold]))
        for metric in ("auc", "ks", "gini", "brier")
        for stat, fn in (("mean", np.mean), ("sd", np.std))
    }
    train_rows, test_rows = train_test_split(
        np.arange(len(y)), test_size=HOLDOUT_SHARE, stratify=y, random_state=SEED
    )
    holdout_model = fit(x[train_rows], y[train_rows])
    holdout = discrimination(y[test_rows], holdout_model.predict(x[test_rows], num_threads=1))

    final = fit(x, y)
    artefact = export(final)
    ensemble = TreeEnsemble(artefact)
    reproduction = max_margin_difference(ensemble, final, x)
    if reproduction > 1e-9:
        raise RuntimeError(f"the JSON evaluator differs from LightGBM by {reproduction:g}")
    audit = fairness_audit(dataset, holdout_model, x, y, test_rows.tolist())
    # Reasons come from the served model, so their stability is measured on it.
    steadiness = stability.reason_stability(ensemble, x[test_rows])
    oof_margin = [math.log(p / (1 - p)) for p in oof.tolist()]
    metrics = {
        "model_version": MODEL_VERSION,
        "cv": {"folds": FOLDS, "seed": SEED, **cv, "per_fold": per_fold},
        "cv_out_of_fold": discrimination(y, oof),
        "holdout": {
            "share": HOLDOUT_SHARE,
            "train_rows": len(train_rows),
            "test_rows": len(test_rows),
            **holdout,
        },
        "rows": len(y),
        "bad_rows": int(y.sum()),
        "bad_rate": dataset.bad_rate,
        "features": list(FEATURES),
        "excluded_attributes": list(EXCLUDED_COLUMNS),
        "trees": len(artefact["trees"]),
        "params": {**PARAMS, "num_boost_round": ROUNDS, "monotone": MONOTONE},
        "evaluator_max_abs_margin_difference": reproduction,
        "reason_stability": steadiness,
        "data": {"file": "data/credit_data/credit_data.csv", "sha256": dataset.sha256},
        "libraries": {
            name: version(name) for name in ("lightgbm", "scikit-learn", "numpy", "matplotlib")
        },
        "python": platform.python_version(),
    }
    return TrainingResult(
        artefact=artefact,
        metrics=metrics,
        oof_probability=oof.tolist(),
        oof_points=[ensemble.points(m) for m in oof_margin],
        bad=y.tolist(),
        fairness=audit,
    )
