"""Platt calibration, its ECE and noise floor, and the served evaluator's calibrated scores."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from bnpl.model import calibration
from bnpl.settings import PROJECT_ROOT
from services.scoring.model import ArtefactError, TreeEnsemble

V1 = json.loads((PROJECT_ROOT / "models" / "credit-v1" / "model.json").read_text())


def _drawn(slope: float, intercept: float, n: int = 20_000, seed: int = 3):
    """Margins, and outcomes drawn with log-odds `slope * margin + intercept`."""
    rng = np.random.default_rng(seed)
    margin = rng.normal(-1.0, 1.5, n)
    p = 1.0 / (1.0 + np.exp(-(slope * margin + intercept)))
    return margin, (rng.random(n) < p).astype(np.int64)


def test_ece_is_zero_when_each_bin_matches_its_bad_rate():
    bad = np.array([1, 0, 0, 0])
    assert calibration.ece(bad, np.array([0.5, 0.5, 0.0, 0.0])) == 0.0
    assert calibration.ece(bad, np.array([0.95, 0.95, 0.05, 0.05])) == pytest.approx(0.25)


def test_platt_recovers_the_map_the_outcomes_were_drawn_with():
    # GIVEN outcomes from an over-confident margin: true log-odds = 0.6 * margin - 0.4
    margin, bad = _drawn(0.6, -0.4)
    # WHEN
    block = calibration.artefact_block(calibration.fit_platt(margin, bad))
    # THEN
    assert block["method"] == "platt"
    assert block["slope"] == pytest.approx(0.6, abs=0.05)
    assert block["intercept"] == pytest.approx(-0.4, abs=0.05)


def test_calibration_brings_a_miscalibrated_score_under_its_noise_floor():
    margin, bad = _drawn(0.6, -0.4)
    raw = 1.0 / (1.0 + np.exp(-margin))
    folds = [
        (
            np.arange(len(bad))[np.arange(len(bad)) % 5 != k],
            np.flatnonzero(np.arange(len(bad)) % 5 == k),
        )
        for k in range(5)
    ]
    fixed = calibration.cross_fitted(margin, bad, folds)
    # The raw score's ECE is far above what chance gives a calibrated model; the fixed one's is not.
    assert calibration.ece(bad, raw) > 5 * calibration.noise_floor(raw)["ece_if_calibrated_p95"]
    assert calibration.ece(bad, fixed) <= calibration.noise_floor(fixed)["ece_if_calibrated_p95"]


def test_cross_fitting_calibrates_each_fold_with_the_other_folds_only():
    margin, bad = _drawn(0.8, 0.2, n=2_000)
    rows = np.arange(len(bad))
    folds = [(rows[rows % 2 == 1], rows[rows % 2 == 0]), (rows[rows % 2 == 0], rows[rows % 2 == 1])]
    fitted = calibration.cross_fitted(margin, bad, folds)
    for train_rows, test_rows in folds:
        expected = calibration.calibrated(
            calibration.fit_platt(margin[train_rows], bad[train_rows]), margin[test_rows]
        )
        assert np.array_equal(fitted[test_rows], expected)


def test_a_perfectly_calibrated_sample_still_shows_an_ece():
    # 1,337 rows (the hold-out's size) of a calibrated model: the ECE is not zero, and grows as
    # the sample shrinks, which is why the card reports it beside every figure.
    p = np.random.default_rng(1).uniform(0.02, 0.9, 1337)
    small, large = calibration.noise_floor(p[:300]), calibration.noise_floor(p)
    assert 0.01 < large["ece_if_calibrated_median"] < large["ece_if_calibrated_p95"]
    assert small["ece_if_calibrated_median"] > large["ece_if_calibrated_median"]


def _calibrated_v1(slope: float, intercept: float) -> TreeEnsemble:
    artefact = copy.deepcopy(V1)
    artefact["calibration"] = {"method": "platt", "slope": slope, "intercept": intercept}
    return TreeEnsemble(artefact)


def test_the_served_score_reads_probability_points_and_reasons_from_the_calibrated_log_odds():
    plain, scaled = TreeEnsemble(V1), _calibrated_v1(1.5, -0.3)
    row = [2, 12, 1, 60, 80, 0, 500, 300, 300, 2, 1, 1.0, 0.75, 50.0, 0.3, 1.2, 20, 25]
    before, after = plain.predict(row), scaled.predict(row)
    assert after.margin == before.margin  # LightGBM's raw score is untouched
    assert after.log_odds == pytest.approx(1.5 * before.margin - 0.3, abs=1e-12)
    assert after.probability_bad == pytest.approx(1 / (1 + math.exp(-after.log_odds)), abs=1e-15)
    assert after.points == scaled.points(after.log_odds) != before.points
    # Contributions scale with the slope and still add up to the log-odds the points come from.
    assert [c.feature for c in after.contributions] == [c.feature for c in before.contributions]
    for b, a in zip(before.contributions, after.contributions, strict=True):
        assert a.margin == pytest.approx(1.5 * b.margin, abs=1e-12)
    total = after.bias + math.fsum(c.margin for c in after.contributions)
    assert total == pytest.approx(after.log_odds, abs=1e-9)


def test_an_artefact_without_a_calibration_serves_the_booster_probability():
    plain = TreeEnsemble(V1)
    row = [0.0] * 18
    assert plain.predict(row).log_odds == plain.predict(row).margin
    assert plain.predict(row).probability_bad == 1 / (1 + math.exp(-plain.margin(row)))


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"method": "isotonic", "slope": 1.0, "intercept": 0.0}, "unknown calibration method"),
        ({"method": "platt", "slope": 0.0, "intercept": 0.0}, "not usable"),
        ({"method": "platt", "slope": -1.0, "intercept": 0.0}, "not usable"),
        ({"method": "platt", "slope": math.inf, "intercept": 0.0}, "not usable"),
    ],
)
def test_a_calibration_the_server_cannot_use_is_refused(block, message):
    artefact = copy.deepcopy(V1)
    artefact["calibration"] = block
    with pytest.raises(ArtefactError, match=message):
        TreeEnsemble(artefact)
