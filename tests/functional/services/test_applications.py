"""Credit applications through the credit service's HTTP API on DynamoDB Local: idempotency,
one workflow run per key (threads over real HTTP), outages and retries, checkouts moving with
the decision, underwriting, and the rejection outbox. The bureau is the sandbox one; the user
service and the model are fakes of their clients (their own tests cover them)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.credit.app import create_app
from services.credit.application_service import ApplicationService
from services.credit.applications import DynamoApplicationStore
from services.credit.bureau import SandboxBureau
from services.credit.domain import Checkout, CheckoutStatus, parse_checkout_request
from services.credit.event_publishers import OutboxEventPublisher
from services.credit.fraud import FraudCheck
from services.credit.plan_history import PlanHistory
from services.credit.policy import load_policy
from services.credit.repository import DynamoCheckoutRepository
from services.credit.workflow.retry import RetryPolicy
from services.credit.workflow.runner import Workflow
from services.credit.workflow.steps import Sources
from services.shared.errors import VerificationRequired
from tests.functional.services.conftest import ServedApp
from tests.unit.services.credit.workflow.fakes import FakeBank, FakeScorer, customer

pytestmark = [pytest.mark.ddblocal]

POLICY = load_policy()


@dataclass
class FakeProfiles:
    """The user service's `GET /customers/me`: profiles by the token's subject."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: int = 0

    def me(self, authorization: str) -> dict[str, Any]:
        import jwt

        self.calls += 1
        token = authorization.rsplit(maxsplit=1)[-1]
        sub = str(jwt.decode(token, options={"verify_signature": False})["sub"])
        if sub not in self.profiles:
            # What `ProfileClient` makes of the user service's 404 (tested with it).
            raise VerificationRequired("Register and verify your profile before applying")
        return self.profiles[sub]


@dataclass
class RecordedUpdates:
    checkouts: list[Mapping[str, Any]] = field(default_factory=list)

    def published(self, checkout: Mapping[str, Any]) -> None:
        self.checkouts.append(checkout)


@dataclass
class Switch:
    down: bool = False

    def __call__(self) -> bool:
        return self.down


@dataclass
class Harness:
    app: Any
    scorer: FakeScorer
    bureau: SandboxBureau
    bureau_down: Switch
    profiles: FakeProfiles
    updates: RecordedUpdates
    checkouts: DynamoCheckoutRepository

    def checkout(self, *, amount: int = 12_000, expires_in: timedelta | None = None) -> Checkout:
        request = parse_checkout_request(
            {
                "merchantId": "m_shop",
                "merchantReference": f"order-{uuid.uuid4()}",
                "amount": {"amount": amount, "currency": "GBP"},
                "items": [
                    {
                        "sku": "A",
                        "name": "Jacket",
                        "quantity": 1,
                        "unitPrice": {"amount": amount, "currency": "GBP"},
                    }
                ],
            }
        )
        now = datetime.now(UTC)
        checkout = Checkout.open(request, checkout_id=str(uuid.uuid4()), now=now)
        if expires_in is not None:
            checkout = Checkout(**{**checkout.__dict__, "expires_at": now + expires_in})
        assert self.checkouts.add(checkout)
        return checkout


@pytest.fixture(scope="module")
def harness(ddb_settings, merchants) -> Harness:
    store = DynamoApplicationStore(ddb_settings)
    checkouts = DynamoCheckoutRepository(ddb_settings)
    scorer = FakeScorer()
    down = Switch()
    profiles = FakeProfiles(
        {
            f"sandbox-{name}": customer(name)
            for name in ("approve", "decline", "refer", "thin", "fraud")
        }
        | {"unverified": customer("approve", id="unverified", verificationStatus="UNVERIFIED")}
        | {"racer": customer("approve", id="racer")}
    )
    updates = RecordedUpdates()
    bureau = SandboxBureau(today=lambda: datetime.now(UTC).date(), outage=down)
    workflow = Workflow(
        sources=Sources(
            bureau=bureau,
            bank=FakeBank(),
            exposure=PlanHistory(ddb_settings),
            payment_history=PlanHistory(ddb_settings),
            fraud=FraudCheck(rules=POLICY.fraud, history=store),
            scorer=scorer,
        ),
        policy=POLICY,
        retry=RetryPolicy(attempts=2, base_delay_s=0.001, max_delay_s=0.001),
    )
    service = ApplicationService(
        store=store,
        checkouts=checkouts,
        profiles=profiles,
        workflow=workflow,
        events=OutboxEventPublisher(ddb_settings),
        updates=updates,
        event_bus_name="bnpl-credit-events",
        retry=RetryPolicy(attempts=2, base_delay_s=0.001, max_delay_s=0.001),
    )
    app = create_app(ddb_settings, checkouts=checkouts, applications=service)
    return Harness(app, scorer, bureau, down, profiles, updates, checkouts)


