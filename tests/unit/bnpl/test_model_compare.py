"""Champion against challenger: agreement, swaps, AUC on known repayments, and what counts as
known."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sklearn.metrics import roc_auc_score

from bnpl.model.compare import MIN_KNOWN, Shadowed, auc, compare, repayment, shadowed


def final(probability: float, outcome: str, band: str | None) -> dict[str, Any]:
    return {
        "modelVersion": "credit-v1",
        "probabilityBad": probability,
        "outcome": outcome,
        "band": band,
    }


def scored(probability: float, outcome: str, band: str | None) -> dict[str, Any]:
    return {
        "status": "SCORED",
        "modelVersion": "credit-v2",
        "probabilityBad": probability,
        "outcome": outcome,
        "band": band,
    }


def test_agreement_and_swaps_at_the_policys_cut_offs():
    found = [
        shadowed("a1", final(0.05, "APPROVED", "A"), scored(0.06, "APPROVED", "A")),
        shadowed("a2", final(0.11, "APPROVED", "A"), scored(0.13, "APPROVED", "B")),
        shadowed("a3", final(0.29, "APPROVED", "C"), scored(0.31, "REFERRED", "D")),
        shadowed("a4", final(0.49, "REFERRED", "D"), scored(0.29, "APPROVED", "C")),
        shadowed("a5", final(0.70, "DECLINED", "E"), scored(0.71, "DECLINED", "E")),
        shadowed("a6", final(0.20, "APPROVED", "B"), {"status": "ERROR", "error": "InternalError"}),
        shadowed("a7", final(0.20, "APPROVED", "B"), {"status": "ERROR", "error": "ModelError"}),
        shadowed("a8", final(0.20, "APPROVED", "B"), None),
    ]
    report = compare([f for f in found if f is not None], repaid={})
    assert len(found) == 8
    assert report.decisions == 8
    assert report.statuses == {"ERROR": 2, "NONE": 1, "SCORED": 5}
    assert report.compared == 5
    assert report.agreement == pytest.approx(3 / 5)  # a1, a2, a5
    assert report.band_agreement == pytest.approx(2 / 5)  # a1, a5
    assert report.swap_in == pytest.approx(1 / 5)  # a4
    assert report.swap_out == pytest.approx(1 / 5)  # a3
    assert report.outcomes == {
        "APPROVED": {"APPROVED": 2, "REFERRED": 1},
        "DECLINED": {"DECLINED": 1},
        "REFERRED": {"APPROVED": 1},
    }
    assert (report.champion_versions, report.challenger_versions) == (
        ("credit-v1",),
        ("credit-v2",),
    )
    assert report.champion_auc is None  # nothing repaid yet


def test_a_decision_without_a_champion_score_is_not_counted():
    assert shadowed("a1", {}, None) is None
    assert shadowed("a1", {"outcome": "DECLINED"}, None) is None  # declined before the model


def test_auc_is_reported_only_on_enough_known_repayments_of_both_kinds():
    rng = random.Random(5)
    found: list[Shadowed] = []
    repaid: dict[str, bool] = {}
    for i in range(200):
        p, q = rng.random(), rng.random()
        app = f"a{i}"
        record = shadowed(app, final(p, "APPROVED", "A"), scored(q, "APPROVED", "A"))
        assert record is not None
        found.append(record)
        repaid[app] = rng.random() < p  # the champion's probability is the true one
    report = compare(found, repaid)
    bad = [repaid[f"a{i}"] for i in range(200)]
    assert report.known == 200
    assert report.known_bad == sum(bad)
    pairs = [f.pair for f in found if f.pair is not None]
    assert report.champion_auc == pytest.approx(
        roc_auc_score(bad, [pair.champion_probability for pair in pairs])
    )
    assert report.challenger_auc == pytest.approx(
        roc_auc_score(bad, [pair.challenger_probability for pair in pairs])
    )
    assert report.champion_auc is not None
    assert report.challenger_auc is not None
    assert report.champion_auc > 0.7 > report.challenger_auc
    few = compare(found[: MIN_KNOWN - 1], repaid)
    assert few.known == MIN_KNOWN - 1
    assert few.champion_auc is None


def test_auc_counts_ties_half_as_scikit_learn_does():
    scores = [0.1, 0.2, 0.2, 0.2, 0.5, 0.5, 0.9]
    bad = [False, True, False, True, False, True, True]
    assert auc(scores, bad) == pytest.approx(roc_auc_score(bad, scores))


def instalment(status: str, due: str, paid: str | None = None) -> dict[str, Any]:
    return {"status": status, "dueDate": due, "paidAt": paid}


@pytest.mark.parametrize(
    ("plan", "bad"),
    [
        ({"status": "DEFAULTED", "instalments": []}, True),
        ({"status": "ACTIVE", "instalments": [instalment("LATE", "2026-01-01")]}, True),
        (
            {
                "status": "COMPLETED",
                "instalments": [instalment("PAID", "2026-01-01", "2026-01-03T09:00:00+00:00")],
            },
            True,  # paid, but after it was due
        ),
        (
            {
                "status": "COMPLETED",
                "instalments": [instalment("PAID", "2026-01-01", "2026-01-01T23:00:00+00:00")],
            },
            False,
        ),
        ({"status": "ACTIVE", "instalments": [instalment("DUE", "2027-01-01")]}, None),
        ({"status": "CANCELLED", "instalments": []}, None),
    ],
)
def test_what_counts_as_a_known_repayment(plan, bad):
    assert repayment(plan) is bad
