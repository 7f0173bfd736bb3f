"""The JSON tree evaluator against LightGBM, its contributions, inputs and the artefact itself."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bnpl.model import calibration, dataset, reasons, train
from bnpl.settings import PROJECT_ROOT
from services.scoring.inputs import (
    FEATURES,
    PROTECTED_ATTRIBUTES,
    InvalidInstanceError,
    parse_instance,
)
from services.scoring.model import ArtefactError, TreeEnsemble

MODELS = PROJECT_ROOT / "models"
MODEL_DIR = MODELS / "credit-v1"


@pytest.fixture(scope="module")
def data() -> dataset.Dataset:
    return dataset.load()


@pytest.fixture(scope="module")
def fitted(data):
    x, y = train.matrix(data)
    booster = train.fit(x, y)
    return x, booster, TreeEnsemble(train.export(booster, "credit-v1", None))


@pytest.fixture(scope="module")
def committed() -> TreeEnsemble:
    return TreeEnsemble.load(MODEL_DIR / "model.json")


def test_the_evaluator_reproduces_lightgbm_on_every_row(fitted):
    x, booster, ensemble = fitted
    margins = booster.predict(x, raw_score=True, num_threads=1)
    probabilities = booster.predict(x, num_threads=1)
    rows = x.tolist()
    assert len(rows) == 4454
    for row, margin, probability in zip(rows, margins, probabilities, strict=True):
        assert abs(ensemble.margin(row) - margin) <= 1e-9
        assert abs(ensemble.predict(row).probability_bad - probability) <= 1e-9


@pytest.mark.parametrize("version", sorted(train.VERSIONS))
def test_the_committed_artefact_is_the_model_this_code_trains(fitted, version):
    x, _, ensemble = fitted
    committed = TreeEnsemble.load(MODELS / version / "model.json")
    assert committed.version == version
    assert max(abs(committed.margin(r) - ensemble.margin(r)) for r in x.tolist()) <= 1e-9


def test_the_served_calibration_matches_scikit_learns_on_every_row(data, fitted):
    # GIVEN the calibrator as training fits it: Platt on the 5-fold out-of-fold margins
    x, booster, _ = fitted
    _, y = train.matrix(data)
    oof, _ = train.out_of_fold(x, y, train._folds(x, y))
    platt = calibration.fit_platt(calibration.logit(oof), y)
    expected = calibration.calibrated(platt, booster.predict(x, raw_score=True, num_threads=1))
    # WHEN the committed credit-v2 artefact scores every row, with no training library
    served = TreeEnsemble.load(MODELS / "credit-v2" / "model.json")
    # THEN each probability is scikit-learn's, to the last bits
    rows = x.tolist()
    assert len(rows) == 4454
    worst = max(
        abs(served.predict(row).probability_bad - e)
        for row, e in zip(rows, expected.tolist(), strict=True)
    )
    assert worst <= 1e-15
    assert served.calibration.slope == platt.coef_[0, 0]
    assert served.calibration.intercept == platt.intercept_[0]


def test_missing_values_take_lightgbms_branches(fitted):
    # Rows with NaN in categorical and numeric features, and unseen category codes.
    _, booster, ensemble = fitted
    import numpy as np

    nan = math.nan
    rows = [
        [nan] * len(FEATURES),
        [0.0] * len(FEATURES),
        [3, 36, 0, 60, nan, nan, nan, 900, 1000, nan, nan, 0.9, nan, nan, nan, nan, nan, 25],
        [1, 12, 1, 50, 100, 0, 0, 300, 300, 7, -1, 1, 0.5, nan, 0.25, 2, 50, 25],
    ]
    expected = booster.predict(np.array(rows), raw_score=True, num_threads=1)
    for row, margin in zip(rows, expected, strict=True):
        assert abs(ensemble.margin(row) - margin) <= 1e-9


def test_contributions_add_up_to_the_margin(committed, data):
    x, _ = train.matrix(data)
    for row in x.tolist()[::7]:
        prediction = committed.predict(row)
        total = prediction.bias + math.fsum(c.margin for c in prediction.contributions)
        assert total == pytest.approx(prediction.margin, abs=1e-9)
        assert prediction.log_odds == prediction.margin  # credit-v1 has no calibrator


def test_protected_attributes_are_not_features():
    artefact = json.loads((MODEL_DIR / "model.json").read_text())
    names = {feature["name"].lower() for feature in artefact["features"]}
    assert names == set(FEATURES)
    assert not names & PROTECTED_ATTRIBUTES
    assert not names & {"age", "marital"}
    assert artefact["excluded_attributes"] == ["Age", "Marital"]
    metrics = json.loads((MODEL_DIR / "metrics.json").read_text())
    assert not {f.lower() for f in metrics["features"]} & {"age", "marital"}


def test_every_feature_the_applicant_owns_has_its_own_reason_code(committed):
    codes = {info.name: info.reason_code for info in committed.features}
    assert {name for name, code in codes.items() if code is None} == reasons.PRODUCT_FIXED
    owned = [code for code in codes.values() if code is not None]
    assert len(set(owned)) == len(owned) == len(FEATURES) - len(reasons.PRODUCT_FIXED)
    assert all(code.isupper() for code in owned)


_LOADER = """
import sys
for name in ("sklearn", "lightgbm", "xgboost", "numpy", "pandas", "matplotlib", "scipy"):
    sys.modules[name] = None  # any import of these now raises ImportError
