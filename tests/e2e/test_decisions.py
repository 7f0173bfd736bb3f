"""Credit decisions through the whole local stack (`bnpl dev`), as a checkout page would ask for
them: every persona's outcome, reasons and steps; an outage of the credit bureau and a retry
with the same idempotency key; concurrent duplicates; underwriting; `Checkout.application`; the
challenger model scored in shadow."""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bnpl.commands import compare, local_environment
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.sandbox_consents import sandbox_consent_id
from bnpl.settings import PROJECT_ROOT
from services.scoring.model import TreeEnsemble
from services.shared.settings import Settings

pytestmark = pytest.mark.e2e

CREATE_CHECKOUT = """
mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { id status } }"""
APPLY = """
mutation Apply($input: ApplyForCreditInput!) {
  applyForCredit(input: $input) {
    id checkoutId customerId status createdAt
    decision {
      outcome policyVersion decidedAt modelVersion
      reasons { code description }
      affordability {
        monthlyIncome { amount currency } monthlyCommitments { amount currency }
        disposableIncome { amount currency } instalmentToDisposableIncome
      }
      steps { name status durationMs detail }
    }
    offers {
      id product instalmentCount frequency apr
      firstPayment { amount currency } totalPayable { amount } totalInterest { amount }
      schedule { number dueDate amount { amount currency } }
    }
    steps { name status detail }
  }
}"""
APPLICATION = """
query Application($id: ID!) { application(id: $id) { id status decision { outcome } } }"""
REVIEW = """
mutation Review($input: ReviewApplicationInput!) {
  reviewApplication(input: $input) {
    id decision { outcome reasons { code } steps { name status } } offers { product }
  }
}"""
CHECKOUT = """
query Checkout($id: ID!) {
  checkout(id: $id) { id status customerId application { id decision { outcome } } }
}"""
STEPS = [
    "ValidateCustomerInformation",
    "ValidateBankStatements",
    "ValidateFinancialStatements",
    "CheckExternalCreditReport",
    "CheckInternalExposure",
    "FraudDetection",
    "OngoingLoanChecks",
    "PaymentHistory",
    "FinalDecision",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


def as_persona(stack: RunningStack, http: httpx.Client, name: str) -> GraphQLClient:
    persona = PERSONAS[name]
    token = mint_token(stack.settings, sub=persona.sub, email=persona.email, groups=persona.groups)
    return GraphQLClient(stack.settings.graphql_url, token=token, http=http)


def new_checkout(stack: RunningStack, http: httpx.Client, amount: int = 12_000) -> str:
    merchant = GraphQLClient(
        stack.settings.graphql_url, iam_region=stack.settings.region, http=http
    )
    body = merchant.execute(
        CREATE_CHECKOUT,
        {
            "input": {
                "merchantId": "m_sandbox",
                "merchantReference": f"e2e-{uuid.uuid4()}",
                "amount": {"amount": amount, "currency": "GBP"},
                "items": [
                    {
                        "sku": "JKT-1",
                        "name": "Rain jacket",
                        "quantity": 1,
                        "unitPrice": {"amount": amount, "currency": "GBP"},
                    }
                ],
            }
        },
    )
    checkout_id: str = body["data"]["createCheckout"]["id"]
    return checkout_id


def apply(
    client: GraphQLClient, checkout_id: str, *, key: str | None = None, consent: str | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "checkoutId": checkout_id,
        "idempotencyKey": key or str(uuid.uuid4()),
    }
    if consent is not None:
        payload["bankConsentId"] = consent
    return client.execute(APPLY, {"input": payload})


def decided(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    application: dict[str, Any] = body["data"]["applyForCredit"]
    assert application["status"] == "DECIDED"
    return application


@pytest.mark.parametrize(
    ("persona", "consent", "outcome", "first_reason", "last_step"),
    [
        ("approve", False, "APPROVED", None, "FinalDecision"),
        ("decline", False, "DECLINED", "RECENT_DEFAULT", "Reject"),
        ("refer", False, "REFERRED", None, "FinalDecision"),
        ("refer", True, "APPROVED", None, "FinalDecision"),  # bank data resolves the referral
        ("thin", False, "REFERRED", "NO_CREDIT_FILE", "FinalDecision"),
        ("fraud", False, "DECLINED", "FRAUD_BLOCKLIST", "Reject"),
    ],
)
def test_each_persona_gets_its_intended_decision(
    stack, http, persona, consent, outcome, first_reason, last_step
):
    client = as_persona(stack, http, persona)
    checkout_id = new_checkout(stack, http)
    application = decided(
        apply(client, checkout_id, consent=sandbox_consent_id(persona) if consent else None)
    )
    decision = application["decision"]
    assert decision["outcome"] == outcome
    assert application["customerId"] == PERSONAS[persona].sub
    assert decision["policyVersion"].startswith("credit-policy-")
    codes = [r["code"] for r in decision["reasons"]]
    assert len(codes) <= 4
    if outcome == "APPROVED":
        assert codes == []
        assert {o["product"] for o in application["offers"]} >= {"PAY_IN_4"}
        for offer in application["offers"]:
            total = sum(p["amount"]["amount"] for p in offer["schedule"])
            assert total == offer["totalPayable"]["amount"]
    else:
        assert codes, "every DECLINED or REFERRED decision gives a reason"
        assert all(r["description"] for r in decision["reasons"])
        assert application["offers"] == []
    if first_reason is not None:
        assert codes[0] == first_reason
    steps = decision["steps"]
    assert steps[-1]["name"] == last_step
    assert [s["name"] for s in steps if s["name"] != "Reject"] == STEPS[
        : len(steps) - (last_step == "Reject")
    ]
    assert all(s["durationMs"] >= 0 for s in steps)
    bank = next(s for s in steps if s["name"] == "ValidateBankStatements")
    assert bank["status"] == ("PASSED" if consent else "SKIPPED")
    affordability = decision["affordability"]
    if outcome == "APPROVED":
        assert affordability["instalmentToDisposableIncome"] is not None
    checkout = as_persona(stack, http, persona).execute(CHECKOUT, {"id": checkout_id})
    seen = checkout["data"]["checkout"]
    assert seen["status"] == outcome
    assert seen["application"] == {"id": application["id"], "decision": {"outcome": outcome}}


def test_a_bureau_outage_answers_dependency_failure_and_a_later_retry_decides(stack, http):
    client = as_persona(stack, http, "approve")
    checkout_id = new_checkout(stack, http)
    key = str(uuid.uuid4())
    outage = stack.settings.bureau_outage_path
    outage.touch()
    try:
        down = apply(client, checkout_id, key=key)
    finally:
        outage.unlink()
    [error] = down["errors"]
    assert error["errorType"] == "DependencyFailure"
    assert down["data"] is None

    application = decided(apply(client, checkout_id, key=key))
    assert application["decision"]["outcome"] == "APPROVED"
    again = decided(apply(client, checkout_id, key=key))
    assert again["id"] == application["id"]
    assert again["decision"]["decidedAt"] == application["decision"]["decidedAt"]


def test_concurrent_duplicates_make_one_application(stack, http):
    checkout_id = new_checkout(stack, http)
    key = str(uuid.uuid4())
    barrier = threading.Barrier(6)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(timeout=60) as own:
            client = as_persona(stack, own, "thin")
            barrier.wait()
            body = apply(client, checkout_id, key=key)
        with lock:
            answers.append(body)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    applications = [decided(body) for body in answers]
    assert len({a["id"] for a in applications}) == 1
    assert len({a["decision"]["decidedAt"] for a in applications}) == 1


def test_an_underwriter_approves_a_referral(stack, http):
    shopper = as_persona(stack, http, "thin")
    checkout_id = new_checkout(stack, http)
    referred = decided(apply(shopper, checkout_id))
    assert referred["decision"]["outcome"] == "REFERRED"
    review = {"applicationId": referred["id"], "outcome": "APPROVED", "note": "Payslips seen"}

    refused = shopper.execute(REVIEW, {"input": review})
    assert refused["errors"][0]["errorType"] == "Unauthorized"

    underwriter = as_persona(stack, http, "underwriter")
    settled = underwriter.execute(REVIEW, {"input": review})
    assert "errors" not in settled, settled
    application = settled["data"]["reviewApplication"]
    assert application["decision"]["outcome"] == "APPROVED"
    assert application["decision"]["steps"][-1] == {"name": "UnderwriterReview", "status": "PASSED"}
    assert application["offers"]
    seen = shopper.execute(APPLICATION, {"id": referred["id"]})["data"]["application"]
    assert seen["decision"]["outcome"] == "APPROVED"
    other = as_persona(stack, http, "approve").execute(APPLICATION, {"id": referred["id"]})
    assert other["data"]["application"] is None
    checkout = shopper.execute(CHECKOUT, {"id": checkout_id})["data"]["checkout"]
    assert checkout["status"] == "APPROVED"


def test_an_unverified_customer_must_verify_first(stack, http):
    sub = f"e2e-{uuid.uuid4()}"
    token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test", groups=("customers",))
    client = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
    register = (
        """mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }"""
    )
    client.execute(
        register,
        {"input": {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"}},
    )
    body = apply(client, new_checkout(stack, http))
    assert body["errors"][0]["errorType"] == "VerificationRequired"


def test_every_checkout_change_was_published(stack):
    # The credit service logs each publishCheckoutUpdate it could not make; there must be none.
    log = stack.log()
    assert "POST /applications" in log
    assert "publishing checkout" not in log


def test_the_challenger_scores_in_shadow_beside_the_champions_decision(stack, http):
    # GIVEN the stack's scoring endpoint with credit-v2 as its Challenger variant
    application = decided(apply(as_persona(stack, http, "refer"), new_checkout(stack, http)))
    # THEN the shopper's answer is the champion's alone
    assert "challenger" not in json.dumps(application)
    assert application["decision"]["modelVersion"] == "credit-v1"
    # AND the challenger's record is stored beside it once it is in (after the answer)
    environ = stack.settings.service_environ()
    settings = Settings.from_environ(environ)
    deadline = time.monotonic() + 30
    record = None
    while record is None:
        with local_environment(environ):
            found, _ = compare.stored(settings, None)
        record = next(
            (f for f in found if f.application_id == application["id"] and f.status), None
        )
        if record is None:
            assert time.monotonic() < deadline, "no challenger record"
            time.sleep(0.1)
    assert (record.status, record.champion_version, record.challenger_version) == (
        "SCORED",
        "credit-v1",
        "credit-v2",
    )
    assert record.pair is not None
    assert record.pair.champion_outcome == application["decision"]["outcome"] == "REFERRED"
    # The challenger is the calibrated credit-v2: the champion's margin through its calibrator.
    v2 = TreeEnsemble.load(PROJECT_ROOT / "models" / "credit-v2" / "model.json")
    p = record.pair.champion_probability
    assert record.pair.challenger_probability == pytest.approx(
        v2.probability_bad(math.log(p / (1 - p))), abs=1e-12
    )
