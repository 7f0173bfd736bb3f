"""Table-driven: each row changes one thing about a clean, approvable application and states the
outcome and reason codes the policy gives."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest

from services.credit.policy.decision import Applicant, DecisionInputs, age_on, decide
from services.credit.policy.rules import Outcome, RuleCode, load_policy
from services.credit.screening.checks.bureau import (
    BureauReport,
    Derogatory,
    DerogatoryKind,
    HomeStatus,
    JobType,
)
from services.credit.screening.checks.cash_flow import CashFlowSummary
from services.credit.screening.checks.exposure import Exposure, PaymentHistory
from services.credit.screening.checks.fraud import FraudSignals
from services.shared.money import Money

POLICY = load_policy()
TODAY = date(2026, 11, 30)


@dataclass(frozen=True)
class Factor:
    feature: str
    code: str
    description: str
    impact: float


@dataclass(frozen=True)
class Score:
    probability_bad: float
    points: int = 600
    model_version: str = "credit-v1"
    factors: tuple[Factor, ...] = ()


FACTORS = (
    Factor("Seniority", "SHORT_EMPLOYMENT", "You have been with your employer a short time", 0.4),
    Factor("Income", "LOW_INCOME", "Your income is low for the amount", 0.9),
    Factor("Assets", "FEW_ASSETS", "You hold few assets", 0.1),
    Factor("Debt", "HIGH_DEBT", "Your debts are high", 0.6),
    Factor("Home", "HOME", "Home status helped", -0.3),
)

BUREAU = BureauReport(
    reference="sbx-1",
    bureau="SandboxBureau",
    currency="GBP",
    file_present=True,
    score=900,
    active_credit_count=1,
    total_debt=100_000,
    assets=1_000_000,
    declared_monthly_income=300_000,
    declared_monthly_expenses=120_000,
    home_status=HomeStatus.OWNER,
    job_type=JobType.FIXED,
    employment_years=10,
    residence_country="GB",
)
CASH_FLOW = CashFlowSummary(
    currency="GBP",
    months_observed=11,
    income_months=11,
    monthly_income=300_000,
    monthly_housing=90_000,
    monthly_bills=30_000,
    monthly_debt_service=0,
    monthly_essentials=30_000,
    returned_payments_90d=0,
    gambling_share_90d=0.0,
    bnpl_providers_60d=0,
    overdrawn_days_90d=0,
    days_since_income=3,
    transactions_used=200,
    transactions_ignored=0,
)
CLEAN = DecisionInputs(
    applicant=Applicant(customer_id="c1", date_of_birth=date(1990, 5, 1), country=None),
    amount=Money(40_000, "GBP"),
    bureau=BUREAU,
    cash_flow=None,
    fraud=FraudSignals(),
    exposure=Exposure(outstanding=Money(0, "GBP"), active_plans=0),
    payment_history=PaymentHistory(),
    score=Score(0.05, factors=FACTORS),
    today=TODAY,
)


def with_(**changes: Any) -> DecisionInputs:
    return replace(CLEAN, **changes)


def applicant(**changes: Any) -> DecisionInputs:
    return with_(applicant=replace(CLEAN.applicant, **changes))


def bureau(**changes: Any) -> DecisionInputs:
    return with_(bureau=replace(BUREAU, **changes))


def bank(**changes: Any) -> DecisionInputs:
    return with_(cash_flow=replace(CASH_FLOW, **changes))


def small(inputs: DecisionInputs) -> DecisionInputs:
    """The same application for 200.00, within every band's and the thin-file limit."""
    return replace(inputs, amount=Money(20_000, "GBP"))


def score(p: float, factors: tuple[Factor, ...] = FACTORS) -> DecisionInputs:
    return with_(score=Score(p, factors=factors))


def default(
    months_ago_days: int, kind: DerogatoryKind = DerogatoryKind.DEFAULT
) -> tuple[Derogatory, ...]:
    return (
        Derogatory(kind=kind, recorded_on=date.fromordinal(TODAY.toordinal() - months_ago_days)),
    )