async def call(
    harness: Harness,
    method: str,
    path: str,
    *,
    token: str,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://credit.test") as c:
        return await c.request(
            method, path, json=json, headers={"authorization": f"Bearer {token}", **(headers or {})}
        )


@pytest.fixture
def shopper(make_token):
    def token(name: str = "approve", **kwargs: Any) -> str:
        sub = kwargs.pop("sub", f"sandbox-{name}")
        return str(make_token(sub=sub, email=f"{name}@sandbox.bnpl.test", **kwargs))

    return token


def apply_body(checkout: Checkout, key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"checkoutId": checkout.id, "idempotencyKey": key or str(uuid.uuid4()), **extra}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark.append(pytest.mark.anyio)


async def test_an_approval_moves_the_checkout_and_is_announced(harness, shopper):
    checkout = harness.checkout()
    response = await call(
        harness, "POST", "/applications", token=shopper(), json=apply_body(checkout)
    )
    assert response.status_code == 200, response.text
    application = response.json()
    assert application["status"] == "DECIDED"
    assert application["decision"]["outcome"] == "APPROVED"
    assert {o["product"] for o in application["offers"]} == {"PAY_IN_4", "MONTHLY"}
    stored = harness.checkouts.get(checkout.id)
    assert stored is not None
    assert (stored.status, stored.customer_id, stored.application_id) == (
        CheckoutStatus.APPROVED,
        "sandbox-approve",
        application["id"],
    )
    assert harness.updates.checkouts[-1]["status"] == "APPROVED"
    assert harness.updates.checkouts[-1]["applicationId"] == application["id"]


async def test_the_same_key_returns_the_decision_without_running_again(harness, shopper):
    checkout = harness.checkout()
    body = apply_body(checkout)
    first = await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    runs = harness.scorer.calls
    again = await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    assert again.json() == first.json()
    assert harness.scorer.calls == runs


async def test_the_same_key_for_another_request_is_refused(harness, shopper):
    body = apply_body(harness.checkout())
    await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    other = {**body, "checkoutId": harness.checkout().id}
    response = await call(harness, "POST", "/applications", token=shopper("refer"), json=other)
    assert (response.status_code, response.json()["error"]) == (422, "IdempotencyKeyReused")


async def test_keys_are_scoped_to_the_customer(harness, shopper):
    key = str(uuid.uuid4())
    a = await call(
        harness,
        "POST",
        "/applications",
        token=shopper("approve"),
        json=apply_body(harness.checkout(), key),
    )
    b = await call(
        harness,
        "POST",
        "/applications",
        token=shopper("thin"),
        json=apply_body(harness.checkout(), key),
    )
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "checkoutId"),
        ({"checkoutId": "x"}, "idempotencyKey"),
        ({"checkoutId": "x", "idempotencyKey": "has space"}, "idempotencyKey"),
        ({"checkoutId": "x", "idempotencyKey": "k", "extra": 1}, "extra"),
    ],
)
async def test_bad_input_writes_nothing(harness, shopper, scan, body, field):
    before = len(scan("applications"))
    response = await call(harness, "POST", "/applications", token=shopper(), json=body)
    assert response.status_code == 400
    assert response.json()["details"]["field"] == field
    assert len(scan("applications")) == before


async def test_an_unverified_customer_must_verify_first(harness, shopper, scan):
    before = len(scan("applications"))
    token = shopper(sub="unverified")
    response = await call(
        harness, "POST", "/applications", token=token, json=apply_body(harness.checkout())
    )
    assert (response.status_code, response.json()["error"]) == (403, "VerificationRequired")
    assert len(scan("applications")) == before


async def test_a_missing_profile_must_register_and_verify(harness, shopper):
    token = shopper(sub="nobody")
    response = await call(
        harness, "POST", "/applications", token=token, json=apply_body(harness.checkout())
    )
    assert response.json()["error"] == "VerificationRequired"


async def test_an_expired_checkout_takes_no_application(harness, shopper):
    checkout = harness.checkout(expires_in=timedelta(seconds=-1))
    response = await call(
        harness, "POST", "/applications", token=shopper(), json=apply_body(checkout)
    )
    assert (response.status_code, response.json()["error"]) == (410, "CheckoutExpired")


async def test_a_decided_checkout_takes_no_other_application(harness, shopper):
    checkout = harness.checkout()
    await call(harness, "POST", "/applications", token=shopper(), json=apply_body(checkout))
    response = await call(
        harness, "POST", "/applications", token=shopper("thin"), json=apply_body(checkout)
    )
    assert (response.status_code, response.json()["error"]) == (409, "InvalidState")


async def test_an_unknown_checkout_is_not_found(harness, shopper):
    body = {"checkoutId": "nope", "idempotencyKey": "k-unknown"}
    response = await call(harness, "POST", "/applications", token=shopper(), json=body)
    assert response.status_code == 404


