"""Write a training run's files: the artefact, metrics, ROC and score plots, and the model card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt
from sklearn.metrics import roc_curve

from bnpl.model.train import TrainingResult
from services.scoring.inputs import CATEGORICAL_FEATURES

# How each model input is filled at decision time (services/credit/screening/features.py does it).
MAPPING: tuple[tuple[str, str, str], ...] = (
    ("amount_minor", "Amount", "the checkout's amount (the whole basket is financed)"),
    ("price_minor", "Price", "the checkout's amount (price of the goods)"),
    (
        "term_months",
        "Time",
        "policy-fixed 12: the longest product we offer (MONTHLY 12), so one score covers every "
        "offer and is the most conservative",
    ),
    (
        "monthly_income_minor",
        "Income",
        "bank data: `CashFlowSummary.monthly_income` when a consent is given, else the bureau's "
        "declared income",
    ),
    (
        "monthly_expenses_minor",
        "Expenses",
        "bank data: `CashFlowSummary.monthly_commitments` when a consent is given, else the "
        "bureau's declared expenses",
    ),
    ("assets_minor", "Assets", "bureau: `assets` when the bureau reports them, else missing"),
    ("debt_minor", "Debt", "bureau: total outstanding debt"),
    ("employment_years", "Seniority", "bureau: `employment_years` when known, else missing"),
    ("home", "Home", "bureau: housing status (owner, rent, parents, priv, other, ignore)"),
    ("job", "Job", "bureau: employment type (fixed, freelance, partime, others)"),
    (
        "adverse_records",
        "Records",
        "bureau: `yes` when the file holds any default, CCJ or insolvency, else `no`; "
        "missing on a thin file",
    ),
)


_METRICS = ("auc", "ks", "gini", "brier")


def _plots(result: TrainingResult, folder: Path) -> None:
    fpr, tpr, _ = roc_curve(result.bad, result.oof_probability)
    auc = result.metrics["cv"]["auc_mean"]
    figure, axes = plt.subplots(figsize=(5, 5), dpi=100)
    axes.plot(fpr, tpr, label=f"LightGBM, out-of-fold (CV AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes.set(xlabel="False positive rate (goods declined)", ylabel="True positive rate (bads)")
    axes.set_title("ROC, 5-fold CV out-of-fold predictions")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(folder / "roc.png", metadata={"Software": None})
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    goods = [p for p, b in zip(result.oof_points, result.bad, strict=True) if not b]
    bads = [p for p, b in zip(result.oof_points, result.bad, strict=True) if b]
    bins = list(range(min(result.oof_points) // 10 * 10, max(result.oof_points) + 11, 10))
    axes.hist(goods, bins=bins, alpha=0.6, density=True, label=f"good ({len(goods)})")
    axes.hist(bads, bins=bins, alpha=0.6, density=True, label=f"bad ({len(bads)})")
    axes.set(xlabel="points (600 at 50:1 good:bad odds, 20 to double)", ylabel="density")
    axes.set_title("Score distribution, out-of-fold")
    axes.legend()
    figure.tight_layout()
    figure.savefig(folder / "score_distribution.png", metadata={"Software": None})
    plt.close(figure)


def _code(code: str | None) -> str:
    return f"`{code}`" if code else "none: fixed by the product, never a reason"


def _missing_behaviour(artefact: dict[str, Any], index: int, name: str) -> str:
    if name in CATEGORICAL_FEATURES:
        return "missing or unknown: the branch of the categories not listed"
    kinds = {
        tree["missing"][i]
        for tree in artefact["trees"]
        for i, feature in enumerate(tree["feature"])
        if feature == index and tree["left"][i] >= 0
    }
    if "NaN" in kinds:
        return "learned branch (missing values were in the training data)"
    return "read as 0 (no missing values in training)"


def _card(result: TrainingResult) -> str:
    m, a = result.metrics, result.artefact
    cv, hold, oof = m["cv"], m["holdout"], m["cv_out_of_fold"]
    features = "\n".join(
        f"| `{f['name']}` | {f['kind']} | {f['monotone'] or 'none'} | {_code(f['reason_code'])} | "
        f"{f['description']} | {_missing_behaviour(a, i, f['name'])} |"
        for i, f in enumerate(a["features"])
    )
    mapping = "\n".join(f"| `{name}` | {column} | {source} |" for name, column, source in MAPPING)
    rows = "\n".join(
        f"| {label} | " + " | ".join(cells) + " |"
        for label, cells in (
            (
                "5-fold stratified CV (mean ± sd)",
                [f"{cv[k + '_mean']:.4f} ± {cv[k + '_sd']:.4f}" for k in _METRICS],
            ),
            ("CV out-of-fold, pooled", [f"{oof[k]:.4f}" for k in _METRICS]),
            (
                f"70/30 stratified hold-out ({hold['test_rows']} rows)",
                [f"{hold[k]:.4f}" for k in _METRICS],
            ),
        )
    )
    libraries = ", ".join(f"{k} {v}" for k, v in m["libraries"].items())
    return f"""# Model card: `{m["model_version"]}`

