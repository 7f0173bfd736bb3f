"""`bnpl model train --check`: the committed artefact is what the code trains."""

from __future__ import annotations

from bnpl.cli import main
from bnpl.commands.model import _differences


def test_the_committed_artefact_is_reproducible(capsys):
    # About 10 s: five CV folds, the hold-out and the final fit, all single-threaded.
    assert main(["model", "train", "--check"]) == 0
    out = capsys.readouterr().out
    assert "max |margin difference| over 4454 rows = 0" in out
    assert "metrics: identical" in out


def test_a_changed_metric_or_value_is_reported_by_path():
    committed = {"cv": {"auc_mean": 0.85, "per_fold": [{"auc": 0.8}]}, "python": "3.11.7"}
    fresh = {"cv": {"auc_mean": 0.85, "per_fold": [{"auc": 0.81}]}, "python": "3.12.1"}
    assert _differences(committed, fresh) == [".cv.per_fold[0].auc"]
    assert _differences(committed, committed) == []