async def test_an_outage_answers_dependency_failure_and_the_same_key_retries_later(
    harness, shopper, scan
):
    checkout = harness.checkout()
    body = apply_body(checkout)
    harness.bureau_down.down = True
    try:
        down = await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    finally:
        harness.bureau_down.down = False
    assert (down.status_code, down.json()["error"]) == (502, "DependencyFailure")
    [pending] = [item for item in scan("applications") if item["checkout_id"]["S"] == checkout.id]
    assert pending["status"]["S"] == "PENDING"
    token = shopper("refer")
    seen = await call(harness, "GET", f"/applications/{pending['id']['S']}", token=token)
    assert seen.json()["status"] == "PENDING"
    assert [s["status"] for s in seen.json()["steps"]][-1] == "ERROR"
    assert harness.checkouts.get(checkout.id).status is CheckoutStatus.CREATED

    retried = await call(harness, "POST", "/applications", token=token, json=body)
    assert retried.status_code == 200
    assert retried.json()["id"] == pending["id"]["S"]
    assert retried.json()["status"] == "DECIDED"
    [item] = [i for i in scan("applications") if i["id"]["S"] == pending["id"]["S"]]
    assert item["attempts"]["N"] == "2"


async def test_a_decline_publishes_a_rejection_event(harness, shopper, scan):
    response = await call(
        harness,
        "POST",
        "/applications",
        token=shopper("decline"),
        json=apply_body(harness.checkout()),
    )
    application = response.json()
    assert application["decision"]["outcome"] == "DECLINED"
    events = [e for e in scan("credit_event_outbox") if application["id"] in e["detail"]["S"]]
    assert [e["detail_type"]["S"] for e in events] == ["CreditApplicationRejected"]
    assert harness.checkouts.get(application["checkoutId"]).status is CheckoutStatus.DECLINED


async def test_an_application_is_its_customers_and_the_underwriters(harness, shopper, make_token):
    response = await call(
        harness, "POST", "/applications", token=shopper("thin"), json=apply_body(harness.checkout())
    )
    path = f"/applications/{response.json()['id']}"
    owner = await call(harness, "GET", path, token=shopper("thin"))
    other = await call(harness, "GET", path, token=shopper("approve"))
    underwriter = await call(
        harness, "GET", path, token=make_token(sub="uw", groups=("underwriters",))
    )
    assert (owner.status_code, other.status_code, underwriter.status_code) == (200, 404, 200)


@pytest.mark.parametrize("outcome", ["APPROVED", "DECLINED"])
async def test_an_underwriter_settles_a_referral(harness, shopper, make_token, outcome):
    checkout = harness.checkout()
    referred = (
        await call(
            harness, "POST", "/applications", token=shopper("thin"), json=apply_body(checkout)
        )
    ).json()
    assert referred["decision"]["outcome"] == "REFERRED"
    path = f"/applications/{referred['id']}/review"
    underwriter = make_token(sub="uw-1", groups=("underwriters",))
    body = {"outcome": outcome, "note": "Payslips checked by phone"}

    refused = await call(harness, "POST", path, token=shopper("thin"), json=body)
    assert (refused.status_code, refused.json()["error"]) == (403, "Unauthorized")

    settled = (await call(harness, "POST", path, token=underwriter, json=body)).json()
    assert settled["decision"]["outcome"] == outcome
    assert settled["decision"]["review"]["note"] == "Payslips checked by phone"
    assert settled["steps"][-1]["name"] == "UnderwriterReview"
    assert bool(settled["offers"]) == (outcome == "APPROVED")
    if outcome == "DECLINED":
        assert settled["decision"]["reasons"]
    assert harness.checkouts.get(checkout.id).status is CheckoutStatus(outcome)
    assert harness.updates.checkouts[-1]["status"] == outcome

    twice = await call(harness, "POST", path, token=underwriter, json=body)
    assert (twice.status_code, twice.json()["error"]) == (409, "InvalidState")


async def test_only_a_referral_can_be_reviewed(harness, shopper, make_token):
    approved = (
        await call(
            harness, "POST", "/applications", token=shopper(), json=apply_body(harness.checkout())
        )
    ).json()
    response = await call(
        harness,
        "POST",
        f"/applications/{approved['id']}/review",
        token=make_token(sub="uw-1", groups=("underwriters",)),
        json={"outcome": "DECLINED", "note": "no"},
    )
    assert response.json()["error"] == "InvalidState"


def test_concurrent_applications_with_one_key_make_one_application_and_one_run(
    harness, shopper, scan
):
    checkout = harness.checkout()
    body = apply_body(checkout)
    token = shopper(sub="racer")
    runs_before = harness.bureau.calls
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    with ServedApp(harness.app) as server:
        start = threading.Barrier(8)

        def apply() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                start.wait()
                response = http.post(
                    "/applications", json=body, headers={"authorization": f"Bearer {token}"}
                )
            with lock:
                answers.append(response)

        threads = [threading.Thread(target=apply) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert {r.json()["status"] for r in answers} == {"DECIDED"}
    assert harness.bureau.calls == runs_before + 1  # every run asks the bureau once
    [item] = [i for i in scan("applications") if i["checkout_id"]["S"] == checkout.id]
    assert item["attempts"]["N"] == "1"
