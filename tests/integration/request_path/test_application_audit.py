"""`applicationAudit` through the whole request path in process: the emulator (Cognito groups
checked as AppSync checks them), the credit proxy's Lambda, the credit service and DynamoDB Local.
An underwriter's review made through the API is read back by underwriters with who made it and
the API request it came in; shoppers (the applicant too) and merchants are refused."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bnpl.settings import SANDBOX_MERCHANT_ID
from services.credit.applications.store import DynamoApplicationStore
from services.credit.checkouts.domain import Checkout, parse_checkout_request
from services.credit.checkouts.store import DynamoCheckoutRepository
from services.credit.screening.checks.prior import VelocityKey
from services.shared.settings import Settings
from tests.conftest import MakeToken
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import gql
from tests.unit.services.credit.workflow.fakes import credit_application

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]

AUDIT = (
    "query Audit($id: ID!) { applicationAudit(applicationId: $id) "
    "{ sequence at actor action requestId before after evidence hash previousHash } }"
)
REVIEW = (
    "mutation Review($input: ReviewApplicationInput!) "
    "{ reviewApplication(input: $input) { id decision { outcome } } }"
)
UNDERWRITER = "uw-path-1"


def referral(settings: Settings) -> tuple[str, str]:
    """A shopper's REFERRED application on an open checkout of the sandbox merchant: its
    customer's sub and its id."""
    now = datetime.now(UTC)
    request = parse_checkout_request(
        {
            "merchantId": SANDBOX_MERCHANT_ID,
            "merchantReference": f"order-{uuid.uuid4()}",
            "amount": {"amount": 4000, "currency": "GBP"},
            "items": [
                {
                    "sku": "S-1",
                    "name": "Boots",
                    "quantity": 1,
                    "unitPrice": {"amount": 4000, "currency": "GBP"},
                }
            ],
        }
    )
    checkout = Checkout.open(request, checkout_id=str(uuid.uuid4()), now=now)
    assert DynamoCheckoutRepository(settings).add(checkout)
    sub = f"shopper-{uuid.uuid4().hex[:8]}"
    application = credit_application(
        customer_id=sub,
        checkout_id=checkout.id,
        amount=checkout.amount,
        checkout_expires_at=checkout.expires_at,
        attempts=1,
        lease_until=now + timedelta(minutes=1),
    )
    store = DynamoApplicationStore(settings)
    records = store.records({VelocityKey.CUSTOMER: sub})
    assert store.create(application, owner="run", records=records) is not None
    decision = {
        "outcome": "REFERRED",
        "reasons": [{"code": "THIN_FILE", "description": "Too little credit history."}],
        "decidedAt": now.isoformat(),
        "policyVersion": "policy-v1",
        "band": "D",
        "steps": [],
    }
    store.decide(application.decided(decision, []), owner="run", now=now)
    return sub, application.id


async def ask(stack: Stack, token: str, application_id: str) -> dict[str, Any]:
    response = await stack.customer(token, gql(AUDIT, {"id": application_id}))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_underwriters_read_the_trail_with_the_review_and_its_request(
    stack: Stack, make_token: MakeToken, backend: tuple[Settings, Any]
):
    settings, _ = backend
    _, application_id = referral(settings)
    underwriter = make_token(sub=UNDERWRITER, groups=("underwriters",))
    review = {"applicationId": application_id, "outcome": "APPROVED", "note": "Payslips seen."}
    reviewed = await stack.customer(underwriter, gql(REVIEW, {"input": review}))
    assert reviewed.json()["data"]["reviewApplication"]["decision"]["outcome"] == "APPROVED"

    answer = await ask(stack, underwriter, application_id)

    assert "errors" not in answer, answer
    decided, settled = answer["data"]["applicationAudit"]
    assert (decided["sequence"], decided["action"], decided["previousHash"]) == (
        1,
        "application.decided",
        "",
    )
    assert (settled["sequence"], settled["action"], settled["actor"]) == (
        2,
        "application.reviewed",
        UNDERWRITER,
    )
    assert settled["requestId"] == reviewed.headers["x-amzn-requestid"]
    assert settled["previousHash"] == decided["hash"]
    # AWSJSON fields arrive as JSON text, as AppSync sends them.
    assert json.loads(settled["before"]) == {"status": "DECIDED", "outcome": "REFERRED"}
    assert json.loads(settled["after"]) == {"status": "DECIDED", "outcome": "APPROVED"}
    assert json.loads(settled["evidence"])["policyVersion"] == "policy-v1"


async def test_shoppers_and_merchants_are_refused(
    stack: Stack, make_token: MakeToken, backend: tuple[Settings, Any]
):
    settings, _ = backend
    applicant, application_id = referral(settings)
    for token in (make_token(sub=applicant), make_token(sub="someone-else")):
        answer = await ask(stack, token, application_id)
        assert answer["data"] is None
        assert [e["errorType"] for e in answer["errors"]] == ["Unauthorized"]
    merchant = await stack.merchant(gql(AUDIT, {"id": application_id}))
    assert [e["errorType"] for e in merchant.json()["errors"]] == ["Unauthorized"]
    assert stack.reached() is None, "AppSync refuses them before the field runs"


async def test_an_unknown_application_is_not_found_to_underwriters(
    stack: Stack, make_token: MakeToken
):
    underwriter = make_token(sub=UNDERWRITER, groups=("underwriters",))
    answer = await ask(stack, underwriter, f"app_{uuid.uuid4().hex}")
    assert answer["data"] is None
    assert [e["errorType"] for e in answer["errors"]] == ["NotFound"]
