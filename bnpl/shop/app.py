"""The demo shop's ASGI app (`bnpl dev` serves it over HTTP and HTTPS): a basket, a server-side
"Pay later" that creates the checkout as the sandbox merchant and sends the browser to its
hosted page, and the confirmation and cancel pages that read the checkout's status from the API.

A basket is a random id in a cookie (SameSite=Lax, HttpOnly); its order's merchantReference is
derived from it, so a double submit or a retry answers the same checkout. The "Pay later" POST
carries a token bound to the basket by an HMAC under a per-process key (a cross-site form
cannot read it), and its Origin, when sent, must be the shop's own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bnpl.settings import SANDBOX_MERCHANT_ID, DevSettings
from bnpl.shop import pages
from bnpl.shop.merchant_api import ApiError, CheckoutView, MerchantApi, SignedMerchantApi

BASKET_COOKIE = "shop_basket"
FORM_MAX_BYTES = 4096
# The demo basket: prices in minor units of GBP.
BASKET = (
    pages.Line(sku="SOCK-MERINO", name="Merino walking socks", quantity=2, unit_price=1200),
    pages.Line(sku="JKT-WAXED", name="Waxed cotton jacket", quantity=1, unit_price=8999),
)
# A checkout in one of these can take no shopper any more: the basket starts a new order.
_CLOSED = frozenset({"EXPIRED", "CONFIRMED", "CAPTURED", "VOIDED", "REFUNDED"})
_PAID = frozenset({"CONFIRMED", "CAPTURED"})


def basket_checkout(merchant_reference: str) -> dict[str, Any]:
    """The basket as `createCheckout`'s input for the sandbox merchant, without return URLs."""
    total = sum(line.unit_price * line.quantity for line in BASKET)
    return {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": merchant_reference,
        "amount": {"amount": total, "currency": "GBP"},
        "items": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unitPrice": {"amount": line.unit_price, "currency": "GBP"},
            }
            for line in BASKET
        ],
    }


def _style_hash() -> str:
    digest = hashlib.sha256(pages.STYLE.encode()).digest()
    return base64.b64encode(digest).decode()


