"""Write a training run's files: the artefact, metrics, ROC and score plots, and the model card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt
from sklearn.metrics import roc_curve

from bnpl.model import calibration_card
from bnpl.model.fairness import BASKET_MINOR, SMALL_GROUP
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


_ATTRIBUTES = (("age", "Age band"), ("marital", "Marital status"))


def _fairness_plot(fairness: dict[str, Any], folder: Path) -> None:
    figure, panels = plt.subplots(1, 2, figsize=(10, 4), dpi=100, sharey=True)
    for axes, (key, title) in zip(panels, _ATTRIBUTES, strict=True):
        rows = fairness[key]
        at = list(range(len(rows)))
        axes.bar([i - 0.2 for i in at], [r["approved"] for r in rows], 0.4, label="approval rate")
        axes.bar([i + 0.2 for i in at], [r["air"] for r in rows], 0.4, label="adverse impact ratio")
        axes.axhline(0.8, color="red", linestyle="--", label="four-fifths rule (0.8)")
        axes.set_xticks(at, [f"{r['group']}\n({r['rows']})" for r in rows], fontsize=8)
        axes.set_title(f"{title} (hold-out rows)")
    panels[0].set_ylabel("share / ratio")
    panels[0].legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(folder / "fairness.png", metadata={"Software": None})
    plt.close(figure)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _fairness_rows(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        air = f"**{r['air']:.2f}**" if r["below_four_fifths"] else f"{r['air']:.2f}"
        name = f"{r['group']} (few rows)" if r["small"] else r["group"]
        auc = "n/a" if r["auc"] is None else f"{r['auc']:.3f}"
        income = r["median_monthly_income"]
        cells = [
            name,
            f"{r['rows']} ({r['bad_rows']})",
            _share(r["approved"]),
            _share(r["referred"]),
            _share(r["declined"]),
            air,
            auc,
            f"{r['mean_probability']:.3f} / {r['bad_rate']:.3f}",
            f"{r['ece']:.3f}",
            "n/a" if income is None else f"{income:g}",
            f"{r['median_employment_years']:g}",
            _share(r["home_owner_share"]),
            _share(r["adverse_records_share"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _gap(row: dict[str, Any]) -> str:
    points = (row["mean_probability"] - row["bad_rate"]) * 100
    return f"{'over' if points > 0 else 'under'}-predicted by {abs(points):.1f} pp"


def _below(fairness: dict[str, Any]) -> str:
    """One sentence per group under 0.8, set against its attribute's reference group."""
    lines = []
    for key, title in _ATTRIBUTES:
        rows = fairness[key]
        reference = next(r for r in rows if r["air"] == 1.0 and not r["small"])
        for r in rows:
            if not r["below_four_fifths"]:
                continue
            lines.append(
                f"- {title} **{r['group']}**: AIR {r['air']:.2f} against {reference['group']}. "
                f"Observed bad rate {r['bad_rate']:.1%} vs {reference['bad_rate']:.1%}; "
                f"median income {r['median_monthly_income']:g} vs "
                f"{reference['median_monthly_income']:g}, median employment "
                f"{r['median_employment_years']:g} vs {reference['median_employment_years']:g} "
                f"years, home owners {r['home_owner_share']:.0%} vs "
                f"{reference['home_owner_share']:.0%}; mean predicted probability "
                f"{r['mean_probability']:.3f} for an observed {r['bad_rate']:.3f} "
                f"({_gap(r)}; {reference['group']}: {_gap(reference)})."
            )
    return "\n".join(lines) or "- None."


def _stability_rows(stability: dict[str, Any]) -> str:
    return "\n".join(
        f"| `{name}` | {share:.2%} |" for name, share in stability["per_feature"].items()
    )


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


