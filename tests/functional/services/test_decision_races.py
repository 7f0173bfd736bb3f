"""Decisions made side by side stay exact: fifty shoppers applying at once from one device and
one address are each counted by every application after them, and so are fifty applications of
one shopper at once; fifty shoppers on one checkout number its events without a gap, and one
decision makes the DynamoDB calls it should and no more. On DynamoDB Local, through the credit
service's HTTP API where a decision is made."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bench.dynamodb_calls import counted_dynamodb_calls
from services.credit.applications.domain import CreditApplication
from services.credit.applications.store import DynamoApplicationStore
from services.credit.checkouts.domain import MAX_APPLICANTS_PER_CHECKOUT
from services.credit.policy.rules import load_policy
from services.credit.screening.checks.prior import VelocityKey
from services.shared.errors import Conflict
from tests.functional.services.application_harness import Harness, build_harness
from tests.functional.services.conftest import ServedApp
from tests.functional.services.money_harness import race
from tests.unit.services.credit.workflow.fakes import credit_application

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
    # Each application is written into its device's and address's records on the condition
    # that they are as it read them, so the k-th written counts exactly the k-1 before it: none
    # slips past the rule because the others were still in flight, nobody counts themselves.
    assert by_device == by_ip == list(range(RACERS))
    flagged = [d for d in details if "APPLICATION_VELOCITY" in d["reasons"]]
    assert len(flagged) >= RACERS - POLICY.fraud.max_applications_per_device_24h


def test_fifty_applications_of_one_shopper_at_once_each_count_all_written_before_them(
    ddb_settings,
):
    store = DynamoApplicationStore(ddb_settings)
    sub = f"repeat-{uuid.uuid4().hex[:10]}"
    shopper = {VelocityKey.CUSTOMER: sub}
    start = threading.Barrier(RACERS)
    counts: list[int] = []

    def apply(index: int) -> None:
        app_id = f"app-{sub}-{index}"
        start.wait()
        records = store.records(shopper)
        now = datetime.now(UTC)
        prior = store.create(application(app_id, sub, now), owner="racer", records=records)
        assert prior is not None
        assert prior.holds(VelocityKey.CUSTOMER, app_id)
        counts.append(prior.count(VelocityKey.CUSTOMER, now=now, excluding=app_id))

    with ThreadPoolExecutor(RACERS) as pool:
        for future in [pool.submit(apply, i) for i in range(RACERS)]:
            future.result()
    assert sorted(counts) == list(range(RACERS))
    # The record holds them all, every one once.
    stored = store.records(shopper)
    assert stored.versions == {VelocityKey.CUSTOMER: RACERS}
    held = [app.id for app in stored.prior.by_key[VelocityKey.CUSTOMER]]
    assert sorted(held) == sorted(f"app-{sub}-{i}" for i in range(RACERS))


def test_a_writer_that_keeps_losing_the_race_answers_conflict_and_writes_nothing(
    ddb_settings, monkeypatch
):
    monkeypatch.setattr("services.credit.applications.store.dynamo.CREATE_PATIENCE_S", 0.0)
    store = DynamoApplicationStore(ddb_settings)
    sub = f"loser-{uuid.uuid4().hex[:10]}"
    shopper = {VelocityKey.CUSTOMER: sub}
    stale = store.records(shopper)
    now = datetime.now(UTC)
    assert store.create(application(f"app-{sub}-0", sub, now), owner="o", records=stale)
    with monkeypatch.context() as patched:
        # Every read finds the record as it was before: as if another writer kept changing it.
        patched.setattr(store, "records", lambda applicant: stale)
        with pytest.raises(Conflict):
            store.create(application(f"app-{sub}-1", sub, now), owner="o", records=stale)
    assert store.get(f"app-{sub}-1") is None
    held = store.records(shopper).prior.by_key[VelocityKey.CUSTOMER]
    assert [app.id for app in held] == [f"app-{sub}-0"]


def test_a_writer_that_lost_the_race_once_writes_on_a_fresh_read(ddb_settings):
    store = DynamoApplicationStore(ddb_settings)
    sub = f"late-{uuid.uuid4().hex[:10]}"
    shopper = {VelocityKey.CUSTOMER: sub}
    stale = store.records(shopper)
    now = datetime.now(UTC)
    assert store.create(application(f"app-{sub}-0", sub, now), owner="o", records=stale)
    prior = store.create(application(f"app-{sub}-1", sub, now), owner="o", records=stale)
    assert prior is not None
    assert prior.count(VelocityKey.CUSTOMER, now=now, excluding=f"app-{sub}-1") == 1


def test_a_decision_writes_its_outcome_into_the_customers_record(harness, make_token):
    sub, checkout = harness.register("approve"), harness.checkout()
    token = make_token(sub=sub, email=f"{sub}@example.test")
    with ServedApp(harness.app) as server, httpx.Client(base_url=server.url) as http:
        answer = http.post(
            "/applications",
            json={"checkoutId": checkout.id, "idempotencyKey": str(uuid.uuid4())},
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    [held] = harness.store.records({VelocityKey.CUSTOMER: sub}).prior.by_key[VelocityKey.CUSTOMER]
    assert (held.id, held.outcome, held.checkout_id) == (
        answer.json()["id"],
        "APPROVED",
        checkout.id,
    )
    assert held.amount == checkout.amount
    # The exposure of the shopper's next application counts it until the checkout closes.
    approvals = harness.store.records({VelocityKey.CUSTOMER: sub}).prior.open_approvals(
        currency="GBP", now=datetime.now(UTC)
    )
    assert approvals == {held.id: checkout.amount.amount}


def application(app_id: str, sub: str, now: datetime) -> CreditApplication:
    return credit_application(
        id=app_id,
        customer_id=sub,
        checkout_id=f"co-{app_id}",
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


def test_a_decision_makes_four_dynamodb_calls(harness, make_token):
    sub, checkout = harness.register("approve"), harness.checkout()
    names = (sub, checkout.id, harness.profiles.profiles[sub]["id"])  # the profile's own id

    def mine(operation: str, params: Mapping[str, Any]) -> str | None:
        # This decision's calls only: each names its shopper, their profile or their checkout
        # (a call another test's threads make meanwhile does not).
        return operation if any(name in repr(params) for name in names) else None

    token = make_token(sub=sub, email=f"{sub}@example.test")
    with (
        counted_dynamodb_calls(mine) as calls,
        ServedApp(harness.app) as server,
        httpx.Client(base_url=server.url) as http,
    ):
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
    # The application, its checkout and the shopper's, device's and address's records in one
    # read; the application written into them; the customer's plans; then the decision with its
    # checkout, its event (whose number needs no read on an untouched checkout) and its outcome
    # in the customer's record.
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": 2, "Query": 1}
