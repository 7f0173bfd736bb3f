"""The first read of an application request: the application, its checkout and the shopper's
records of recent applications in one BatchGetItem, the keys DynamoDB left unprocessed asked for
again (botocore's Stubber stands in for a throttling DynamoDB, which DynamoDB Local never is)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from services.credit.applications.recent import subject
from services.credit.applications.store import DynamoApplicationStore
from services.credit.checkouts.domain import Checkout, parse_checkout_request
from services.credit.checkouts.store import DynamoCheckoutRepository
from services.credit.screening.checks.prior import PriorApplication, VelocityKey
from services.shared.dynamodb import BATCH_ATTEMPTS
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

pytestmark = [pytest.mark.ddblocal]


SHOPPER = {VelocityKey.CUSTOMER: "c1"}
RECORD = subject(VelocityKey.CUSTOMER, "c1")


def keys(store: DynamoApplicationStore, *tables: str) -> dict[str, Any]:
    ids = {
        store._apps.Meta.table_name: {"id": {"S": "app-1"}},
        store._checkouts.Meta.table_name: {"id": {"S": "co-1"}},
        store._recent.table: {"subject": {"S": RECORD}},
    }
    return {table: {"Keys": [ids[table]], "ConsistentRead": True} for table in tables}


def asked(request_items: dict[str, Any]) -> dict[str, Any]:
    return {"RequestItems": request_items, "ReturnConsumedCapacity": ANY}


def test_keys_left_unprocessed_are_asked_for_again_and_only_they(ddb_settings, monkeypatch):
    monkeypatch.setattr("services.shared.dynamodb.time.sleep", lambda _: None)
    store = DynamoApplicationStore(ddb_settings)
    stored = stored_checkout(ddb_settings)
    apps, checkouts = store._apps.Meta.table_name, store._checkouts.Meta.table_name
    recent = store._recent.table
    record = {
        "subject": {"S": RECORD},
        "version": {"N": "2"},
        "applications": {"M": {"app-0": {"M": {"created_at": {"S": "2026-12-05T10:00:00.000Z"}}}}},
    }
    with Stubber(store._connection.client) as stub:
        # The application is absent; the checkout and the record were left for later, then
        # found.
        stub.add_response(
            "batch_get_item",
            {"Responses": {apps: []}, "UnprocessedKeys": keys(store, checkouts, recent)},
            asked(keys(store, apps, checkouts, recent)),
        )
        stub.add_response(
            "batch_get_item",
            {"Responses": {checkouts: [stored]}, "UnprocessedKeys": keys(store, recent)},
            asked(keys(store, checkouts, recent)),
        )
        stub.add_response(
            "batch_get_item",
            {"Responses": {recent: [record]}, "UnprocessedKeys": {}},
            asked(keys(store, recent)),
        )
        read = store.read_for_apply("app-1", "co-1", SHOPPER)
        stub.assert_no_pending_responses()
    assert read.application is None
    assert read.checkout is not None
    assert read.checkout.id == "co-1"
    assert read.records.versions == {VelocityKey.CUSTOMER: 2}
    assert read.records.prior.by_key == {
        VelocityKey.CUSTOMER: (
            PriorApplication(id="app-0", created_at=datetime(2026, 12, 5, 10, tzinfo=UTC)),
        )
    }


def test_a_store_that_keeps_throttling_is_a_dependency_failure(ddb_settings, monkeypatch):
    monkeypatch.setattr("services.shared.dynamodb.time.sleep", lambda _: None)
    store = DynamoApplicationStore(ddb_settings)
    apps = store._apps.Meta.table_name
    with Stubber(store._connection.client) as stub:
        for _ in range(BATCH_ATTEMPTS):
            stub.add_response(
                "batch_get_item", {"Responses": {}, "UnprocessedKeys": keys(store, apps)}, None
            )
        with pytest.raises(DependencyFailure):
            store.read_for_apply("app-1", None, SHOPPER)
        stub.assert_no_pending_responses()


def stored_checkout(settings: Settings) -> dict[str, Any]:
    """A checkout `co-1` as DynamoDB stores it (written, then read raw)."""
    request = parse_checkout_request(
        {
            "merchantId": "m_shop",
            "merchantReference": f"order-{uuid.uuid4()}",
            "amount": {"amount": 12_000, "currency": "GBP"},
            "items": [
                {
                    "sku": "A",
                    "name": "Jacket",
                    "quantity": 1,
                    "unitPrice": {"amount": 12_000, "currency": "GBP"},
                }
            ],
        }
    )
    checkouts = DynamoCheckoutRepository(settings)
    if checkouts.get("co-1") is None:
        checkouts.add(Checkout.open(request, checkout_id="co-1", now=datetime.now(UTC)))
    client = boto3.client(
        "dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
    )
    found = client.get_item(TableName=settings.table_name("checkouts"), Key={"id": {"S": "co-1"}})
    return dict(found["Item"])