Generated by `bnpl model train` (do not edit by hand; `bnpl model train --check` re-trains and
verifies this folder).

## Model

- **What**: probability that a credit applicant turns out *bad* (modeldata `credit_data`'s
  `Status`), with per-prediction reason codes. Gradient-boosted trees ({a["library"]},
  {m["trees"]} trees of at most {m["params"]["num_leaves"]} leaves, learning rate
  {m["params"]["learning_rate"]}, monotone constraints), seed {m["cv"]["seed"]}.
- **Artefact**: `model.json`, a plain-JSON tree dump served by `services/scoring` in pure Python
  (no training library; reproduces LightGBM's margin on every dataset row, max |difference|
  {m["evaluator_max_abs_margin_difference"]:g}).
- **Output**: `probability_bad`, `points` (600 at 50:1 good:bad odds, 20 points to double the
  odds) and `factors`: Saabas path contributions of each feature to the log-odds, converted to
  points; a factor that costs the applicant points carries the feature's reason code.

## Intended use

Ranking applicants for a BNPL credit decision at checkout, *inside* the decision policy
(`services/credit/policy`): hard rules and the FCA affordability assessment come first, the
policy's score bands turn `probability_bad` into an outcome, and the reasons given to the
customer are the policy's hard-rule codes then this model's costliest factors.

Not for: deciding without the policy's hard rules and affordability checks; pricing or limits
on its own; any population other than consumer credit applicants; automated decisions without
the adverse-action explanation and the right to human review (UK GDPR Art. 22).

## Data

modeldata `credit_data` (Belanche / Sanchez CreditScoring), {m["rows"]} rows, {m["bad_rows"]}
bad (bad rate {m["bad_rate"]:.1%}); file `{m["data"]["file"]}`, sha256 `{m["data"]["sha256"]}`;
provenance and licence in `data/credit_data/README.md`.

**Excluded attributes**: {", ".join(f"`{c}`" for c in m["excluded_attributes"])} — marital
status and age are protected characteristics (Equality Act 2010; ECOA/Reg B in the US) and are
dropped when the CSV is read, before any feature is built. The server refuses instances that
name a protected attribute. research/credit.md §5.4 measured the cost of dropping them at
≤ 0.0013 AUC.

## Performance

| evaluation | AUC | KS | Gini | Brier |
|---|---|---|---|---|
{rows}

Baselines on the same data (research/credit.md §5, with the protected attributes): WoE logistic
scorecard 0.825, XGBoost out of the box 0.848.

![ROC curve](roc.png)

![Score distribution of goods and bads](score_distribution.png)

## Features and reason codes

Monotone: +1 the risk can only rise with the value, -1 only fall.

| feature | kind | monotone | reason code | description shown to the customer | when missing |
|---|---|---|---|---|---|
{features}

## Inputs at decision time

The server takes money in minor units of {a["currency"]} and divides by `money_unit_minor`
= {a["money_unit_minor"]} to reach the dataset's unit.
`services/credit/screening/features.py` fills the inputs:

| model input | dataset column | where it comes from at decision time |
|---|---|---|
{mapping}

## Limitations

- The data is not BNPL: consumer loan applications from a teaching dataset (terms 6-72
  months, amounts around 1,000 units). BNPL baskets map to the low end of `amount`, and the
  currency conversion (`money_unit_minor`) is an assumption calibrated on median income only:
  re-train on our own outcomes before any real lending.
- Bureaus rarely report `assets` or `employment_years`; the trees treat a missing value as the
  features table says, which for a feature never missing in training means 0.
- Saabas contributions favour features split near the roots; they add up exactly to the margin
  but are not Shapley values.
- No fairness audit beyond dropping protected attributes: proxies (housing status, employment
  type) need a disparate-impact review on real outcomes.

## Reproduce

`bnpl model train` (needs the `model` extra) writes this folder; `bnpl model train --check`
re-trains in a temporary folder and fails unless the metrics and every prediction match.
Libraries: {libraries}; Python {m["python"]}.
"""


def write(result: TrainingResult, folder: Path) -> None:
    """Write model.json, metrics.json, the two PNGs and MODEL_CARD.md into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    trees = ",\n".join(json.dumps(tree, separators=(",", ":")) for tree in result.artefact["trees"])
    head = json.dumps({k: v for k, v in result.artefact.items() if k != "trees"}, indent=1)
    (folder / "model.json").write_text(f'{head[:-2]},\n "trees": [\n{trees}\n ]\n}}\n')
    (folder / "metrics.json").write_text(json.dumps(result.metrics, indent=2) + "\n")
    _plots(result, folder)
    (folder / "MODEL_CARD.md").write_text(_card(result))
