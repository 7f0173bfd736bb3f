"""The first read of an application request: the application and its checkout in one
BatchGetItem, the keys DynamoDB left unprocessed asked for again (botocore's Stubber stands in
for a throttling DynamoDB, which DynamoDB Local never is)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from services.credit.applications.store import BATCH_ATTEMPTS, DynamoApplicationStore
from services.credit.checkouts.domain import Checkout, parse_checkout_request
from services.credit.checkouts.store import DynamoCheckoutRepository
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

pytestmark = [pytest.mark.ddblocal]


def keys(store: DynamoApplicationStore, *tables: str) -> dict[str, Any]:
    ids = {store._apps.Meta.table_name: "app-1", store._checkouts.Meta.table_name: "co-1"}
    return {
        table: {"Keys": [{"id": {"S": ids[table]}}], "ConsistentRead": True} for table in tables
    }


def asked(request_items: dict[str, Any]) -> dict[str, Any]:
    return {"RequestItems": request_items, "ReturnConsumedCapacity": ANY}


def test_keys_left_unprocessed_are_asked_for_again_and_only_they(ddb_settings, monkeypatch):
    monkeypatch.setattr("services.credit.applications.store.time.sleep", lambda _: None)
    store = DynamoApplicationStore(ddb_settings)
    stored = stored_checkout(ddb_settings)
    apps, checkouts = store._apps.Meta.table_name, store._checkouts.Meta.table_name
    with Stubber(store._connection.client) as stub:
        # The application is absent; the checkout was left for later, then found.
        stub.add_response(
            "batch_get_item",
            {"Responses": {apps: []}, "UnprocessedKeys": keys(store, checkouts)},
            asked(keys(store, apps, checkouts)),
        )
        stub.add_response(
            "batch_get_item",
            {"Responses": {checkouts: [stored]}, "UnprocessedKeys": {}},
            asked(keys(store, checkouts)),
        )
        application, checkout = store.get_with_checkout("app-1", "co-1")
        stub.assert_no_pending_responses()
    assert application is None
    assert checkout is not None
    assert checkout.id == "co-1"


def test_a_store_that_keeps_throttling_is_a_dependency_failure(ddb_settings, monkeypatch):
    monkeypatch.setattr("services.credit.applications.store.time.sleep", lambda _: None)
    store = DynamoApplicationStore(ddb_settings)
    apps = store._apps.Meta.table_name
    with Stubber(store._connection.client) as stub:
        for _ in range(BATCH_ATTEMPTS):
            stub.add_response(
                "batch_get_item", {"Responses": {}, "UnprocessedKeys": keys(store, apps)}, None
            )
        with pytest.raises(DependencyFailure):
            store.get_with_checkout("app-1", None)
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
