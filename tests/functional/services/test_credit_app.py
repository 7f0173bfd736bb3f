"""The credit service in process (httpx.ASGITransport) on DynamoDB Local, plus concurrent
duplicates over real HTTP."""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.credit.app import create_app
from services.credit.checkouts.domain import Checkout, CheckoutStatus, parse_checkout_request
from services.credit.checkouts.store import DynamoCheckoutRepository
from tests.functional.services.conftest import RIVAL_ARN, SHOP_ARN, ServedApp

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]


def order(
    reference: str | None = None,
    *,
    total: int = 4999,
    merchant_id: str = "m_shop",
    **overrides: Any,
) -> dict[str, Any]:
    body = {
        "merchantId": merchant_id,
        "merchantReference": reference or f"order-{uuid.uuid4()}",
        "amount": {"amount": total, "currency": "GBP"},
        "items": [
            {
                "sku": "SKU-1",
                "name": "Trail shoes",
                "quantity": 1,
                "unitPrice": {"amount": total, "currency": "GBP"},
            }
        ],
    }
    return {**body, **overrides}


@pytest.fixture(scope="module")
def app(ddb_settings, merchants):
    return create_app(ddb_settings)


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://credit.test") as c:
        yield c


@pytest.fixture
def as_merchant(idp):
    """Headers of the credit proxy acting for a merchant backend."""

    def headers(arn=SHOP_ARN):
        return {"authorization": f"Bearer {idp.service_token()}", "x-bnpl-caller-arn": arn}

    return headers


@pytest.fixture
def as_customer(make_token):
    def headers(sub=None):
        return {"authorization": make_token(sub=sub or f"sub-{uuid.uuid4()}")}

    return headers


class TestCreate:
    async def test_created_once_per_reference(self, client, as_merchant, scan):
        before = len(scan("checkouts"))
        body = order()
        created = await client.post("/checkouts", json=body, headers=as_merchant())
        assert created.status_code == 201
        checkout = created.json()
        assert checkout["status"] == "CREATED"
        assert checkout["customerId"] is None
        assert {k: checkout[k] for k in body} == body
        assert checkout["createdAt"].endswith("Z")
        assert checkout["expiresAt"] > checkout["createdAt"]

        again = await client.post("/checkouts", json=body, headers=as_merchant())
        assert (again.status_code, again.json()) == (200, checkout)
        assert len(scan("checkouts")) == before + 1
        assert len(scan("checkout_references")) >= 1

    async def test_a_reused_reference_is_a_conflict(self, client, as_merchant, scan):
        first = await client.post("/checkouts", json=order("ref-reused"), headers=as_merchant())
        before = len(scan("checkouts"))
        clash = await client.post(
            "/checkouts", json=order("ref-reused", total=5000), headers=as_merchant()
        )
        assert clash.status_code == 409
        assert clash.json()["error"] == "Conflict"
        assert clash.json()["details"] == {
            "field": "merchantReference",
            "checkoutId": first.json()["id"],
        }
        assert len(scan("checkouts")) == before

    async def test_the_same_reference_at_two_merchants_is_two_checkouts(self, client, as_merchant):
        shop = await client.post("/checkouts", json=order("shared-ref"), headers=as_merchant())
        rival = await client.post(
            "/checkouts",
            json=order("shared-ref", merchant_id="m_rival"),
            headers=as_merchant(RIVAL_ARN),
        )
        assert (shop.status_code, rival.status_code) == (201, 201)
        assert shop.json()["id"] != rival.json()["id"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"amount": {"amount": -100, "currency": "GBP"}}, "amount.amount"),
            ({"amount": {"amount": 49.99, "currency": "GBP"}}, "amount.amount"),
            ({"amount": {"amount": 4999, "currency": "XYZ"}}, "amount.currency"),
            ({"amount": {"amount": 4998, "currency": "GBP"}}, "amount.amount"),
            ({"merchantReference": ""}, "merchantReference"),
            ({"items": []}, "items"),
            ({"merchantId": None}, "merchantId"),
        ],
    )
    async def test_bad_input_names_the_field_and_writes_nothing(
        self, client, as_merchant, scan, change, field
    ):
        before = (scan("checkouts"), scan("checkout_references"))
        response = await client.post("/checkouts", json=order(**change), headers=as_merchant())
        assert response.status_code == 400
        assert response.json()["error"] == "ValidationError"
        assert response.json()["details"]["field"] == field
        assert (scan("checkouts"), scan("checkout_references")) == before

    @pytest.mark.parametrize(
        ("merchant_id", "arn"),
        [
            ("m_rival", SHOP_ARN),  # someone else's merchant
            ("m_unknown", SHOP_ARN),  # no such merchant
            ("m_shop", "arn:aws:iam::111122223333:user/intruder"),  # not a listed principal
        ],
    )
    async def test_only_the_merchants_principals(self, client, as_merchant, scan, merchant_id, arn):
        before = len(scan("checkouts"))
        response = await client.post(
            "/checkouts", json=order(merchant_id=merchant_id), headers=as_merchant(arn)
        )
        assert response.status_code == 403
        assert response.json()["error"] == "Unauthorized"
        assert len(scan("checkouts")) == before

    async def test_customers_cannot_create_even_naming_an_arn(self, client, as_customer, scan):
        before = len(scan("checkouts"))
        headers = {**as_customer(), "x-bnpl-caller-arn": SHOP_ARN}
        response = await client.post("/checkouts", json=order(), headers=headers)
        assert (response.status_code, response.json()["error"]) == (403, "Unauthorized")
        assert len(scan("checkouts")) == before

    @pytest.mark.parametrize("arn", [None, "", "shop-backend"])
    async def test_a_service_call_must_name_a_caller(self, client, idp, arn):
        headers = {"authorization": idp.service_token()}
        if arn is not None:
            headers["x-bnpl-caller-arn"] = arn
        response = await client.post("/checkouts", json=order(), headers=headers)
        assert (response.status_code, response.json()["error"]) == (403, "Unauthorized")

    async def test_oversized_and_malformed_bodies(self, client, as_merchant, scan):
        before = len(scan("checkouts"))
        items = order()["items"] * 2000
        large = await client.post("/checkouts", json=order(items=items), headers=as_merchant())
        assert (large.status_code, large.json()["error"]) == (413, "ValidationError")
        broken = await client.post("/checkouts", content=b'{"merchantId": ', headers=as_merchant())
        assert (broken.status_code, broken.json()["error"]) == (400, "ValidationError")
        assert len(scan("checkouts")) == before


