"""PSI, its binning and flags, the decision mix, and the figures `bnpl model monitor` emits."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from bnpl.commands.monitor import Report, emit, evidence
from bnpl.model.drift import MIN_OBSERVED, Bins, Decided, Flag, Stability, flag, mix, psi
from services.shared.metrics import RecordingMetrics


def test_identical_distributions_have_no_drift() -> None:
    assert psi([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]) == 0.0


def test_a_known_shift_gives_the_hand_computed_index() -> None:
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.25 ln 2 + 0.25 ln 1.5
    assert psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.25 * math.log(2) + 0.25 * math.log(1.5))
    assert psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.27465, abs=1e-5)


def test_an_empty_bin_is_floored_not_infinite() -> None:
    # The floor stands in for the empty share: (0.01 - 1e-4) ln(0.01 / 1e-4) + (0.49 - 0.5) ln(0.98)
    expected = (0.01 - 1e-4) * math.log(0.01 / 1e-4) + (0.49 - 0.5) * math.log(0.49 / 0.5)
    assert psi([0.5, 0.5, 0.0], [0.5, 0.49, 0.01]) == pytest.approx(expected)


def test_shares_of_unequal_bin_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="2 expected shares against 3"):
        psi([0.5, 0.5], [0.2, 0.3, 0.5])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, Flag.QUIET),
        (0.0999, Flag.QUIET),
        (0.10, Flag.WATCH),
        (0.2499, Flag.WATCH),
        (0.25, Flag.ACT),
    ],
)
def test_flags_start_at_their_thresholds(value: float, expected: Flag) -> None:
    assert flag(value) is expected


def test_deciles_of_the_training_values_give_ten_equal_bins_and_one_for_missing() -> None:
    bins = Bins.deciles(float(v) for v in range(1, 101))
    assert len(bins.edges) == 9
    shares = bins.shares([float(v) for v in range(1, 101)])
    assert shares == pytest.approx([0.1] * 10 + [0.0])
    assert bins.shares([None, math.nan, 500.0, -1.0]) == pytest.approx(
        [0.25] + [0.0] * 8 + [0.25, 0.5]
    )


def test_a_feature_of_few_values_has_fewer_bins() -> None:
    bins = Bins.deciles([0.0] * 80 + [1.0] * 20)
    assert bins.edges == (0.0, 1.0)
    assert bins.shares([0.0, 1.0, 1.0, None]) == pytest.approx([0.25, 0.5, 0.0, 0.25])


def test_categories_have_a_bin_each_and_an_unseen_one_counts_as_missing() -> None:
    bins = Bins.of_categories([0.0, 1.0, 1.0, math.nan])
    assert bins.categories == (0.0, 1.0)
    assert bins.shares([0.0, 1.0, 5.0, None]) == pytest.approx([0.25, 0.25, 0.5])


def test_a_shifted_sample_acts_and_the_same_sample_is_quiet() -> None:
    training = [float(v) for v in range(1, 1001)]
    bins = Bins.deciles(training)
    baseline = bins.shares(training)
    assert flag(psi(baseline, bins.shares(training))) is Flag.QUIET
    halved = [v / 2 for v in training]  # every value in the lower half: five bins emptied
    assert flag(psi(baseline, bins.shares(halved))) is Flag.ACT


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def test_the_mix_counts_outcomes_and_reasons_per_day_or_hour() -> None:
    decided = [
        Decided(_at(2, 9), "APPROVED", ()),
        Decided(_at(1, 9), "DECLINED", ("HIGH_RISK_SCORE", "LOW_INCOME")),
        Decided(_at(1, 10), "DECLINED", ("HIGH_RISK_SCORE",)),
        Decided(_at(1, 10), "APPROVED", ()),
    ]
    days = mix(decided)
    assert [m.to_json() for m in days] == [
        {
            "bucket": "2026-12-01",
            "decisions": 3,
            "outcomes": {"APPROVED": 1, "DECLINED": 2},
            "reasons": {"HIGH_RISK_SCORE": 2, "LOW_INCOME": 1},
        },
        {"bucket": "2026-12-02", "decisions": 1, "outcomes": {"APPROVED": 1}, "reasons": {}},
    ]
    assert [(m.bucket, m.decisions) for m in mix(decided, bucket="hour")] == [
        ("2026-12-01T09:00Z", 1),
        ("2026-12-01T10:00Z", 2),
        ("2026-12-02T09:00Z", 1),
    ]


def test_evidence_is_the_final_steps_score_and_features() -> None:
    decision = {
        "outcome": "DECLINED",
        "decidedAt": "2026-12-01T09:00:00Z",
        "reasons": [{"code": "HIGH_RISK_SCORE", "description": "..."}],
        "steps": [
            {"name": "CheckExternalCreditReport", "detail": {"score": 700}},
            {
                "name": "FinalDecision",
                "detail": {"probabilityBad": 0.4, "features": {"home": "rent"}},
            },
        ],
    }
    found = evidence(decision)
    assert found is not None
    assert found.decided == Decided(_at(1, 9), "DECLINED", ("HIGH_RISK_SCORE",))
    assert (found.probability_bad, found.features) == (0.4, {"home": "rent"})
    # Declined before the model was asked: counted in the mix, not in the PSI.
    early = evidence({"outcome": "DECLINED", "decidedAt": "2026-12-01T09:00:00Z", "steps": []})
    assert early is not None
    assert (early.probability_bad, early.features) == (None, None)
    assert evidence({"outcome": "APPROVED"}) is None


def test_the_report_is_emitted_as_one_metric_event_per_figure() -> None:
    report = Report(
        since=None,
        decisions=4,
        scored=4,
        unreadable=0,
        stability=(Stability("probability_bad", 0.3, 400), Stability("amount", 0.12, 400)),
        mix=mix(
            [Decided(_at(1, 9), "APPROVED", ())] * 3 + [Decided(_at(1, 9), "DECLINED", ("X",))]
        ),
    )
    metrics = RecordingMetrics()
    emit(report, metrics)
    assert metrics.values("ModelScorePSI") == [0.3]
    assert metrics.values("ModelDriftPSI", feature="amount") == [0.12]
    assert metrics.values("DecisionOutcomeShare", outcome="APPROVED") == [0.75]
    assert metrics.values("DecisionReasonShare", reason="X") == [0.25]
    assert report.to_json()["act"] == ["probability_bad"]
    assert report.to_json()["watch"] == ["amount"]


def test_a_psi_over_too_few_decisions_is_shown_not_flagged() -> None:
    few = Stability("amount", 0.47, MIN_OBSERVED - 1)
    assert few.flag is Flag.FEW
    assert few.to_json()["psi"] == 0.47
    assert Stability("amount", 0.47, MIN_OBSERVED).flag is Flag.ACT