CASES = [
    # id, inputs, outcome, leading reason codes
    ("clean, band A", CLEAN, Outcome.APPROVED, []),
    ("band B edge", score(0.20), Outcome.APPROVED, []),
    ("band C edge", score(0.30), Outcome.APPROVED, []),
    (
        "band D",
        small(score(0.31)),
        Outcome.REFERRED,
        ["LOW_INCOME", "HIGH_DEBT", "SHORT_EMPLOYMENT", "FEW_ASSETS"],
    ),
    ("band D edge", small(score(0.50)), Outcome.REFERRED, ["LOW_INCOME"]),
    (
        "band D resolved by bank data",
        small(replace(score(0.45), cash_flow=CASH_FLOW)),
        Outcome.APPROVED,
        [],
    ),
    ("band E", score(0.51), Outcome.DECLINED, ["LOW_INCOME", "HIGH_DEBT"]),
    ("band E, model names no factor", score(0.9, ()), Outcome.DECLINED, ["SCORE_DECLINE"]),
    ("band D, model names no factor", small(score(0.45, ())), Outcome.REFERRED, ["SCORE_REFER"]),
    ("under 18", applicant(date_of_birth=date(2008, 12, 1)), Outcome.DECLINED, ["UNDER_AGE"]),
    ("18 today", applicant(date_of_birth=date(2008, 11, 30)), Outcome.APPROVED, []),
    ("no date of birth", applicant(date_of_birth=None), Outcome.REFERRED, ["IDENTITY_INCOMPLETE"]),
    ("profile abroad", applicant(country="FR"), Outcome.DECLINED, ["UNSUPPORTED_COUNTRY"]),
    (
        "bureau address abroad",
        bureau(residence_country="US"),
        Outcome.DECLINED,
        ["UNSUPPORTED_COUNTRY"],
    ),
    (
        "no address anywhere",
        bureau(residence_country=None),
        Outcome.REFERRED,
        ["IDENTITY_INCOMPLETE"],
    ),
    (
        "euro checkout",
        with_(amount=Money(40_000, "EUR")),
        Outcome.DECLINED,
        ["UNSUPPORTED_CURRENCY"],
    ),
    (
        "below any product",
        with_(amount=Money(999, "GBP")),
        Outcome.DECLINED,
        ["AMOUNT_BELOW_MINIMUM"],
    ),
    (
        "blocklisted",
        with_(fraud=FraudSignals(blocklist_hits=("email",), reasons=("FRAUD_BLOCKLIST",))),
        Outcome.DECLINED,
        ["FRAUD_BLOCKLIST"],
    ),
    (
        "velocity",
        with_(fraud=FraudSignals(customer_applications_24h=5, reasons=("APPLICATION_VELOCITY",))),
        Outcome.REFERRED,
        ["APPLICATION_VELOCITY"],
    ),
    (
        "disposable e-mail",
        with_(fraud=FraudSignals(disposable_email=True, reasons=("DISPOSABLE_EMAIL",))),
        Outcome.REFERRED,
        ["DISPOSABLE_EMAIL"],
    ),
    (
        "default 11 months ago",
        bureau(derogatories=default(335)),
        Outcome.DECLINED,
        ["RECENT_DEFAULT"],
    ),
    ("default 13 months ago", bureau(derogatories=default(400)), Outcome.APPROVED, []),
    (
        "CCJ 3 years ago",
        bureau(derogatories=default(1000, DerogatoryKind.CCJ)),
        Outcome.DECLINED,
        ["RECENT_CCJ"],
    ),
    (
        "CCJ 4 years ago",
        bureau(derogatories=default(1500, DerogatoryKind.CCJ)),
        Outcome.APPROVED,
        [],
    ),
    (
        "bankruptcy 5 years ago",
        bureau(derogatories=default(1830, DerogatoryKind.BANKRUPTCY)),
        Outcome.DECLINED,
        ["INSOLVENCY"],
    ),
    (
        "IVA 7 years ago",
        bureau(derogatories=default(2600, DerogatoryKind.INSOLVENCY)),
        Outcome.APPROVED,
        [],
    ),
    (
        "thin file, no bank data",
        small(
            bureau(file_present=False, declared_monthly_income=None, declared_monthly_expenses=None)
        ),
        Outcome.REFERRED,
        ["NO_CREDIT_FILE", "AFFORDABILITY_UNVERIFIED"],
    ),
    (
        "thin file even with a declining score",
        replace(score(0.9), bureau=replace(BUREAU, file_present=False)),
        Outcome.REFERRED,
        ["NO_CREDIT_FILE"],
    ),
    (
        "thin file, bank data, declining score: an underwriter decides",
        small(replace(bank(), score=Score(0.9), bureau=replace(BUREAU, file_present=False))),
        Outcome.REFERRED,
        ["SCORE_REFER"],
    ),
    (
        "thin file with bank data",
        small(
            replace(
                bank(), bureau=replace(BUREAU, file_present=False, declared_monthly_income=None)
            )
        ),
        Outcome.APPROVED,
        [],
    ),
    (
        "thin file over the thin-file limit",
        replace(
            bank(),
            amount=Money(30_001, "GBP"),
            bureau=replace(BUREAU, file_present=False, declared_monthly_income=None),
        ),
        Outcome.DECLINED,
        ["EXPOSURE_LIMIT"],
    ),
    (
        "3 plans already",
        with_(exposure=Exposure(outstanding=Money(10_000, "GBP"), active_plans=3)),
        Outcome.DECLINED,
        ["TOO_MANY_ACTIVE_PLANS"],
    ),
    (
        "2 plans",
        with_(exposure=Exposure(outstanding=Money(10_000, "GBP"), active_plans=2)),
        Outcome.APPROVED,
        [],
    ),
    (
        "over the policy's exposure cap",
        with_(exposure=Exposure(outstanding=Money(110_001, "GBP"), active_plans=1)),
        Outcome.DECLINED,
        ["EXPOSURE_LIMIT"],
    ),
    (
        "over band C's limit",
        replace(score(0.25), exposure=Exposure(outstanding=Money(20_001, "GBP"), active_plans=1)),
        Outcome.DECLINED,
        ["EXPOSURE_LIMIT"],
    ),
    (
        "at band C's limit",
        replace(score(0.25), exposure=Exposure(outstanding=Money(20_000, "GBP"), active_plans=1)),
        Outcome.APPROVED,
        [],
    ),
    (
        "overdue with us",
        with_(payment_history=PaymentHistory(overdue_instalments=1)),
        Outcome.DECLINED,
        ["OVERDUE_WITH_US"],
    ),
    (
        "3 late in 12 months",
        with_(payment_history=PaymentHistory(late_instalments_12m=2, missed_instalments_12m=1)),
        Outcome.REFERRED,
        ["LATE_PAYMENTS"],
    ),
    (
        "2 late in 12 months",
        with_(payment_history=PaymentHistory(late_instalments_12m=2)),
        Outcome.APPROVED,
        [],
    ),
    ("2 returned payments", bank(returned_payments_90d=2), Outcome.DECLINED, ["RETURNED_PAYMENTS"]),
    ("1 returned payment", bank(returned_payments_90d=1), Outcome.APPROVED, []),
    ("gambling 11 %", bank(gambling_share_90d=0.11), Outcome.DECLINED, ["GAMBLING_SPEND"]),
    ("gambling 10 %", bank(gambling_share_90d=0.10), Outcome.APPROVED, []),
    ("3 BNPL providers", bank(bnpl_providers_60d=3), Outcome.REFERRED, ["BNPL_STACKING"]),
    (
        "income 31 % below the bureau's",
        bank(monthly_income=207_000),
        Outcome.REFERRED,
        ["INCOME_MISMATCH"],
    ),
    ("income 30 % below the bureau's", bank(monthly_income=210_000), Outcome.APPROVED, []),
    (
        "instalment > 35 % of disposable",
        replace(
            bureau(
                declared_monthly_income=160_000, declared_monthly_expenses=130_000, total_debt=0
            ),
            amount=Money(150_000, "GBP"),
        ),
        Outcome.DECLINED,
        ["INSTALMENT_TOO_HIGH"],
    ),
    (
        "nothing left after the instalment",
        bank(monthly_income=200_000, monthly_housing=165_000),
        Outcome.DECLINED,
        ["INSUFFICIENT_DISPOSABLE_INCOME", "INSTALMENT_TOO_HIGH", "INCOME_MISMATCH"],
    ),
    (
        "no figures at all",
        bureau(declared_monthly_income=None),
        Outcome.REFERRED,
        ["AFFORDABILITY_UNVERIFIED"],
    ),
    (
        "declines rank before referrals",
        replace(bank(bnpl_providers_60d=3), fraud=FraudSignals(reasons=("FRAUD_BLOCKLIST",))),
        Outcome.DECLINED,
        ["FRAUD_BLOCKLIST", "BNPL_STACKING"],
    ),
    (
        "a hard decline beats band A",
        replace(score(0.01), payment_history=PaymentHistory(overdue_instalments=2)),
        Outcome.DECLINED,
        ["OVERDUE_WITH_US", "LOW_INCOME"],
    ),
    (
        "band E beats a referral",
        replace(score(0.6), fraud=FraudSignals(reasons=("DISPOSABLE_EMAIL",))),
        Outcome.DECLINED,
        ["DISPOSABLE_EMAIL", "LOW_INCOME"],
    ),
]