class TestRead:
    async def test_merchants_see_only_their_own(self, client, as_merchant):
        created = (await client.post("/checkouts", json=order(), headers=as_merchant())).json()
        own = await client.get(f"/checkouts/{created['id']}", headers=as_merchant())
        assert (own.status_code, own.json()) == (200, created)
        rival = await client.get(f"/checkouts/{created['id']}", headers=as_merchant(RIVAL_ARN))
        assert (rival.status_code, rival.json()["error"]) == (404, "NotFound")

    async def test_any_customer_sees_an_open_checkout(self, client, as_merchant, as_customer):
        created = (await client.post("/checkouts", json=order(), headers=as_merchant())).json()
        seen = await client.get(f"/checkouts/{created['id']}", headers=as_customer())
        assert (seen.status_code, seen.json()) == (200, created)

    async def test_a_taken_checkout_only_to_its_customer(self, client, ddb_settings, as_customer):
        """Taken: a shopper accepted an offer on it (applying alone takes nothing)."""
        now = datetime.now(UTC)
        taken = Checkout.open(
            parse_checkout_request(order()), checkout_id=str(uuid.uuid4()), now=now
        )
        taken = replace(
            taken,
            status=CheckoutStatus.CONFIRMED,
            customer_id="sub-owner",
            application_id="app-owner",
            plan_id="pln-owner",
        )
        assert DynamoCheckoutRepository(ddb_settings).add(taken)
        owner = await client.get(f"/checkouts/{taken.id}", headers=as_customer("sub-owner"))
        assert (owner.status_code, owner.json()["customerId"]) == (200, "sub-owner")
        other = await client.get(f"/checkouts/{taken.id}", headers=as_customer())
        assert other.status_code == 404
        assert other.json() == {"error": "NotFound", "message": "Checkout not found"}

    @pytest.mark.parametrize("checkout_id", ["no-such-checkout", "x" * 500])
    async def test_unknown_ids(self, client, as_merchant, checkout_id):
        response = await client.get(f"/checkouts/{checkout_id}", headers=as_merchant())
        assert (response.status_code, response.json()["error"]) == (404, "NotFound")

    async def test_public_routes(self, app, client):
        assert (await client.get("/health")).json() == {"status": "ok", "service": "credit"}
        document = (await client.get("/openapi.json")).json()
        # Every route the app serves is documented, and nothing else.
        served = {r.path for r in app.routes if r.path != "/openapi.json"}
        assert set(document["paths"]) == served
        assert "/checkouts/{checkout_id}/refunds" in served
        schemas = document["components"]["schemas"]
        assert {"CreateCheckoutInput", "ApplyForCreditInput", "CreditApplication"} <= set(schemas)
        assert {"AcceptOfferInput", "PayInstalmentInput", "PaymentPlan", "Payment"} <= set(schemas)
        # Every schema a document refers to is defined.
        refs = set(re.findall(r'"#/components/schemas/(\w+)"', json.dumps(document)))
        assert refs <= set(schemas)


def test_concurrent_duplicates_create_one_checkout(app, as_merchant, scan):
    """Eight requests for the same new reference race over real HTTP: one checkout results."""
    body = order()
    before = len(scan("checkouts"))
    barrier = threading.Barrier(8)
    responses: list[httpx.Response] = []

    def send(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            headers = as_merchant()
            barrier.wait()
            responses.append(client.post("/checkouts", json=body, headers=headers))

    with ServedApp(app) as server:
        threads = [threading.Thread(target=send, args=(server.url,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(scan("checkouts")) == before + 1
