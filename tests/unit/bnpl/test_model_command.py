"""`bnpl model train --check`: the committed artefact is what the code trains."""

from __future__ import annotations

from bnpl.cli import main
from bnpl.commands.model import MODELS_DIR, _differences, _tables


def test_the_committed_artefact_is_reproducible(capsys):
    # About 30 s: per version, five CV folds, the hold-out and the final fit, all single-threaded
    # (credit-v2 fits five more for the hold-out's calibrator), then the
    # fairness audit and the reason-stability figure. "identical" covers fairness.json too: the
    # fairness table is recomputed and equals the committed one.
    assert main(["model", "train", "--check"]) == 0
    out = capsys.readouterr().out
    for version in ("credit-v1", "credit-v2"):
        assert f"--check: {MODELS_DIR / version}\n" in out
    assert out.count("max |margin difference| over 4454 rows = 0\n") == 2
    # The committed artefacts' probabilities against LightGBM's, and scikit-learn's calibrator's.
    assert out.count("probabilities vs the training libraries over 4454 rows") == 2
    assert out.count("metrics and fairness: identical") == 2


def test_an_unknown_version_is_refused_by_name(capsys):
    assert main(["model", "train", "--check", "--version", "credit-v9"]) == 2
    assert "no model version 'credit-v9'; there are credit-v1, credit-v2" in capsys.readouterr().err


def test_a_changed_fairness_table_fails_the_check(tmp_path, monkeypatch):
    # The check reads both JSON files; a committed fairness.json that differs is reported.
    committed = tmp_path / "committed"
    committed.mkdir()
    (committed / "metrics.json").write_text('{"auc": 0.8}')
    (committed / "fairness.json").write_text('{"age": [{"approved": 0.30}]}')
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "metrics.json").write_text('{"auc": 0.8}')
    (fresh / "fairness.json").write_text('{"age": [{"approved": 0.31}]}')
    assert _differences(_tables(committed), _tables(fresh)) == [".fairness.json.age[0].approved"]


def test_a_changed_metric_or_value_is_reported_by_path():
    committed = {"cv": {"auc_mean": 0.85, "per_fold": [{"auc": 0.8}]}, "python": "3.11.7"}
    fresh = {"cv": {"auc_mean": 0.85, "per_fold": [{"auc": 0.81}]}, "python": "3.12.1"}
    assert _differences(committed, fresh) == [".cv.per_fold[0].auc"]
    assert _differences(committed, committed) == []
