"""`bnpl model monitor` on DynamoDB Local: decisions drawn like the training data raise no flag;
a shifted population (incomes halved, amounts doubled) acts on the shifted features and on the
score; the EMF documents carry the same PSI values as the report."""

from __future__ import annotations

import io
import json
import math
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bnpl.cli import main
from bnpl.commands import monitor
from bnpl.model import dataset
from bnpl.tables import create_tables
from services.credit.models import ApplicationModel
from services.scoring.inputs import RawInputs, derive, parse_instance
from services.scoring.model import TreeEnsemble
from services.shared.dynamodb import bind
from services.shared.emf import EmfMetrics
from services.shared.settings import Settings
from tests.conftest import IdentityProvider, service_environ

pytestmark = [pytest.mark.ddblocal]

SAMPLE = 600
NOW = datetime.now(UTC)

Shift = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="module")
def model() -> TreeEnsemble:
    return TreeEnsemble.load(monitor.DEFAULT_MODEL_DIR / "model.json")


@pytest.fixture
def tables(dynamodb_local: str, identity_provider: IdentityProvider) -> Settings:
    """An applications table of this test's own."""
    environ = service_environ(identity_provider)
    environ |= {
        "BNPL_DYNAMODB_ENDPOINT": dynamodb_local,
        "BNPL_TABLE_PREFIX": f"m{uuid.uuid4().hex[:8]}-",
    }
    settings = Settings.from_environ(environ)
    create_tables(settings, (ApplicationModel,))
    return settings


def _minor(value: float, unit: float) -> int | None:
    return None if math.isnan(value) else round(value * unit)


def instance(row: RawInputs, unit: float) -> dict[str, Any]:
    """The scorer's instance of one training row (money in minor units), as steps record it."""
    return {
        "amount_minor": _minor(row.amount, unit),
        "price_minor": _minor(row.price, unit),
        "monthly_income_minor": _minor(row.monthly_income, unit),
        "monthly_expenses_minor": _minor(row.monthly_expenses, unit),
        "assets_minor": _minor(row.assets, unit),
        "debt_minor": _minor(row.debt, unit),
        "term_months": None if math.isnan(row.term_months) else row.term_months,
        "employment_years": None if math.isnan(row.employment_years) else row.employment_years,
        "home": row.home,
        "job": row.job,
        "adverse_records": None
        if math.isnan(row.adverse_records)
        else ("yes" if row.adverse_records else "no"),
    }


def unchanged(features: dict[str, Any]) -> dict[str, Any]:
    return features


def shifted(features: dict[str, Any]) -> dict[str, Any]:
    """Incomes halved, amounts doubled."""
    income, amount = features["monthly_income_minor"], features["amount_minor"]
    return features | {
        "monthly_income_minor": None if income is None else income // 2,
        "amount_minor": None if amount is None else amount * 2,
    }


def seed(settings: Settings, model: TreeEnsemble, shift: Shift) -> None:
    """`SAMPLE` decided applications drawn from the training rows, as the store writes them,
    scored by the model on what they were given, over the last two days."""
    rows = random.Random(20261205).sample(dataset.load().rows, SAMPLE)
    table = bind(ApplicationModel, settings)
    with table.batch_write() as batch:
        for i, row in enumerate(rows):
            features = shift(instance(row, model.money_unit_minor))
            probability = model.predict(
                derive(parse_instance(features, money_unit_minor=model.money_unit_minor))
            ).probability_bad
            declined = probability >= 0.5
            decided_at = NOW - timedelta(hours=i % 48)
            decision = {
                "outcome": "DECLINED" if declined else "APPROVED",
                "decidedAt": decided_at.isoformat().replace("+00:00", "Z"),
                "reasons": [{"code": "HIGH_RISK_SCORE", "description": "risk"}] if declined else [],
                "steps": [
                    {"name": "CheckExternalCreditReport", "status": "PASSED", "detail": {}},
                    {
                        "name": "FinalDecision",
                        "status": "FAILED" if declined else "PASSED",
                        "detail": {"probabilityBad": probability, "features": features},
                    },
                ],
            }
            batch.save(
                table(
                    id=f"app_{uuid.uuid4().hex}",
                    customer_id=f"c{i}",
                    checkout_id=f"co_{i}",
                    status="DECIDED",
                    outcome=decision["outcome"],
                    key_hash="k",
                    fingerprint="f",
                    amount=features["amount_minor"] or 0,
                    currency="GBP",
                    checkout_expires_at=decided_at + timedelta(hours=1),
                    created_at=decided_at,
                    decision=decision,
                )
            )