class Shop:
    """The shop's route handlers."""

    def __init__(self, settings: DevSettings, api: MerchantApi) -> None:
        self._settings = settings
        self._api = api
        self._key = secrets.token_bytes(32)
        self._csp = (
            "default-src 'none'; "
            f"style-src 'sha256-{_style_hash()}'; "
            # The POST answers a redirect to the hosted page, which form-action also governs.
            f"form-action 'self' {settings.checkout_page_url}; "
            "frame-ancestors 'none'; base-uri 'none'"
        )

    def _token(self, basket: str) -> str:
        return hmac.new(self._key, basket.encode(), hashlib.sha256).hexdigest()

    def _html(self, body: str, status: int = 200) -> HTMLResponse:
        headers = {
            "content-security-policy": self._csp,
            "cache-control": "no-store",
            "referrer-policy": "same-origin",
            "x-content-type-options": "nosniff",
        }
        return HTMLResponse(body, status_code=status, headers=headers)

    def _keep_basket(self, response: Response, request: Request, basket: str) -> None:
        response.set_cookie(
            BASKET_COOKIE,
            basket,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    async def basket(self, request: Request) -> Response:
        """`GET /`: the basket and its "Pay later" form."""
        basket = request.cookies.get(BASKET_COOKIE) or secrets.token_urlsafe(24)
        response = self._html(pages.basket(BASKET, csrf_token=self._token(basket)))
        self._keep_basket(response, request, basket)
        return response

    def _refusal(self, request: Request, form: dict[str, list[str]]) -> str | None:
        basket = request.cookies.get(BASKET_COOKIE)
        sent = (form.get("csrf_token") or [""])[0]
        if not basket or not hmac.compare_digest(sent, self._token(basket)):
            return "Your session has expired. Open the basket again and retry."
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin is not None and origin != own:
            return "This form can only be sent from the shop's own pages."
        return None

    def _order(self, basket: str) -> dict[str, Any]:
        return {
            **basket_checkout(f"shop-{basket}"),
            "confirmationUrl": f"{self._settings.shop_url}/orders/confirmed",
            "cancelUrl": f"{self._settings.shop_url}/orders/cancelled",
        }

    async def pay_later(self, request: Request) -> Response:
        """`POST /pay-later`: create (or find) the basket's checkout, then 303 to its page."""
        raw = await request.body()
        form = parse_qs(raw[:FORM_MAX_BYTES].decode("utf-8", "replace"))
        refusal = self._refusal(request, form)
        if refusal is not None:
            return self._html(pages.outcome("Not sent", refusal, good=False), 403)
        basket = request.cookies[BASKET_COOKIE]
        try:
            checkout = await self._api.create_checkout(self._order(basket))
            if checkout.status in _CLOSED:  # that order is over: this is a new one
                basket = secrets.token_urlsafe(24)
                checkout = await self._api.create_checkout(self._order(basket))
        except ApiError as exc:
            message = f"We could not start the payment: {exc}"
            return self._html(pages.outcome("Payment not started", message, good=False), 502)
        response = RedirectResponse(checkout.redirect_url, status_code=303)
        self._keep_basket(response, request, basket)
        return response

    async def _read(self, request: Request) -> CheckoutView | Response:
        checkout_id = request.query_params.get("checkoutId", "")
        if not checkout_id:
            message = "This page needs a checkoutId."
            return self._html(pages.outcome("No order given", message, good=False), 400)
        try:
            checkout = await self._api.checkout(checkout_id)
        except ApiError as exc:
            message = f"We could not read the order: {exc}"
            return self._html(pages.outcome("Order status unknown", message, good=False), 502)
        if checkout is None:
            message = "We have no order with this checkout."
            return self._html(pages.outcome("Order not found", message, good=False), 404)
        return checkout

    async def confirmed(self, request: Request) -> Response:
        """`GET /orders/confirmed?checkoutId=…`: the order as the API says it is."""
        checkout = await self._read(request)
        if isinstance(checkout, Response):
            return checkout
        reference = checkout.merchant_reference
        if checkout.status in _PAID:
            total = pages.money(checkout.amount, checkout.currency)
            message = f"Thank you: your order of {total} is confirmed ({checkout.status})."
            response = self._html(
                pages.outcome("Order confirmed", message, good=True, reference=reference)
            )
            if (
                request.cookies.get(BASKET_COOKIE)
                and reference == f"shop-{request.cookies[BASKET_COOKIE]}"
            ):
                response.delete_cookie(BASKET_COOKIE)  # paid: the next visit starts a new basket
            return response
        message = f"This order is not confirmed: its status is {checkout.status}."
        return self._html(
            pages.outcome("Order not confirmed", message, good=False, reference=reference)
        )

    async def cancelled(self, request: Request) -> Response:
        """`GET /orders/cancelled?checkoutId=…`: the basket is kept; the status is the API's."""
        checkout = await self._read(request)
        if isinstance(checkout, Response):
            return checkout
        if checkout.status in _PAID:
            message = f"This order is in fact confirmed ({checkout.status})."
            good = True
        else:
            message = f"You did not pay later. Your basket is kept (status {checkout.status})."
            good = False
        page = pages.outcome(
            "Payment cancelled", message, good=good, reference=checkout.merchant_reference
        )
        return self._html(page)


async def health(_: Request) -> Response:
    """`GET /health`."""
    return JSONResponse({"status": "ok"})


def create_app(settings: DevSettings | None = None, *, api: MerchantApi | None = None) -> Starlette:
    """The shop for the stack `settings` describes; `api` replaces its signed API client."""
    settings = settings or DevSettings.from_environ()
    http: httpx.AsyncClient | None = None
    if api is None:
        http = httpx.AsyncClient(timeout=30)
        api = SignedMerchantApi(settings.graphql_url, region=settings.region, http=http)
    shop = Shop(settings, api)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if http is not None:
            await http.aclose()

    return Starlette(
        routes=[
            Route("/", shop.basket, methods=["GET"]),
            Route("/pay-later", shop.pay_later, methods=["POST"]),
            Route("/orders/confirmed", shop.confirmed, methods=["GET"]),
            Route("/orders/cancelled", shop.cancelled, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
