"""The fairness table's arithmetic; `bnpl model train --check` recomputes the committed table."""

from __future__ import annotations

import pytest

from bnpl.model import fairness
from services.credit.policy.rules import Outcome
from services.scoring.inputs import RawInputs

A, R, D = Outcome.APPROVED, Outcome.REFERRED, Outcome.DECLINED


def _row(income: float = 100.0) -> RawInputs:
    return RawInputs(
        employment_years=3,
        term_months=12,
        adverse_records=0.0,
        monthly_expenses=50,
        monthly_income=income,
        assets=0,
        debt=0,
        amount=100,
        price=100,
        home="rent",
        job="fixed",
    )


@pytest.mark.parametrize(
    ("age", "band"), [(18, "18-24"), (24, "18-24"), (25, "25-34"), (49, "35-49"), (70, "50+")]
)
def test_age_bands(age, band):
    assert fairness.age_band(age) == band


def test_air_is_against_the_most_approved_group_with_enough_rows():
    # GIVEN married 60 % approved (60 rows), single 30 % (60 rows), widowed 100 % (2 rows)
    marital = ["married"] * 60 + ["single"] * 60 + ["widow"] * 2
    outcomes = [A] * 36 + [D] * 24 + [A] * 18 + [R] * 42 + [A, A]
    n = len(outcomes)
    # WHEN
    table = fairness.audit(
        outcomes=outcomes,
        bad=[i % 2 for i in range(n)],
        probability=[0.5] * n,
        decision_probability=[0.5] * n,
        ages=[30] * n,
        marital=marital,
        profile=[_row()] * n,
    )
    # THEN the two-row group is not the reference, and single breaks the four-fifths rule
    groups = {g["group"]: g for g in table["marital"]}
    assert groups["married"]["air"] == 1.0
    assert groups["single"]["air"] == 0.5
    assert groups["single"]["below_four_fifths"]
    assert groups["single"]["referred"] == 0.7
    assert groups["widowed"]["small"]
    assert groups["widowed"]["air"] == pytest.approx(1 / 0.6, abs=1e-4)
    assert "separated or divorced" not in groups  # no rows, no entry
    assert [g["group"] for g in table["age"]] == ["25-34"]
