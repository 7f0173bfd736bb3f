"""`model_features`: what we hold at decision time → the model's inputs."""

from __future__ import annotations

from datetime import date

import pytest

from services.credit.screening.checks.bureau import (
    BureauReport,
    Derogatory,
    DerogatoryKind,
    HomeStatus,
    JobType,
)
from services.credit.screening.checks.cash_flow import CashFlowSummary
from services.credit.screening.features import DECISION_TERM_MONTHS, model_features
from services.scoring.inputs import INPUTS, parse_instance

CHECKOUT = {"id": "c1", "amount": {"amount": 45_000, "currency": "GBP"}}
BUREAU = BureauReport(
    reference="r1",
    bureau="SandboxBureau",
    currency="GBP",
    file_present=True,
    score=700,
    derogatories=(Derogatory(kind=DerogatoryKind.CCJ, recorded_on=date(2020, 1, 1)),),
    total_debt=120_000,
    assets=500_000,
    declared_monthly_income=250_000,
    declared_monthly_expenses=90_000,
    home_status=HomeStatus.PRIVATE,
    job_type=JobType.PART_TIME,
    employment_years=4,
)
BANK = CashFlowSummary(
    currency="GBP",
    months_observed=12,
    income_months=12,
    monthly_income=310_000,
    monthly_housing=100_000,
    monthly_bills=20_000,
    monthly_debt_service=10_000,
    monthly_essentials=30_000,
    returned_payments_90d=0,
    gambling_share_90d=0.0,
    bnpl_providers_60d=0,
    overdrawn_days_90d=0,
    days_since_income=3,
    transactions_used=400,
    transactions_ignored=2,
)


def test_bank_data_wins_over_the_bureaus_declared_figures():
    features = model_features(customer={}, checkout=CHECKOUT, bureau=BUREAU, bank=BANK)
    assert features["monthly_income_minor"] == 310_000
    assert features["monthly_expenses_minor"] == 160_000  # housing + bills + debt + essentials


def test_without_bank_data_the_bureau_fills_income_and_expenses():
    features = model_features(customer={}, checkout=CHECKOUT, bureau=BUREAU, bank=None)
    assert features == {
        "amount_minor": 45_000,
        "price_minor": 45_000,
        "term_months": DECISION_TERM_MONTHS,
        "monthly_income_minor": 250_000,
        "monthly_expenses_minor": 90_000,
        "assets_minor": 500_000,
        "debt_minor": 120_000,
        "employment_years": 4,
        "home": "priv",
        "job": "partime",
        "adverse_records": "yes",
    }


@pytest.mark.parametrize(
    ("bureau", "bank"),
    [
        (None, None),
        (BureauReport(reference="r", bureau="b", currency="GBP", file_present=False), None),
        (None, BANK),
        (BUREAU, BANK),
    ],
)
def test_whatever_we_hold_the_model_takes_it(bureau, bank):
    features = model_features(customer={}, checkout=CHECKOUT, bureau=bureau, bank=bank)
    assert set(features) == set(INPUTS)
    parse_instance(features, money_unit_minor=1800)  # raises if the model would refuse it


def test_a_thin_file_leaves_the_records_missing_rather_than_clean():
    thin = BureauReport(reference="r", bureau="b", currency="GBP", file_present=False)
    features = model_features(customer={}, checkout=CHECKOUT, bureau=thin, bank=None)
    assert features["adverse_records"] is None
    assert features["monthly_income_minor"] is None


@pytest.mark.parametrize(("home", "value"), [(h, h.value) for h in HomeStatus])
def test_every_home_status_maps_to_a_model_category(home, value):
    report = BureauReport(
        reference="r", bureau="b", currency="GBP", file_present=True, home_status=home
    )
    features = model_features(customer={}, checkout=CHECKOUT, bureau=report, bank=None)
    assert features["home"] in {"owner", "rent", "parents", "priv", "other"}, value


@pytest.mark.parametrize("job", list(JobType))
def test_every_job_type_maps_to_a_model_category(job):
    report = BureauReport(
        reference="r", bureau="b", currency="GBP", file_present=True, job_type=job
    )
    features = model_features(customer={}, checkout=CHECKOUT, bureau=report, bank=None)
    assert features["job"] in {"fixed", "freelance", "partime", "others"}
