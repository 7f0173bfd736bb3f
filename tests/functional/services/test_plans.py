"""Plans through the credit service's HTTP API on DynamoDB Local, with real JWTs and the sandbox
payment provider: accepting an offer, declines, idempotency, races over real HTTP (threads), paying
instalments, reading and paging plans, and no payment token in any table."""

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
from services.credit.applications import DynamoApplicationStore
from services.credit.credit_application import ApplicationStatus, CreditApplication
from services.credit.domain import Checkout, CheckoutStatus, parse_checkout_request
from services.credit.models import CheckoutModel
from services.credit.offers import monthly, pay_in_4
from services.credit.payments import TEST_CARDS, SandboxPaymentProvider, charge_id_for
from services.credit.plan_requests import charge_key
from services.credit.plan_service import PlanService
from services.credit.plan_store import DynamoPlanStore
from services.credit.repository import DynamoCheckoutRepository, to_item
from services.shared.dynamodb import bind
from services.shared.money import Money
from services.shared.settings import Settings
from tests.functional.services.conftest import ServedApp

pytestmark = [pytest.mark.ddblocal]

AMOUNT = 10_000


@dataclass
class RecordedUpdates:
    checkouts: list[Mapping[str, Any]] = field(default_factory=list)

    def published(self, checkout: Mapping[str, Any]) -> None:
        self.checkouts.append(checkout)


@dataclass
class Approved:
    application_id: str
    checkout_id: str
    pay_in_4: str
    monthly: str


@dataclass
class Harness:
    app: Any
    provider: SandboxPaymentProvider
    updates: RecordedUpdates
    checkouts: DynamoCheckoutRepository
    store: DynamoApplicationStore
    settings: Settings

    def approved(self, sub: str, *, expires_in: timedelta | None = None) -> Approved:
        """A checkout APPROVED for `sub` by a decided application with two offers."""
        request = parse_checkout_request(
            {
                "merchantId": "m_shop",
                "merchantReference": f"order-{uuid.uuid4()}",
                "amount": {"amount": AMOUNT, "currency": "GBP"},
                "items": [
                    {
                        "sku": "A",
                        "name": "Jacket",
                        "quantity": 1,
                        "unitPrice": {"amount": AMOUNT, "currency": "GBP"},
                    }
                ],
            }
        )
        now = datetime.now(UTC)
        checkout = Checkout.open(request, checkout_id=str(uuid.uuid4()), now=now)
        assert self.checkouts.add(checkout)
        app_id = f"app_{uuid.uuid4().hex}"
        price = Money(AMOUNT, "GBP")
        offers = [
            pay_in_4(price, today=now.date(), application_id=app_id),
            monthly(price, months=3, apr=19.9, today=now.date(), application_id=app_id),
        ]
        application = CreditApplication(
            id=app_id,
            customer_id=sub,
            checkout_id=checkout.id,
            status=ApplicationStatus.PENDING,
            key_hash="h",
            fingerprint="f",
            bank_consent_id=None,
            amount=price,
            checkout_expires_at=checkout.expires_at,
            created_at=now,
            attempts=1,
            lease_until=now + timedelta(minutes=1),
        )
        assert self.store.create(application, owner="o")
        decided = application.decided(
            {"outcome": "APPROVED", "reasons": [], "steps": []}, [o.to_json() for o in offers]
        )
        self.store.decide(decided, owner="o", checkout_status="APPROVED", now=now)
        if expires_in is not None:
            expired = Checkout(
                **{
                    **checkout.__dict__,
                    "status": CheckoutStatus.APPROVED,
                    "customer_id": sub,
                    "application_id": app_id,
                    "expires_at": now + expires_in,
                }
            )
            to_item(bind(CheckoutModel, self.settings), expired).save()
        return Approved(app_id, checkout.id, offers[0].id, offers[1].id)


@pytest.fixture(scope="module")
def harness(ddb_settings, merchants) -> Harness:
    checkouts = DynamoCheckoutRepository(ddb_settings)
    store = DynamoApplicationStore(ddb_settings)
    provider = SandboxPaymentProvider()
    updates = RecordedUpdates()
    service = PlanService(
        plans=DynamoPlanStore(ddb_settings),
        applications=store,
        checkouts=checkouts,
        provider=provider,
        updates=updates,
    )
    app = create_app(ddb_settings, checkouts=checkouts, plans=service)
    return Harness(app, provider, updates, checkouts, store, ddb_settings)


@pytest.fixture
def shopper(make_token):
    def token(sub: str | None = None) -> tuple[str, str]:
        sub = sub or f"shopper-{uuid.uuid4().hex[:8]}"
        return sub, str(make_token(sub=sub, email=f"{sub}@sandbox.bnpl.test"))

    return token


def post(client: httpx.Client, path: str, token: str, body: Any) -> httpx.Response:
    return client.post(path, json=body, headers={"authorization": f"Bearer {token}"})