@pytest.mark.parametrize(
    ("inputs", "outcome", "codes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_outcome_and_reasons(inputs, outcome, codes):
    result = decide(inputs, POLICY)
    assert result.outcome is outcome
    assert [r.code for r in result.reasons][: len(codes)] == codes
    assert len(result.reasons) <= 4
    if outcome is Outcome.APPROVED:
        assert result.reasons == ()
    else:
        assert result.reasons, "every DECLINED and REFERRED decision has a reason"
    assert all(r.description for r in result.reasons)
    assert result.policy_version == "credit-policy-2026.11-v1"


def test_every_rule_code_is_exercised_by_the_table():
    raised = {hit.code for case in CASES for hit in decide(case[1], POLICY).hits}
    assert raised == set(RuleCode)


class TestEvidence:
    def test_an_approval_carries_band_limit_affordability_and_versions(self):
        result = decide(CLEAN, POLICY)
        assert (result.band, result.limit, result.available) == (
            "A",
            Money(150_000, "GBP"),
            Money(150_000, "GBP"),
        )
        assert result.affordability.passed
        body = result.to_json()
        assert body["policyVersion"] == "credit-policy-2026.11-v1"
        assert body["modelVersion"] == "credit-v1"
        assert body["affordability"]["source"] == "BUREAU"
        assert body["affordability"]["monthlyIncome"] == {"amount": 300_000, "currency": "GBP"}

    def test_affordability_is_on_every_decision_even_a_decline(self):
        result = decide(with_(fraud=FraudSignals(reasons=("FRAUD_BLOCKLIST",))), POLICY)
        assert result.outcome is Outcome.DECLINED
        assert result.affordability.instalment_to_disposable_income is not None
        assert result.limit is None

    def test_affordability_prefers_bank_data_and_uses_the_cheapest_plan(self):
        result = decide(bank(), POLICY)
        assert result.affordability.source == "BANK_DATA"
        assert result.affordability.disposable_income == Money(150_000, "GBP")
        # 40,000 over 12 months at 9.9 % is the smallest monthly instalment on offer.
        assert result.affordability.monthly_instalment.amount < 40_000 // 12 + 400

    def test_the_available_limit_nets_off_what_is_owed(self):
        result = decide(
            with_(exposure=Exposure(outstanding=Money(50_000, "GBP"), active_plans=1)), POLICY
        )
        assert result.available == Money(100_000, "GBP")

    def test_rule_hits_keep_their_figures(self):
        result = decide(bank(gambling_share_90d=0.25), POLICY)
        hit = next(h for h in result.hits if h.code is RuleCode.GAMBLING_SPEND)
        assert hit.to_json() == {
            "code": "GAMBLING_SPEND",
            "action": "DECLINE",
            "detail": {"share": 0.25},
        }

    def test_reasons_are_capped_at_four(self):
        many = replace(
            bank(returned_payments_90d=3, gambling_share_90d=0.5, bnpl_providers_60d=4),
            payment_history=PaymentHistory(overdue_instalments=1),
        )
        assert [r.code for r in decide(many, POLICY).reasons] == [
            "OVERDUE_WITH_US",
            "RETURNED_PAYMENTS",
            "GAMBLING_SPEND",
            "BNPL_STACKING",
        ]

    def test_without_a_score_only_a_decline_can_be_decided(self):
        declined = decide(replace(applicant(date_of_birth=date(2010, 1, 1)), score=None), POLICY)
        assert (declined.outcome, declined.band, declined.model_version) == (
            Outcome.DECLINED,
            None,
            None,
        )
        with pytest.raises(ValueError, match="needs the model's score"):
            decide(with_(score=None), POLICY)


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2008, 11, 30), date(2026, 11, 29), 17),
        (date(2008, 11, 30), date(2026, 11, 30), 18),
    ],
)
def test_age_on(born, today, age):
    assert age_on(born, today) == age


def test_applicant_from_the_user_services_customer():
    found = Applicant.from_customer(
        {"id": "c9", "dateOfBirth": "1990-01-02", "address": {"country": "GB", "city": "Leeds"}}
    )
    assert found == Applicant(customer_id="c9", date_of_birth=date(1990, 1, 2), country="GB")
    bare = Applicant.from_customer({"id": "c9", "dateOfBirth": "not a date"})
    assert (bare.date_of_birth, bare.country) == (None, None)


def test_inputs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CLEAN.amount = Money(1, "GBP")  # type: ignore[misc]
