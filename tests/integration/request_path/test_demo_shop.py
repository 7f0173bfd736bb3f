"""The demo shop's backend through the whole request path: its "Pay later" creates one checkout
(however often it is pressed) with SigV4 as the sandbox merchant, and its pages read the status
from the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from bnpl.sandbox import sandbox_merchant
from bnpl.settings import DevSettings
from bnpl.shop.app import create_app
from bnpl.shop.merchant_api import SignedMerchantApi
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import URL

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]

SHOP = "https://127.0.0.1:4446"


@pytest.fixture
async def shop(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    api = SignedMerchantApi(URL, region="us-east-1", http=stack.graphql)
    app = create_app(DevSettings.from_environ({}), api=api)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SHOP) as client:
        yield client


async def pay_later(shop: httpx.AsyncClient) -> httpx.Response:
    basket = await shop.get("/")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', basket.text)
    assert token is not None
    return await shop.post(
        "/pay-later",
        data={"csrf_token": token.group(1)},
        headers={"origin": SHOP},
        follow_redirects=False,
    )


def test_the_sandbox_merchant_allows_the_shop_origins() -> None:
    prefixes = sandbox_merchant(DevSettings.from_environ({})).redirect_url_prefixes
    assert prefixes == ("https://127.0.0.1:4446/", "https://localhost:4446/")


async def test_pay_later_twice_is_one_checkout_whose_page_the_browser_is_sent_to(
    shop: httpx.AsyncClient, snapshot
) -> None:
    before = len(snapshot()["checkouts"])
    first = await pay_later(shop)
    second = await pay_later(shop)
    assert first.status_code == second.status_code == 303
    location = first.headers["location"]
    assert location == second.headers["location"]
    assert re.fullmatch(r"https://127\.0\.0\.1:4445/checkout/[0-9a-f-]{36}", location)
    assert len(snapshot()["checkouts"]) == before + 1


async def test_the_return_pages_read_the_status_from_the_api(shop: httpx.AsyncClient) -> None:
    checkout_id = (await pay_later(shop)).headers["location"].rsplit("/", 1)[1]
    confirmed = await shop.get("/orders/confirmed", params={"checkoutId": checkout_id})
    assert confirmed.status_code == 200
    # Nobody accepted an offer: arriving at the confirmation URL confirms nothing.
    assert "Order not confirmed" in confirmed.text
    assert "CREATED" in confirmed.text
    cancelled = await shop.get("/orders/cancelled", params={"checkoutId": checkout_id})
    assert "You did not pay later" in cancelled.text
    unknown = await shop.get("/orders/confirmed", params={"checkoutId": "not-a-checkout"})
    assert unknown.status_code == 404
