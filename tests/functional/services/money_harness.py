"""A credit service on a real uvicorn over DynamoDB Local, with the durable sandbox card network,
recorded checkout updates, and helpers to reach a checkout a shopper was approved on: what the
plan and money tests share."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.credit.app import create_app
from services.credit.applications.store import DynamoApplicationStore
from services.credit.checkout_items import to_item
from services.credit.checkouts.domain import Checkout, parse_checkout_request
from services.credit.checkouts.operations import CheckoutOperations
from services.credit.checkouts.store import DynamoCheckoutRepository, DynamoMerchantRepository
from services.credit.models import CheckoutModel
from services.credit.payments.lease_store import DynamoLeaseStore
from services.credit.payments.refunder import Refunder
from services.credit.payments.sandbox import DynamoSandboxPaymentProvider
from services.credit.plans.service import PlanService
from services.credit.plans.store import DynamoPlanStore
from services.credit.policy.offers import monthly, pay_in_4
from services.credit.screening.checks.prior import VelocityKey
from services.shared.dynamodb import bind
from services.shared.money import Money
from services.shared.settings import Settings
from tests.functional.services.conftest import SHOP_ARN, ServedApp
from tests.unit.services.credit.workflow.fakes import credit_application

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
    provider: DynamoSandboxPaymentProvider
    updates: RecordedUpdates
    checkouts: DynamoCheckoutRepository
    store: DynamoApplicationStore
    settings: Settings

    def approved(self, sub: str, *, expires_in: timedelta | None = None) -> Approved:
        """A checkout `sub` applied to and was APPROVED on, with two offers (the checkout is
        bound to nobody until an offer is accepted)."""
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
        application = credit_application(
            id=app_id,
            customer_id=sub,
            checkout_id=checkout.id,
            amount=price,
            checkout_expires_at=checkout.expires_at,
            created_at=now,
            attempts=1,
            lease_until=now + timedelta(minutes=1),
        )
        records = self.store.records({VelocityKey.CUSTOMER: sub})
        assert self.store.create(application, owner="o", records=records)
        decided = application.decided(
            {"outcome": "APPROVED", "reasons": [], "steps": []}, [o.to_json() for o in offers]
        )
        self.store.decide(decided, owner="o", now=now)
        if expires_in is not None:
            current = self.checkouts.get(checkout.id)
            assert current is not None
            moved = replace(current, expires_at=now + expires_in)
            to_item(bind(CheckoutModel, self.settings), moved).save()
        return Approved(app_id, checkout.id, offers[0].id, offers[1].id)


def accept_body(
    approved: Approved, *, token: str = "tok_visa", key: str | None = None
) -> dict[str, Any]:
    return {
        "applicationId": approved.application_id,
        "offerId": approved.pay_in_4,
        "paymentMethodToken": token,
        "idempotencyKey": key or str(uuid.uuid4()),
    }


def merchant_headers(service_token: str, arn: str = SHOP_ARN) -> dict[str, str]:
    """How the credit proxy calls for a merchant: its service token and the caller's ARN."""
    return {"authorization": f"Bearer {service_token}", "x-bnpl-caller-arn": arn}


def build_harness(
    settings: Settings, *, provider: DynamoSandboxPaymentProvider | None = None
) -> Harness:
    """The credit app with every money path sharing one durable sandbox provider (`provider`,
    e.g. a test double over it, or a new one)."""
    checkouts = DynamoCheckoutRepository(settings)
    store = DynamoApplicationStore(settings)
    provider = provider or DynamoSandboxPaymentProvider(settings)
    updates = RecordedUpdates()
    plans = DynamoPlanStore(settings)
    service = PlanService(
        plans=plans,
        leases=DynamoLeaseStore(settings),
        applications=store,
        checkouts=checkouts,
        provider=provider,
        updates=updates,
    )
    operations = CheckoutOperations(
        plans=plans,
        checkouts=checkouts,
        merchants=DynamoMerchantRepository(settings),
        refunder=Refunder(plans=plans, provider=provider),
        updates=updates,
    )
    app = create_app(settings, checkouts=checkouts, plans=service, operations=operations)
    return Harness(app, provider, updates, checkouts, store, settings)


def post(client: httpx.Client, path: str, token: str, body: Any) -> httpx.Response:
    return client.post(path, json=body, headers={"authorization": f"Bearer {token}"})


def get(client: httpx.Client, path: str, token: str) -> httpx.Response:
    return client.get(path, headers={"authorization": f"Bearer {token}"})


def race(server: ServedApp, count: int, send: Any) -> list[httpx.Response]:
    """`count` threads, each with its own connection, released together; their answers."""
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def run(index: int) -> None:
        with httpx.Client(base_url=server.url, timeout=120) as c:
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


@pytest.fixture(scope="module")
def harness(ddb_settings: Settings, merchants: Any) -> Harness:
    return build_harness(ddb_settings)


@pytest.fixture(scope="module")
def server(harness: Harness) -> Any:
    with ServedApp(harness.app) as served:
        yield served


@pytest.fixture
def client(server: ServedApp) -> Any:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture
def shopper(make_token: Any) -> Any:
    def token(sub: str | None = None) -> tuple[str, str]:
        sub = sub or f"shopper-{uuid.uuid4().hex[:8]}"
        return sub, str(make_token(sub=sub, email=f"{sub}@sandbox.bnpl.test"))

    return token