def run_monitor(
    settings: Settings, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, Any]:
    code = main(
        [
            "model",
            "monitor",
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


def psi_by_name(report: dict[str, Any]) -> dict[str, tuple[float, str]]:
    return {s["name"]: (s["psi"], s["flag"]) for s in report["stability"]}


def test_a_population_drawn_like_the_training_data_raises_no_flag(
    tables: Settings, model: TreeEnsemble, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tables, model, unchanged)
    report = run_monitor(tables, capsys)
    assert (report["decisions"], report["scored"], report["unreadableFeatures"]) == (
        SAMPLE,
        SAMPLE,
        0,
    )
    flags = psi_by_name(report)
    assert {name: flag for name, (_, flag) in flags.items() if flag != "quiet"} == {}
    assert set(flags) >= {"probability_bad", "monthly_income", "amount", "home", "instalment"}


def test_a_shifted_population_acts_on_the_shifted_features_and_the_score(
    tables: Settings, model: TreeEnsemble, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tables, model, shifted)
    report = run_monitor(tables, capsys)
    flags = psi_by_name(report)
    for name in ("monthly_income", "amount", "amount_to_price", "instalment", "probability_bad"):
        assert flags[name][1] == "act", (name, flags[name])
    # What was not shifted stays quiet.
    for name in ("monthly_expenses", "assets", "debt", "home", "job", "term_months"):
        assert flags[name][1] == "quiet", (name, flags[name])
    assert "monthly_income" in report["act"]
    assert "probability_bad" in report["act"]


def test_the_emf_documents_hold_the_reports_psi_values(
    tables: Settings, model: TreeEnsemble, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tables, model, shifted)
    report = run_monitor(tables, capsys)
    stream = io.StringIO()
    code = monitor.run(
        since=None,
        endpoint=tables.dynamodb_endpoint,
        table_prefix=tables.table_prefix,
        bucket="day",
        as_json=True,
        metrics=EmfMetrics(service="model", stream=stream),
    )
    assert code == 0
    capsys.readouterr()
    documents = [json.loads(line) for line in stream.getvalue().splitlines()]
    drift = {d["feature"]: d["ModelDriftPSI"][0] for d in documents if "ModelDriftPSI" in d}
    (score,) = [d["ModelScorePSI"][0] for d in documents if "ModelScorePSI" in d]
    flags = psi_by_name(report)
    assert score == pytest.approx(flags["probability_bad"][0], abs=1e-4)
    assert drift["monthly_income"] == pytest.approx(flags["monthly_income"][0], abs=1e-4)
    assert set(drift) == set(flags) - {"probability_bad"}
    directive = next(d for d in documents if "ModelDriftPSI" in d)["_aws"]["CloudWatchMetrics"][0]
    assert directive["Metrics"] == [{"Name": "ModelDriftPSI", "Unit": "None"}]
    assert ["service", "feature"] in directive["Dimensions"]


def test_the_json_report_has_its_shape_and_since_narrows_it(
    tables: Settings, model: TreeEnsemble, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tables, model, unchanged)
    report = run_monitor(tables, capsys)
    assert set(report) == {
        "since",
        "decisions",
        "scored",
        "unreadableFeatures",
        "act",
        "watch",
        "stability",
        "mix",
    }
    assert set(report["stability"][0]) == {"name", "psi", "flag", "observed"}
    assert report["stability"][0]["name"] == "probability_bad"
    assert sum(m["decisions"] for m in report["mix"]) == SAMPLE
    assert {tuple(sorted(m)) for m in report["mix"]} == {
        ("bucket", "decisions", "outcomes", "reasons")
    }
    # Just under 12 hours back holds the decisions made 0..11 hours ago, one hour apart.
    recent = run_monitor(tables, capsys, "--since", str(12 * 60 - 1), "--bucket", "hour")
    assert recent["decisions"] == sum(1 for i in range(SAMPLE) if i % 48 < 12)
    assert len(recent["mix"]) == 12
