"""Decisions made side by side stay exact: fifty shoppers applying at once from one device and
one address are all counted by the velocity rules (each application's reads run concurrently,
and many applications' too), fifty applications of one shopper at once each count every one
written before them though they share reads in flight, fifty shoppers on one checkout number
its events without a gap, and one decision makes the DynamoDB calls it should and no more. On
DynamoDB Local, through the credit service's HTTP API where a decision is made."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.client import BaseClient

from services.credit.applications.domain import ApplicationStatus, CreditApplication
from services.credit.applications.recent import RecentApplications
from services.credit.applications.store import DynamoApplicationStore
from services.credit.checkouts.domain import MAX_APPLICANTS_PER_CHECKOUT
from services.credit.plans.history import PlanHistory
from services.credit.policy.rules import load_policy
from services.credit.screening.checks.fraud import VelocityKey
from services.shared.money import Money
from tests.functional.services.application_harness import Harness, build_harness
from tests.functional.services.conftest import ServedApp
from tests.functional.services.money_harness import race

pytestmark = [pytest.mark.ddblocal]

RACERS = 50
POLICY = load_policy()


@pytest.fixture(scope="module")
def harness(ddb_settings, merchants) -> Harness:
    return build_harness(ddb_settings)


def fraud_detail(answer: httpx.Response) -> dict[str, Any]:
    steps: list[dict[str, Any]] = answer.json()["decision"]["steps"]
    return next(s["detail"] for s in steps if s["name"] == "FraudDetection")


def test_fifty_shoppers_at_once_from_one_device_and_address_are_all_counted(harness, make_token):
    device, address = f"device-{uuid.uuid4().hex}", f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    shoppers = [harness.register("approve") for _ in range(RACERS)]
    checkouts = [harness.checkout() for _ in range(RACERS)]

    def apply(http: httpx.Client, index: int) -> httpx.Response:
        sub = shoppers[index]
        return http.post(
            "/applications",
            json={"checkoutId": checkouts[index].id, "idempotencyKey": str(uuid.uuid4())},
            headers={
                "authorization": f"Bearer {make_token(sub=sub, email=f'{sub}@example.test')}",
                "x-bnpl-device-id": device,
                "x-bnpl-source-ip": address,
            },
        )

    with ServedApp(harness.app) as server:
        answers = race(server, RACERS, apply)
    assert [a.status_code for a in answers] == [200] * RACERS, [a.text for a in answers]
    details = [fraud_detail(a) for a in answers]
    by_device = sorted(d["deviceApplications24h"] for d in details)
    by_ip = sorted(d["ipApplications24h"] for d in details)
    # Each application is written before it is counted, so the last to count sees all the
    # others, and the k-th to count sees at least the k-1 before it: none slips past the rule
    # because the others were still in flight. Nobody counts themselves.
    assert by_device[-1] == by_ip[-1] == RACERS - 1
    assert all(count >= k for k, count in enumerate(by_device))
    assert all(count >= k for k, count in enumerate(by_ip))
    flagged = [d for d in details if "APPLICATION_VELOCITY" in d["reasons"]]
    assert len(flagged) >= RACERS - POLICY.fraud.max_applications_per_device_24h


def test_fifty_applications_of_one_shopper_at_once_each_count_all_written_before_them(
    ddb_settings, monkeypatch
):
    # Each thread writes its application, then counts the customer's applications while an
    # exposure read of the same customer runs beside it, as a decision's run does. The count
    # may share a read in flight, but never one that started before its application was
    # written: the k-th to count sees at least the k-1 written before it, the last sees all.
    # Slowed, reads stay in flight while other applications are written.
    query = RecentApplications._query

    def slow_query(self: RecentApplications, customer_id: str, since: datetime) -> Any:
        time.sleep(0.05)
        return query(self, customer_id, since)

    monkeypatch.setattr(RecentApplications, "_query", slow_query)
    recent = RecentApplications(ddb_settings)
    store = DynamoApplicationStore(ddb_settings, recent=recent)
    history = PlanHistory(ddb_settings, recent=recent)
    sub = f"repeat-{uuid.uuid4().hex[:10]}"
    start = threading.Barrier(RACERS)
    counts: list[int] = []

    def apply(index: int) -> None:
        now = datetime.now(UTC)
        app_id = f"app-{sub}-{index}"
        start.wait()
        assert store.create(application(app_id, sub, now), owner="racer")
        counted_from = datetime.now(UTC)  # the run starts once its application is written
        with ThreadPoolExecutor(2) as pool:
            pool.submit(history.exposure, sub, currency="GBP")
            counted = pool.submit(
                store.count_applications,
                {VelocityKey.CUSTOMER: sub},
                now=counted_from,
                excluding=app_id,
            )
            counts.append(counted.result()[VelocityKey.CUSTOMER])

    with ThreadPoolExecutor(RACERS) as pool:
        for future in [pool.submit(apply, i) for i in range(RACERS)]:
            future.result()
    ranked = sorted(counts)
    assert ranked[-1] == RACERS - 1
    assert all(count >= k for k, count in enumerate(ranked))


def application(app_id: str, sub: str, now: datetime) -> CreditApplication:
    return CreditApplication(
        id=app_id,
        customer_id=sub,
        checkout_id=f"co-{app_id}",
        status=ApplicationStatus.PENDING,
        key_hash="k",
        fingerprint="f",
        bank_consent_id=None,
        amount=Money(2_000, "GBP"),
        checkout_expires_at=now + timedelta(hours=1),
        created_at=now,
        attempts=1,
        lease_until=now + timedelta(minutes=1),
    )


def test_fifty_shoppers_deciding_on_one_checkout_at_once_number_its_events_without_gaps(
    harness, make_token, scan
):
    checkout = harness.checkout()
    shoppers = [harness.register("approve") for _ in range(RACERS)]

    def apply(http: httpx.Client, index: int) -> httpx.Response:
        sub = shoppers[index]
        return http.post(
            "/applications",
            json={"checkoutId": checkout.id, "idempotencyKey": str(uuid.uuid4())},
            headers={"authorization": f"Bearer {make_token(sub=sub, email=f'{sub}@x.test')}"},
        )

    with ServedApp(harness.app) as server:
        answers = race(server, RACERS, apply)
    decided = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert len(decided) == MAX_APPLICANTS_PER_CHECKOUT, [a.text for a in refused]
    assert {a.json()["error"] for a in refused} == {"InvalidState"}
    # Each decided shopper saw the checkout untouched and took its first event's number to be
    # free: all but the first were wrong, and were numbered again after reading the stream.
    events = [i for i in scan("webhook_events") if i["stream"]["S"] == checkout.id]
    assert sorted(int(i["sequence"]["N"]) for i in events) == [
        n + 1 for n in range(MAX_APPLICANTS_PER_CHECKOUT)
    ]
    applications = {a.json()["id"] for a in decided}
    announced = {json.loads(i["body"]["S"])["data"]["application"]["id"] for i in events}
    assert announced == applications


def test_a_decision_makes_seven_dynamodb_calls_with_both_reads_of_its_applications_shared(
    harness, make_token, monkeypatch
):
    # Slowed, the two readers of the customer's applications (the exposure's open approvals
    # and the velocity count) certainly overlap, as they do when a run starts them together.
    query = RecentApplications._query

    def slow_query(self: RecentApplications, customer_id: str, since: Any) -> Any:
        time.sleep(0.05)
        return query(self, customer_id, since)

    monkeypatch.setattr(RecentApplications, "_query", slow_query)
    calls: Counter[str] = Counter()
    send = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counted(client: BaseClient, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            calls[operation] += 1
        return send(client, operation, params)

    sub, checkout = harness.register("approve"), harness.checkout()
    token = make_token(sub=sub, email=f"{sub}@example.test")
    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    with ServedApp(harness.app) as server, httpx.Client(base_url=server.url) as http:
        answer = http.post(
            "/applications",
            json={"checkoutId": checkout.id, "idempotencyKey": str(uuid.uuid4())},
            headers={
                "authorization": f"Bearer {token}",
                "x-bnpl-device-id": f"device-{sub}",
                "x-bnpl-source-ip": "198.51.100.7",
            },
        )
    assert answer.json()["decision"]["outcome"] == "APPROVED"
    # The application and its checkout in one read, the application written, the customer's
    # applications and plans, the device's and the address's applications, then the decision
    # with its checkout and its event (whose number needs no read on an untouched checkout).
    assert calls == {"BatchGetItem": 1, "PutItem": 1, "Query": 4, "TransactWriteItems": 1}
