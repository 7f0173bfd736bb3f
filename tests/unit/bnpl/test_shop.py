"""The demo shop against a fake API: the basket, the guarded "Pay later", the outcome pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from bnpl import settings as dev
from bnpl.settings import DevSettings
from bnpl.shop.app import BASKET_COOKIE, create_app
from bnpl.shop.merchant_api import ApiError, CheckoutView

pytestmark = pytest.mark.anyio

SHOP = "https://127.0.0.1:4446"


@dataclass
class FakeApi:
    """Answers like the API: one checkout per merchantReference."""

    created: list[dict[str, Any]] = field(default_factory=list)
    by_reference: dict[str, CheckoutView] = field(default_factory=dict)
    fail: bool = False

    async def create_checkout(self, checkout: dict[str, Any]) -> CheckoutView:
        if self.fail:
            raise ApiError("Not allowed <b>now</b>")
        self.created.append(checkout)
        reference = checkout["merchantReference"]
        if reference not in self.by_reference:
            checkout_id = f"c{len(self.by_reference) + 1}"
            self.by_reference[reference] = CheckoutView(
                id=checkout_id,
                merchant_reference=reference,
                status="CREATED",
                redirect_url=f"https://127.0.0.1:4445/checkout/{checkout_id}",
                amount=checkout["amount"]["amount"],
                currency="GBP",
            )
        return self.by_reference[reference]

    async def checkout(self, checkout_id: str) -> CheckoutView | None:
        return next((c for c in self.by_reference.values() if c.id == checkout_id), None)

    def set_status(self, checkout_id: str, status: str) -> None:
        for reference, checkout in self.by_reference.items():
            if checkout.id == checkout_id:
                self.by_reference[reference] = replace(checkout, status=status)


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
async def shop(api: FakeApi) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(DevSettings.from_environ({}), api=api)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SHOP) as client:
        yield client


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


async def pay_later(shop: httpx.AsyncClient, csrf: str, **headers: str) -> httpx.Response:
    return await shop.post(
        "/pay-later", data={"csrf_token": csrf}, headers=headers, follow_redirects=False
    )


async def test_the_basket_lists_the_items_and_never_the_merchant_keys(
    shop: httpx.AsyncClient,
) -> None:
    page = await shop.get("/")
    assert page.status_code == 200
    assert "Merino walking socks" in page.text
    assert "£113.99" in page.text
    assert '<html lang="en-GB">' in page.text
    assert dev.SANDBOX_MERCHANT_SECRET_ACCESS_KEY not in page.text
    assert dev.SANDBOX_MERCHANT_ACCESS_KEY_ID not in page.text
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "form-action 'self' https://127.0.0.1:4445" in csp


async def test_pay_later_creates_the_checkout_with_the_shop_return_urls_then_303s_to_its_page(
    shop: httpx.AsyncClient, api: FakeApi
) -> None:
    answer = await pay_later(shop, token((await shop.get("/")).text), origin=SHOP)
    assert answer.status_code == 303
    assert answer.headers["location"] == "https://127.0.0.1:4445/checkout/c1"
    [sent] = api.created
    assert sent["merchantId"] == dev.SANDBOX_MERCHANT_ID
    assert sent["confirmationUrl"] == f"{SHOP}/orders/confirmed"
    assert sent["cancelUrl"] == f"{SHOP}/orders/cancelled"
    assert sent["amount"] == {"amount": 11399, "currency": "GBP"}
    assert sum(i["quantity"] * i["unitPrice"]["amount"] for i in sent["items"]) == 11399


async def test_a_double_submit_asks_for_the_same_order_and_lands_on_the_same_checkout(
    shop: httpx.AsyncClient, api: FakeApi
) -> None:
    csrf = token((await shop.get("/")).text)
    first = await pay_later(shop, csrf)
    second = await pay_later(shop, csrf)
    assert first.headers["location"] == second.headers["location"]
    assert api.created[0] == api.created[1]
    assert len(api.by_reference) == 1


async def test_a_post_without_the_token_or_from_elsewhere_is_refused(
    shop: httpx.AsyncClient, api: FakeApi
) -> None:
    csrf = token((await shop.get("/")).text)
    assert (await pay_later(shop, "0" * 64)).status_code == 403
    assert (await pay_later(shop, csrf, origin="https://evil.example")).status_code == 403
    shop.cookies.clear()
    assert (await pay_later(shop, csrf)).status_code == 403
    assert api.created == []


async def test_a_basket_whose_order_is_over_starts_a_new_one(
    shop: httpx.AsyncClient, api: FakeApi
) -> None:
    csrf = token((await shop.get("/")).text)
    await pay_later(shop, csrf)
    api.set_status("c1", "CONFIRMED")
    again = await pay_later(shop, csrf)
    assert again.headers["location"].endswith("/checkout/c2")
    first, replayed, fresh = (sent["merchantReference"] for sent in api.created)
    assert first == replayed != fresh
    assert fresh == f"shop-{shop.cookies[BASKET_COOKIE]}"


async def test_an_api_failure_is_a_page_not_a_redirect(
    shop: httpx.AsyncClient, api: FakeApi
) -> None:
    api.fail = True
    answer = await pay_later(shop, token((await shop.get("/")).text))
    assert answer.status_code == 502
    assert "Not allowed &lt;b&gt;now&lt;/b&gt;" in answer.text


async def test_the_confirmation_page_shows_the_status_the_api_gives(
    shop: httpx.AsyncClient, api: FakeApi
) -> None:
    await pay_later(shop, token((await shop.get("/")).text))
    created = await shop.get("/orders/confirmed", params={"checkoutId": "c1"})
    assert "Order not confirmed" in created.text
    assert "CREATED" in created.text
    assert BASKET_COOKIE in shop.cookies
    api.set_status("c1", "CONFIRMED")
    confirmed = await shop.get("/orders/confirmed", params={"checkoutId": "c1"})
    assert "Order confirmed" in confirmed.text
    assert "£113.99" in confirmed.text
    assert BASKET_COOKIE not in shop.cookies  # paid: a new basket next time


async def test_the_cancelled_page_keeps_the_basket_and_shows_the_status(
    shop: httpx.AsyncClient, api: FakeApi
) -> None:
    await pay_later(shop, token((await shop.get("/")).text))
    page = await shop.get("/orders/cancelled", params={"checkoutId": "c1"})
    assert page.status_code == 200
    assert "You did not pay later" in page.text
    assert "CREATED" in page.text
    assert BASKET_COOKIE in shop.cookies


@pytest.mark.parametrize(("params", "status"), [({}, 400), ({"checkoutId": "nobody-knows"}, 404)])
async def test_outcome_pages_need_a_checkout_of_this_merchant(
    shop: httpx.AsyncClient, params: dict[str, str], status: int
) -> None:
    for path in ("/orders/confirmed", "/orders/cancelled"):
        assert (await shop.get(path, params=params)).status_code == status


async def test_health(shop: httpx.AsyncClient) -> None:
    assert (await shop.get("/health")).json() == {"status": "ok"}
