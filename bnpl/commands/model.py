"""`bnpl model train [--check]`: train the credit model, or verify the committed artefact.

Training needs the `model` extra (`pip install -e '.[model]'`); the error says so when it is not
installed.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from bnpl.commands import UsageError
from bnpl.settings import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "models"
# Metrics that depend on the machine, not on the model.
_UNCOMPARED = frozenset({"python"})
# The training run's JSON outputs a check recomputes and compares with the committed ones.
COMPARED = ("metrics.json", "fairness.json")


def _differences(committed: Any, fresh: Any, path: str = "") -> list[str]:
    if isinstance(committed, dict) and isinstance(fresh, dict):
        keys = (set(committed) | set(fresh)) - _UNCOMPARED
        return [
            d
            for key in sorted(keys)
            for d in _differences(committed.get(key), fresh.get(key), f"{path}.{key}")
        ]
    if isinstance(committed, list) and isinstance(fresh, list) and len(committed) == len(fresh):
        return [
            d
            for i, (c, f) in enumerate(zip(committed, fresh, strict=True))
            for d in _differences(c, f, f"{path}[{i}]")
        ]
    if isinstance(committed, float) and isinstance(fresh, float):
        return [] if math.isclose(committed, fresh, rel_tol=0, abs_tol=1e-12) else [path]
    return [] if committed == fresh else [path]


def _tables(folder: Path) -> dict[str, Any]:
    """The JSON files a check compares, by name (a missing one reads as None)."""
    return {
        name: json.loads(path.read_text()) if (path := folder / name).exists() else None
        for name in COMPARED
    }


def run(
    *,
    check: bool,
    version: str | None = None,
    dataset_path: Path | None = None,
    out: Path | None = None,
) -> int:
    """Train and write `models/<version>/`, or with `check` re-train and compare.

    Args:
        check: compare with the committed files instead of writing.
        version: one model version; every version when None.
        dataset_path: another copy of credit_data (tests).
        out: write or compare this folder instead of `models/<version>/` (one version only).

    Returns:
        0 when written or reproduced, 1 when the check finds a difference.
    """
    try:
        from bnpl.model import card, dataset, train
    except ImportError as exc:
        raise UsageError(
            f"training needs the model extra ({exc.name} is missing): pip install -e '.[model]'"
        ) from None
    if version is not None and version not in train.VERSIONS:
        raise UsageError(f"no model version {version!r}; there are {', '.join(train.VERSIONS)}")
    data = dataset.load(dataset_path) if dataset_path else dataset.load()
    failed = 0
    for name in [version] if version else list(train.VERSIONS):
        folder = out or MODELS_DIR / name
        result = train.train(data, name)
        if check:
            failed |= _check(result, folder, data)
        else:
            card.write(result, folder)
            _summary(result.metrics, folder)
    return failed


def _check(result: Any, folder: Path, data: Any) -> int:
    """Compare a fresh training run with the committed folder; 1 on any difference."""
    from bnpl.model import card, train
    from services.scoring.model import TreeEnsemble

    with tempfile.TemporaryDirectory() as scratch:
        card.write(result, Path(scratch))
        fresh = TreeEnsemble.load(Path(scratch) / "model.json")
        fresh_metrics = _tables(Path(scratch))
    committed = TreeEnsemble.load(folder / "model.json")
    committed_metrics = _tables(folder)
    x, _ = train.matrix(data)
    rows = x.tolist()
    worst = max(abs(committed.margin(row) - fresh.margin(row)) for row in rows)
    # The committed artefact against the training libraries' own probabilities (LightGBM, and
    # scikit-learn's calibrator when the version has one), row by row.
    expected = result.scorer.probability(x).tolist()
    served = max(
        abs(committed.probability_bad(committed.margin(row)) - e)
        for row, e in zip(rows, expected, strict=True)
    )
    differences = _differences(committed_metrics, fresh_metrics)
    print(f"bnpl model train --check: {folder}")
    print(f"  predictions: max |margin difference| over {len(rows)} rows = {worst:g}")
    print(f"  probabilities vs the training libraries over {len(rows)} rows = {served:g}")
    verdict = "identical" if not differences else "differ at " + ", ".join(differences)
    print(f"  metrics and fairness: {verdict}")
    if worst > 1e-9 or served > 1e-12 or differences:
        print("  NOT reproducible: re-run `bnpl model train` and review the diff")
        return 1
    print("  reproducible")
    return 0


def _summary(metrics: dict[str, Any], folder: Path) -> None:
    cv, hold = metrics["cv"], metrics["holdout"]
    print(f"bnpl model train: wrote {folder}")
    print(f"  5-fold CV AUC {cv['auc_mean']:.4f} ± {cv['auc_sd']:.4f}, KS {cv['ks_mean']:.4f}")
    print(f"  hold-out AUC {hold['auc']:.4f}, KS {hold['ks']:.4f}, Brier {hold['brier']:.4f}")
    print(f"  evaluator vs LightGBM: {metrics['evaluator_max_abs_margin_difference']:g}")
    steady = metrics["reason_stability"]
    print(
        f"  top reason stable under ±1 % moves: {steady['stable_share']:.2%} "
        f"(worst feature {steady['worst_feature']}); fairness table in fairness.json"
    )
