"""The credit service's `publishCheckoutUpdate` calls: SigV4-signed, in order per checkout, and
never failing the change they announce."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.credit.checkouts.updates import AppSyncCheckoutUpdates
from tests.functional.services.conftest import ServedApp

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret")


class FakeApi:
    """A GraphQL endpoint that answers slowly at random and keeps what it was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.answer: tuple[int, dict[str, Any]] = (200, {"data": {"publishCheckoutUpdate": {}}})

    async def graphql(self, request: Request) -> Response:
        body = json.loads(await request.body())
        await asyncio.sleep(random.uniform(0, 0.01))
        self.calls.append((dict(request.headers), body))
        status, answer = self.answer
        return JSONResponse(answer, status_code=status)


@pytest.fixture
def api():
    fake = FakeApi()
    with ServedApp(Starlette(routes=[Route("/graphql", fake.graphql, methods=["POST"])])) as s:
        yield fake, f"{s.url}/graphql"


@pytest.fixture
def http():
    with httpx.Client() as client:
        yield client


def updates(url: str, http: httpx.Client, credentials: Any = CREDENTIALS) -> AppSyncCheckoutUpdates:
    return AppSyncCheckoutUpdates(
        url=url,
        region="eu-west-2",
        credentials=lambda: credentials,
        http=http,
        page_url="https://pay.example.test",
    )


def checkout(version: int, checkout_id: str = "chk_1") -> dict[str, Any]:
    return {
        "id": checkout_id,
        "status": "CAPTURED",
        "refundedAmount": {"amount": version, "currency": "GBP"},
        "applicationId": "app_1",  # not part of CheckoutUpdateInput: never sent
    }


def test_an_update_is_signed_and_sends_only_the_input_fields(api, http):
    fake, url = api
    publisher = updates(url, http)
    assert publisher.submit(checkout(1)).result(timeout=10) is True
    publisher.close()
    [(headers, body)] = fake.calls
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-2/appsync/aws4_request" in headers["authorization"]
    sent = body["variables"]["input"]
    assert sent["refundedAmount"] == {"amount": 1, "currency": "GBP"}
    assert "applicationId" not in sent
    assert sent["redirectUrl"] == "https://pay.example.test/checkout/chk_1"
    assert "publishCheckoutUpdate" in body["query"]


def test_updates_of_one_checkout_arrive_in_the_order_they_were_made(api, http):
    fake, url = api
    publisher = updates(url, http)
    for version in range(40):
        publisher.published(checkout(version))
        publisher.published(checkout(version, checkout_id=f"other_{version}"))
    publisher.close()
    mine = [
        body["variables"]["input"]["refundedAmount"]["amount"]
        for _, body in fake.calls
        if body["variables"]["input"]["id"] == "chk_1"
    ]
    assert mine == list(range(40))
    assert len(fake.calls) == 80


@pytest.mark.parametrize(
    "answer",
    [(500, {"message": "boom"}), (200, {"errors": [{"errorType": "Unauthorized"}]})],
)
def test_a_refused_update_is_reported_not_raised(api, http, answer):
    fake, url = api
    fake.answer = answer
    publisher = updates(url, http)
    assert publisher.submit(checkout(1)).result(timeout=10) is False
    publisher.close()


def test_an_unreachable_api_or_missing_credentials_is_reported_not_raised(api, http):
    _, url = api
    nowhere = updates("http://127.0.0.1:9/graphql", http)
    assert nowhere.submit(checkout(1)).result(timeout=10) is False
    unsigned = updates(url, http, credentials=None)
    assert unsigned.submit(checkout(1)).result(timeout=10) is False
    nowhere.close()
    unsigned.close()