def get(client: httpx.Client, path: str, token: str) -> httpx.Response:
    return client.get(path, headers={"authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def server(harness):
    with ServedApp(harness.app) as served:
        yield served


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def accept_body(
    approved: Approved, *, token: str = "tok_visa", key: str | None = None
) -> dict[str, Any]:
    return {
        "applicationId": approved.application_id,
        "offerId": approved.pay_in_4,
        "paymentMethodToken": token,
        "idempotencyKey": key or str(uuid.uuid4()),
    }


def plans_of(scan, checkout_id: str) -> list[dict[str, Any]]:
    return [i for i in scan("plans") if i["checkout_id"]["S"] == checkout_id]


def test_accepting_an_offer_pays_instalment_one_and_confirms_the_checkout(harness, shopper, client):
    sub, token = shopper()
    approved = harness.approved(sub)
    response = post(client, "/plans", token, accept_body(approved))
    assert response.status_code == 200, response.text
    plan = response.json()
    assert (plan["status"], plan["customerId"], plan["checkoutId"]) == (
        "ACTIVE",
        sub,
        approved.checkout_id,
    )
    assert [i["status"] for i in plan["instalments"]] == ["PAID", "DUE", "DUE", "DUE"]
    [payment] = plan["payments"]
    assert (payment["status"], payment["cardLast4"], payment["amount"]["amount"]) == (
        "SUCCEEDED",
        "4242",
        2500,
    )
    checkout = harness.checkouts.get(approved.checkout_id)
    assert checkout is not None
    assert (checkout.status, checkout.plan_id) == (CheckoutStatus.CONFIRMED, plan["id"])
    assert harness.updates.checkouts[-1]["status"] == "CONFIRMED"
    assert harness.updates.checkouts[-1]["planId"] == plan["id"]
    assert get(client, f"/plans/{plan['id']}", token).json() == plan


@pytest.mark.parametrize(
    ("card", "code"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_a_declined_first_payment_writes_nothing(harness, shopper, client, scan, card, code):
    sub, token = shopper()
    approved = harness.approved(sub)
    requests_before = len(scan("plan_requests"))
    response = post(client, "/plans", token, accept_body(approved, token=card))
    assert (response.status_code, response.json()["error"]) == (402, "PaymentDeclined")
    assert response.json()["details"]["failureCode"] == code
    assert plans_of(scan, approved.checkout_id) == []
    assert len(scan("plan_requests")) == requests_before
    assert harness.checkouts.get(approved.checkout_id).status is CheckoutStatus.APPROVED
    # A fresh attempt with a good card still works.
    assert post(client, "/plans", token, accept_body(approved)).status_code == 200


def test_the_same_key_returns_the_first_plan_and_another_request_is_refused(
    harness, shopper, client
):
    sub, token = shopper()
    approved = harness.approved(sub)
    body = accept_body(approved)
    charges = harness.provider.charge_count
    first = post(client, "/plans", token, body)
    again = post(client, "/plans", token, body)
    assert again.json() == first.json()
    assert harness.provider.charge_count == charges + 1
    other = post(client, "/plans", token, {**body, "offerId": approved.monthly})
    assert (other.status_code, other.json()["error"]) == (422, "IdempotencyKeyReused")
    later = post(client, "/plans", token, accept_body(approved, key=str(uuid.uuid4())))
    assert (later.status_code, later.json()["error"]) == (409, "InvalidState")


def test_only_the_owner_of_an_approved_unexpired_application_may_accept(harness, shopper, client):
    sub, token = shopper()
    approved = harness.approved(sub)
    _, stranger = shopper()
    response = post(client, "/plans", stranger, accept_body(approved))
    assert (response.status_code, response.json()["error"]) == (404, "NotFound")
    unknown_offer = {**accept_body(approved), "offerId": "off_nope"}
    assert post(client, "/plans", token, unknown_offer).status_code == 404
    expired = harness.approved(sub, expires_in=timedelta(seconds=-1))
    response = post(client, "/plans", token, accept_body(expired))
    assert (response.status_code, response.json()["error"]) == (410, "CheckoutExpired")


def race(server: ServedApp, count: int, send: Any) -> list[httpx.Response]:
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def run(index: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            start.wait()
            response = send(c, index)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_twenty_identical_accepts_make_one_plan_and_one_charge(harness, shopper, server, scan):
    sub, token = shopper()
    approved = harness.approved(sub)
    body = accept_body(approved)
    charges = harness.provider.charge_count
    answers = race(server, 20, lambda c, _: post(c, "/plans", token, body))
    assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(plans_of(scan, approved.checkout_id)) == 1
    assert harness.provider.charge_count == charges + 1


def test_twenty_accepts_with_different_keys_make_one_plan_and_give_back_the_rest(
    harness, shopper, server, scan
):
    sub, token = shopper()
    approved = harness.approved(sub)
    bodies = [accept_body(approved) for _ in range(20)]
    answers = race(server, 20, lambda c, i: post(c, "/plans", token, bodies[i]))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 19, [r.text for r in answers]
    assert {r.json()["error"] for r in answers if r.status_code == 409} == {"InvalidState"}
    [item] = plans_of(scan, approved.checkout_id)
    winner = next(r.json() for r in answers if r.status_code == 200)
    charge_id = _charge_id(scan, winner["id"])
    assert harness.provider.refunded(charge_id) == 0
    # Every losing request that charged gave its charge back: money moved once.
    net = 0
    for body in bodies:
        charged = charge_id_for(charge_key(sub, body["idempotencyKey"]))
        if made(harness.provider, charged):
            net += 2500 - harness.provider.refunded(charged)
    assert net == 2500
    assert item["id"]["S"] == winner["id"]


def made(provider: SandboxPaymentProvider, charge_id: str) -> bool:
    """Whether the sandbox network made this charge (it has no public lookup)."""
    with provider._lock:
        return any(s.charge.id == charge_id for s in provider._charges.values())


def _charge_id(scan, plan_id: str) -> str:
    import json

    [item] = [i for i in scan("plans") if i["id"]["S"] == plan_id]
    document = json.loads(item["document"]["S"])
    return str(document["payments"][0]["chargeId"])


def test_paying_instalments_completes_the_plan_and_is_idempotent(harness, shopper, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    for number in (2, 3, 4):
        body = {
            "instalmentNumber": number,
            "paymentMethodToken": "tok_mastercard",
            "idempotencyKey": f"pay-{number}-{plan['id']}",
        }
        paid = post(client, f"/plans/{plan['id']}/payments", token, body)
        assert paid.status_code == 200, paid.text
        assert paid.json()["instalmentNumbers"] == [number]
        assert post(client, f"/plans/{plan['id']}/payments", token, body).json() == paid.json()
    done = get(client, f"/plans/{plan['id']}", token).json()
    assert done["status"] == "COMPLETED"
    assert len(done["payments"]) == 4
    again = post(
        client,
        f"/plans/{plan['id']}/payments",
        token,
        {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": "new"},
    )
    assert (again.status_code, again.json()["error"]) == (409, "InvalidState")


def test_a_declined_instalment_payment_is_recorded_and_leaves_it_due(harness, shopper, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    body = {"instalmentNumber": 2, "paymentMethodToken": "tok_declined", "idempotencyKey": "d"}
    response = post(client, f"/plans/{plan['id']}/payments", token, body)
    assert (response.status_code, response.json()["error"]) == (402, "PaymentDeclined")
    now = get(client, f"/plans/{plan['id']}", token).json()
    assert now["instalments"][1]["status"] == "DUE"
    assert now["payments"][-1]["status"] == "FAILED"


def test_only_the_owner_may_pay_or_read_a_plan(harness, shopper, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    _, stranger = shopper()
    body = {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": "x"}
    assert post(client, f"/plans/{plan['id']}/payments", stranger, body).status_code == 404
    assert get(client, f"/plans/{plan['id']}", stranger).status_code == 404


def test_concurrent_payments_of_one_instalment_take_money_once(harness, shopper, server, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    keys = [str(uuid.uuid4()) for _ in range(10)] * 2  # ten keys, each sent twice

    def pay(c: httpx.Client, index: int) -> httpx.Response:
        body = {
            "instalmentNumber": 2,
            "paymentMethodToken": "tok_visa",
            "idempotencyKey": keys[index],
        }
        return post(c, f"/plans/{plan['id']}/payments", token, body)

    answers = race(server, 20, pay)
    assert {r.status_code for r in answers} <= {200, 409}, [r.text for r in answers]
    paid = [r.json() for r in answers if r.status_code == 200]
    assert paid
    assert len({p["id"] for p in paid}) == 1
    stored = get(client, f"/plans/{plan['id']}", token).json()
    succeeded = [p for p in stored["payments"] if p["status"] == "SUCCEEDED"]
    assert len(succeeded) == 2  # the first payment and instalment 2, once
    net = 0
    for key in set(keys):
        charged = charge_id_for(charge_key(sub, key))
        if made(harness.provider, charged):
            net += 2500 - harness.provider.refunded(charged)
    assert net == 2500


def test_my_plans_pages_newest_first(harness, shopper, client):
    sub, token = shopper()
    ids = [
        post(client, "/plans", token, accept_body(harness.approved(sub))).json()["id"]
        for _ in range(3)
    ]
    first = get(client, "/plans?limit=2", token).json()
    assert [p["id"] for p in first["items"]] == ids[::-1][:2]
    assert first["nextToken"]
    rest = get(client, f"/plans?limit=2&nextToken={first['nextToken']}", token).json()
    assert [p["id"] for p in rest["items"]] == ids[::-1][2:]
    _, stranger = shopper()
    assert get(client, "/plans", stranger).json() == {"items": [], "nextToken": None}
    refused = get(client, f"/plans?nextToken={first['nextToken']}", stranger)
    assert refused.status_code == 400


def test_no_table_holds_a_payment_token(harness, scan, ddb_settings):
    import boto3

    client = boto3.client(
        "dynamodb", endpoint_url=ddb_settings.dynamodb_endpoint, region_name=ddb_settings.region
    )
    names = [
        n for n in client.list_tables()["TableNames"] if n.startswith(ddb_settings.table_prefix)
    ]
    text = "".join(str(scan(n.removeprefix(ddb_settings.table_prefix))) for n in names)
    assert "plans" in "".join(names)
    for token in TEST_CARDS:
        assert token not in text
