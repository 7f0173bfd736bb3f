"""The sandbox personas get their intended outcomes from the whole decision, in process: the
sandbox bureau and bank, the real model artefact (scored by the scoring server's evaluator),
the fraud check and the bundled policy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bnpl.personas import PERSONAS
from services.credit.adapters.scoring import ModelFactor, ModelScore
from services.credit.policy.decision import Applicant, DecisionInputs, PolicyOutcome, decide
from services.credit.policy.offers import PlanProduct, make_offers
from services.credit.policy.rules import Outcome, load_policy
from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.cash_flow import CashFlowSummary, summarise_bank_data
from services.credit.screening.checks.exposure import Exposure, PaymentHistory
from services.credit.screening.checks.fraud import (
    FraudCheck,
    FraudSubject,
)
from services.credit.screening.checks.prior import PriorApplications
from services.credit.screening.features import model_features
from services.scoring.model import TreeEnsemble
from services.scoring.predictions import predict
from services.shared.money import Money
from services.user.sandbox_bank.bank import statement

TODAY = date(2026, 11, 30)
POLICY = load_policy()
MODEL = TreeEnsemble.load(Path(__file__).parents[4] / "models" / "credit-v1" / "model.json")
AMOUNT = Money(25_000, "GBP")


def cash_flow(sub: str) -> CashFlowSummary:
    data = statement(sub, TODAY)
    return summarise_bank_data(
        transactions=[t.to_json(detail=True) for t in data.transactions],
        balances=[b.to_json() for b in data.balances],
        today=TODAY,
    )


def score(features: dict[str, Any]) -> ModelScore:
    answer = predict(MODEL, {"instances": [features]})["predictions"][0]
    return ModelScore(
        probability_bad=answer["probability_bad"],
        points=answer["points"],
        model_version=answer["model_version"],
        factors=tuple(ModelFactor(**factor) for factor in answer["factors"]),
    )


def decision(name: str, *, with_bank_data: bool) -> PolicyOutcome:
    persona = PERSONAS[name]
    customer = {
        "id": persona.sub,
        "email": persona.email,
        "phone": persona.phone,
        "dateOfBirth": persona.date_of_birth,
    }
    report = SandboxBureau(today=lambda: TODAY).report(customer)
    bank = cash_flow(persona.sub) if with_bank_data else None
    checkout = {"amount": AMOUNT.to_json()}
    signals = FraudCheck(rules=POLICY.fraud).check(
        FraudSubject(
            application_id="app-1",
            customer_id=persona.sub,
            email=persona.email,
            phone=persona.phone,
        ),
        prior=PriorApplications(),
        now=datetime(2026, 11, 30, 12, tzinfo=UTC),
    )
    return decide(
        DecisionInputs(
            applicant=Applicant.from_customer(customer),
            amount=AMOUNT,
            bureau=report,
            cash_flow=bank,
            fraud=signals,
            exposure=Exposure(outstanding=Money(0, "GBP"), active_plans=0),
            payment_history=PaymentHistory(),
            score=score(
                model_features(customer=customer, checkout=checkout, bureau=report, bank=bank)
            ),
            today=TODAY,
        ),
        POLICY,
    )


@pytest.mark.parametrize(
    ("name", "with_bank_data", "outcome", "first_reason"),
    [
        ("approve", False, Outcome.APPROVED, None),
        ("approve", True, Outcome.APPROVED, None),
        ("decline", False, Outcome.DECLINED, "RECENT_DEFAULT"),
        ("decline", True, Outcome.DECLINED, "RECENT_DEFAULT"),
        ("refer", False, Outcome.REFERRED, None),
        ("refer", True, Outcome.APPROVED, None),  # bank data resolves the referral
        ("thin", False, Outcome.REFERRED, "NO_CREDIT_FILE"),
        ("thin", True, Outcome.REFERRED, None),
        ("fraud", False, Outcome.DECLINED, "FRAUD_BLOCKLIST"),
    ],
)
def test_persona_outcomes(name, with_bank_data, outcome, first_reason):
    result = decision(name, with_bank_data=with_bank_data)
    assert result.outcome is outcome, result.to_json()
    if first_reason is not None:
        assert result.reasons[0].code == first_reason
    assert (result.outcome is Outcome.APPROVED) == (not result.reasons)
    assert result.affordability.monthly_instalment.amount > 0


def test_the_approved_persona_gets_every_plan():
    result = decision("approve", with_bank_data=True)
    assert result.band is not None
    offers = make_offers(
        AMOUNT,
        POLICY.band_named(result.band),
        POLICY,
        TODAY,
        result.affordability,
        application_id="app-1",
        available=result.available,
    )
    assert [o.product for o in offers] == [PlanProduct.PAY_IN_4] + [PlanProduct.MONTHLY] * 3