def _calibrated(artefact: dict[str, Any]) -> str:
    if "calibration" in artefact:
        return "Platt-calibrated, see Calibration"
    return "the booster's own, uncalibrated"


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
    fair, steady = result.fairness, m["reason_stability"]
    fair_header = (
        "| group | rows (bad) | approved | referred | declined | AIR | AUC | "
        "mean predicted / observed bad | ECE | median income | median employment years | "
        "home owners | adverse records |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
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
- **Output**: `probability_bad` ({_calibrated(a)}), `points` (600 at 50:1 good:bad odds, 20
  points to double the odds) and `factors`: Saabas path contributions of each feature to the
  log-odds, converted to points; a factor that costs the applicant points carries the feature's
  reason code.

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

{calibration_card.section(m)}
## Fairness

Age and marital status are never inputs. They are read only here, to group the outcomes of the
{fair["rows"]} hold-out rows of the 70/30 split, scored by the model fit on the other
{hold["train_rows"]} rows (the hold-out metrics' model) and decided by the whole policy
`{fair["policy_version"]}`: hard rules, affordability, score band and limit. Each row is a BNPL
application for one basket of £{BASKET_MINOR / 100:,.2f} (band D's limit, the largest basket
every lending band takes: the dataset's own loans, £1,800 and up at the money unit, are all
beyond our products), with the model's inputs filled as the table under "Inputs at decision time"
says, from a bureau file holding the row's figures. Where the dataset holds nothing, the
applicant is clean and new: no bank data (so band D refers rather than approves), no fraud
signal, no plans or payment history with us, resident in GB. `Records` = yes is an adverse
record dated before every look-back, so the model sees it and no hard rule does; the date of
birth makes the row's age exactly, which only the 18+ rule reads and no row breaks. Housing
`ignore` has no bureau counterpart and is read as missing.

Approval is APPROVED; the adverse impact ratio (AIR) is a group's approval rate over the
most-approved group's of the same attribute with at least {SMALL_GROUP} rows, **bold** under
the four-fifths rule's {fair["four_fifths_threshold"]}. AUC, mean predicted probability vs
observed bad rate and ECE ({fair["ece_bins"]} equal-width bins) are the hold-out predictions
of the rows as they are, like the hold-out metrics. Age 65+ (23 rows in the whole file) joins
50-64 and separated joins divorced so that every band has enough rows to read; widowed keeps
its own row, marked (few rows). Money is in the dataset's unit. The same figures are in
`fairness.json`.

Overall: approved {_share(fair["overall"]["approved"])}, referred
{_share(fair["overall"]["referred"])}, declined {_share(fair["overall"]["declined"])}.

**By age band**

{fair_header}
{_fairness_rows(fair["age"])}

**By marital status**

{fair_header}
{_fairness_rows(fair["marital"])}

![Approval rate and adverse impact ratio by group](fairness.png)

**Ratios under 0.8.** Neither attribute reaches the model or the rules; the gaps follow the
inputs they read. In this data younger and unmarried applicants earn less, have been with their
employer for less time and own their home less often, and more of them turned out bad. Where a
group's mean prediction is above its observed bad rate (or the reference group's below), part of
the gap is the model's error rather than the outcomes. Calibration (above) is fitted on the whole
population: correcting one group's error would need the protected attribute as an input.

{_below(fair)}

An AIR under 0.8 asks for a review, not a verdict: the data is a teaching set, not our
applicants. Repeat this audit on our own decisions and outcomes before any real lending.

## Reason stability

Each numeric feature of each hold-out row is moved by +{steady["step"]:.0%} and by
-{steady["step"]:.0%}, one at a time, and the top reason code (the first factor, as served) is
compared with the unmoved one. The top reason holds under every move for
**{steady["stable_share"]:.2%}** of the {steady["rows"]} rows ({steady["rows_with_a_reason"]}
have a reason at all; target {steady["target"]:.0%}); the least stable feature is
`{steady["worst_feature"]}`.

| feature moved | top reason unchanged |
|---|---|
{_stability_rows(steady)}

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
- The fairness audit runs on the teaching data with a clean, new applicant wherever the data is
  silent (see Fairness); proxies (housing status, employment type) need the same review on our
  own outcomes.

## Reproduce

`bnpl model train` (needs the `model` extra) writes this folder; `bnpl model train --check`
re-trains in a temporary folder and fails unless the metrics, the fairness table and every
prediction match.
Libraries: {libraries}; Python {m["python"]}.
"""


def write(result: TrainingResult, folder: Path) -> None:
    """Write model.json, metrics.json, fairness.json, the PNGs and MODEL_CARD.md into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    trees = ",\n".join(json.dumps(tree, separators=(",", ":")) for tree in result.artefact["trees"])
    head = json.dumps({k: v for k, v in result.artefact.items() if k != "trees"}, indent=1)
    (folder / "model.json").write_text(f'{head[:-2]},\n "trees": [\n{trees}\n ]\n}}\n')
    (folder / "metrics.json").write_text(json.dumps(result.metrics, indent=2) + "\n")
    (folder / "fairness.json").write_text(json.dumps(result.fairness, indent=2) + "\n")
    _plots(result, folder)
    _fairness_plot(result.fairness, folder)
    calibration_card.plot(result.metrics, folder)
    (folder / "MODEL_CARD.md").write_text(_card(result))
