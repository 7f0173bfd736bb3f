"""`/checkouts`: merchants create checkouts and shoppers and merchants read them; the merchant's
money operations `/checkouts/{id}/capture|void|refunds` (all via the credit proxy)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.credit.checkouts.callers import caller
from services.credit.checkouts.domain import Checkout
from services.credit.checkouts.operations import CheckoutOperations
from services.credit.checkouts.redirects import checkout_page
from services.credit.checkouts.service import CheckoutService
from services.shared.http import read_json
from services.shared.json_answers import JSONResponse


def checkout_body(checkout: Checkout, page_url: str) -> dict[str, Any]:
    """The API's `Checkout`, with `redirectUrl`: its hosted page under `page_url` (a setting,
    so a checkout's page follows where the page is served from)."""
    return {**checkout.to_json(), "redirectUrl": checkout_page(page_url, checkout.id)}


class CheckoutEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: CheckoutService, page_url: str) -> None:
        self.service = service
        self.page_url = page_url

    async def create(self, request: Request) -> Response:
        """`POST /checkouts`: 201 when created, 200 when an identical request came first."""
        who = caller(request)
        payload = await read_json(request)
        outcome = await run_in_threadpool(self.service.create, caller=who, payload=payload)
        return JSONResponse(
            checkout_body(outcome.checkout, self.page_url),
            status_code=201 if outcome.created else 200,
        )

    async def get(self, request: Request) -> Response:
        """`GET /checkouts/{id}`: the checkout, or 404 when absent or not the caller's to see."""
        who = caller(request)
        checkout_id = request.path_params["checkout_id"]
        checkout = await run_in_threadpool(self.service.get, caller=who, checkout_id=checkout_id)
        return JSONResponse(checkout_body(checkout, self.page_url))


class CheckoutMoneyEndpoints:
    """Route handlers: parse the request, call the use case, answer the checkout as JSON."""

    def __init__(self, operations: CheckoutOperations, page_url: str) -> None:
        self.operations = operations
        self.page_url = page_url

    async def capture(self, request: Request) -> Response:
        """`POST /checkouts/{id}/capture` `{amount?, idempotencyKey}`."""
        who = caller(request)
        payload = await read_json(request)
        checkout = await run_in_threadpool(
            self.operations.capture,
            caller=who,
            checkout_id=request.path_params["checkout_id"],
            payload=payload,
        )
        return JSONResponse(checkout_body(checkout, self.page_url))

    async def void(self, request: Request) -> Response:
        """`POST /checkouts/{id}/void` (no body): voiding twice answers the voided checkout."""
        who = caller(request)
        checkout = await run_in_threadpool(
            self.operations.void, caller=who, checkout_id=request.path_params["checkout_id"]
        )
        return JSONResponse(checkout_body(checkout, self.page_url))

    async def refund(self, request: Request) -> Response:
        """`POST /checkouts/{id}/refunds` `{amount, idempotencyKey}`."""
        who = caller(request)
        payload = await read_json(request)
        checkout = await run_in_threadpool(
            self.operations.refund,
            caller=who,
            checkout_id=request.path_params["checkout_id"],
            payload=payload,
        )
        return JSONResponse(checkout_body(checkout, self.page_url))


def checkout_routes(
    service: CheckoutService, operations: CheckoutOperations, *, page_url: str
) -> list[Route]:
    """The routes of `/checkouts`: create and read, and the merchant's money operations;
    `page_url` is where the hosted checkout page is served (`Settings.checkout_page_url`)."""
    checkouts = CheckoutEndpoints(service, page_url)
    endpoints = CheckoutMoneyEndpoints(operations, page_url)
    return [
        Route("/checkouts", checkouts.create, methods=["POST"]),
        Route("/checkouts/{checkout_id}", checkouts.get, methods=["GET"]),
        Route("/checkouts/{checkout_id}/capture", endpoints.capture, methods=["POST"]),
        Route("/checkouts/{checkout_id}/void", endpoints.void, methods=["POST"]),
        Route("/checkouts/{checkout_id}/refunds", endpoints.refund, methods=["POST"]),
    ]
