"""`bnpl model compare` on DynamoDB Local: decisions stored with a challenger's record beside
them, and plans whose repayment is known, read back into agreement, swaps and AUC."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sklearn.metrics import roc_auc_score

from bnpl.cli import main
from bnpl.tables import create_tables
from services.credit.models import ApplicationModel, PlanModel
from services.credit.policy.rules import load_policy
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from tests.conftest import IdentityProvider, service_environ

pytestmark = [pytest.mark.ddblocal]

POLICY = load_policy()
NOW = datetime.now(UTC)


@pytest.fixture
def tables(dynamodb_local: str, identity_provider: IdentityProvider) -> Settings:
    environ = service_environ(identity_provider) | {
        "BNPL_DYNAMODB_ENDPOINT": dynamodb_local,
        "BNPL_TABLE_PREFIX": f"c{uuid.uuid4().hex[:8]}-",
    }
    settings = Settings.from_environ(environ)
    create_tables(settings, (ApplicationModel, PlanModel))
    return settings


def policy_outcome(probability: float) -> tuple[str, str]:
    """The band and its outcome without bank data, as the policy's cut-offs give them."""
    band = POLICY.band_for(probability)
    return band.band, band.outcome.value


def seed(settings: Settings, n: int = 120) -> list[dict[str, Any]]:
    """`n` decisions the model scored, the challenger 0.05 more pessimistic on every third,
    half of them a day old; every approved one has a plan, some repaid, some defaulted."""
    rng = random.Random(1205)
    seeded = []
    applications, plans = bind(ApplicationModel, settings), bind(PlanModel, settings)
    with applications.batch_write() as apps, plans.batch_write() as plan_batch:
        for i in range(n):
            p = rng.uniform(0.02, 0.6)
            q = min(p + 0.05, 0.99) if i % 3 == 0 else p
            band, outcome = policy_outcome(p)
            challenger_band, challenger_outcome = policy_outcome(q)
            decided_at = NOW - timedelta(days=1 if i % 2 else 0, minutes=1)
            app_id = f"app_{uuid.uuid4().hex}"
            apps.save(
                applications(
                    id=app_id,
                    customer_id=f"c{i}",
                    checkout_id=f"co_{i}",
                    status="DECIDED",
                    outcome=outcome,
                    key_hash="k",
                    fingerprint="f",
                    amount=12_000,
                    currency="GBP",
                    checkout_expires_at=decided_at + timedelta(hours=1),
                    created_at=decided_at,
                    decision={
                        "outcome": outcome,
                        "decidedAt": decided_at.isoformat(),
                        "steps": [
                            {
                                "name": "FinalDecision",
                                "status": "PASSED",
                                "detail": {
                                    "modelVersion": "credit-v1",
                                    "probabilityBad": p,
                                    "outcome": outcome,
                                    "band": band,
                                },
                            }
                        ],
                    },
                    challenger={
                        "status": "SCORED",
                        "modelVersion": "credit-v2",
                        "probabilityBad": q,
                        "points": 600,
                        "factors": [],
                        "band": challenger_band,
                        "outcome": challenger_outcome,
                    },
                )
            )
            bad = rng.random() < p
            if outcome == "APPROVED":
                plan_batch.save(
                    plans(
                        id=f"plan_{uuid.uuid4().hex}",
                        customer_id=f"c{i}",
                        checkout_id=f"co_{i}",
                        application_id=app_id,
                        status="DEFAULTED" if bad else "COMPLETED",
                        version=1,
                        created_at=decided_at,
                        document={
                            "status": "DEFAULTED" if bad else "COMPLETED",
                            "instalments": [
                                {
                                    "status": "LATE" if bad else "PAID",
                                    "dueDate": "2026-01-01",
                                    "paidAt": None if bad else "2026-01-01T10:00:00+00:00",
                                }
                            ],
                        },
                    )
                )
            seeded.append(
                {
                    "p": p,
                    "q": q,
                    "outcome": outcome,
                    "challenger": challenger_outcome,
                    "band": band,
                    "challenger_band": challenger_band,
                    "bad": bad if outcome == "APPROVED" else None,
                    "recent": i % 2 == 0,
                }
            )
    return seeded


def run_compare(
    settings: Settings, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, Any]:
    code = main(
        [
            "model",
            "compare",
            "--endpoint",
            str(settings.dynamodb_endpoint),
            "--table-prefix",
            settings.table_prefix,
            "--json",
            *extra,
        ]
    )
    assert code == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def test_the_report_counts_agreement_swaps_and_ranks_known_repayments(
    tables: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = seed(tables)
    report = run_compare(tables, capsys)
    n = len(seeded)
    assert (report["decisions"], report["compared"]) == (n, n)
    assert report["shadow"] == {"SCORED": n}
    assert (report["championVersions"], report["challengerVersions"]) == (
        ["credit-v1"],
        ["credit-v2"],
    )
    agree = sum(s["outcome"] == s["challenger"] for s in seeded)
    assert report["agreement"] == pytest.approx(agree / n)
    assert report["bandAgreement"] == pytest.approx(
        sum(s["band"] == s["challenger_band"] for s in seeded) / n
    )
    # A more pessimistic challenger only swaps out.
    assert report["swapIn"] == 0
    swapped_out = sum(s["outcome"] == "APPROVED" != s["challenger"] for s in seeded)
    assert swapped_out > 0
    assert report["swapOut"] == pytest.approx(swapped_out / n)
    known = [s for s in seeded if s["bad"] is not None]
    assert report["knownRepayments"] == len(known)
    assert report["knownBad"] == sum(s["bad"] for s in known)
    bad = [s["bad"] for s in known]
    assert report["championAuc"] == pytest.approx(roc_auc_score(bad, [s["p"] for s in known]))
    assert report["challengerAuc"] == pytest.approx(roc_auc_score(bad, [s["q"] for s in known]))


def test_since_narrows_the_report_to_recent_decisions(
    tables: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = seed(tables)
    report = run_compare(tables, capsys, "--since", "60")
    assert report["decisions"] == sum(s["recent"] for s in seeded)


def test_the_text_report_reads_as_a_summary(
    tables: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tables, n=40)
    code = main(
        [
            "model",
            "compare",
            "--endpoint",
            str(tables.dynamodb_endpoint),
            "--table-prefix",
            tables.table_prefix,
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "40 decisions reached the model (champion credit-v1, challenger credit-v2)"
    )
    assert "swap-in 0.00%" in out
    assert "known repayments" in out