from pathlib import Path
from services.scoring.model import TreeEnsemble
from services.scoring.inputs import parse_instance
model = TreeEnsemble.load(Path(sys.argv[1]))
unit = model.money_unit_minor
raw = parse_instance({"amount_minor": 50000, "term_months": 12}, money_unit_minor=unit)
print(model.version, model.predict_inputs(raw).points)
"""


@pytest.mark.parametrize("version", sorted(train.VERSIONS))
def test_the_artefact_loads_and_scores_without_any_training_library(version):
    result = subprocess.run(
        [sys.executable, "-c", _LOADER, str(MODELS / version / "model.json")],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    served, points = result.stdout.split()
    assert served == version
    assert 300 < int(points) < 900


def test_an_artefact_of_another_format_is_refused(tmp_path: Path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"format": "xgboost"}))
    with pytest.raises(ArtefactError, match="format"):
        TreeEnsemble.load(path)
    path.write_text("{not json")
    with pytest.raises(ArtefactError, match="cannot load"):
        TreeEnsemble.load(path)


def test_inputs_in_minor_units_become_the_datasets_units():
    raw = parse_instance(
        {"amount_minor": 18_000, "monthly_income_minor": 225_000, "home": "rent"},
        money_unit_minor=1800,
    )
    assert raw.amount == 10.0
    assert raw.monthly_income == 125.0
    assert raw.home == "rent"
    assert math.isnan(raw.price)
    assert raw.job is None
    assert math.isnan(raw.adverse_records)


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ([1, 2], "JSON object"),
        ({"age": 30}, "protected attributes are never model inputs: age"),
        ({"Marital": "single"}, "protected"),
        ({"salary": 1}, "unknown features: salary"),
        ({"amount_minor": "100"}, "amount_minor must be a number or null, not str"),
        ({"amount_minor": True}, "amount_minor must be a number"),
        ({"amount_minor": -1}, "0 or more"),
        ({"term_months": 0}, "greater than 0"),
        ({"monthly_income_minor": float("inf")}, "finite"),
        ({"home": "castle"}, "home must be one of owner, rent"),
        ({"adverse_records": True}, "adverse_records must be one of no, yes"),
    ],
)
def test_instances_the_model_cannot_take_are_refused(instance, message):
    with pytest.raises(InvalidInstanceError, match=message):
        parse_instance(instance, money_unit_minor=1800)


def test_an_applicant_we_know_nothing_about_is_still_scored(committed):
    prediction = committed.predict_inputs(parse_instance({}, money_unit_minor=1800))
    assert 0 < prediction.probability_bad < 1


def test_more_points_mean_lower_risk(committed):
    low = committed.predict_inputs(
        parse_instance(
            {"monthly_income_minor": 400_000, "monthly_expenses_minor": 50_000, "home": "owner"},
            money_unit_minor=1800,
        )
    )
    high = committed.predict_inputs(
        parse_instance(
            {"monthly_income_minor": 90_000, "monthly_expenses_minor": 85_000, "job": "partime"},
            money_unit_minor=1800,
        )
    )
    assert low.probability_bad < high.probability_bad
    assert low.points > high.points


def test_a_missing_input_is_given_as_missing_never_as_a_bad_value(committed):
    """A thin file holds no employment length: the reason must say so, not call it short."""
    from services.scoring.predictions import predict

    known = {
        "monthly_income_minor": 150_000,
        "monthly_expenses_minor": 60_000,
        "amount_minor": 25_000,
    }
    (with_it,) = predict(committed, {"instances": [{**known, "employment_years": 0}]})[
        "predictions"
    ]
    (without,) = predict(committed, {"instances": [known]})["predictions"]

    codes = {f["feature"]: f["code"] for f in without["factors"]}
    assert codes.get("employment_years") == "UNKNOWN_EMPLOYMENT_YEARS"
    (factor,) = [f for f in without["factors"] if f["feature"] == "employment_years"]
    assert factor["description"] == "We hold no information about your employment years"
    # A value we do hold keeps the model's own reason code.
    held = {f["feature"]: f["code"] for f in with_it["factors"]}
    assert held.get("employment_years", "").startswith("UNKNOWN_") is False
