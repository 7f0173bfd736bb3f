"""`/checkouts`: merchants create checkouts and shoppers and merchants read them; the merchant's
money operations `/checkouts/{id}/capture|void|refunds` (all via the credit proxy)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.credit.checkouts.callers import caller
from services.credit.checkouts.operations import CheckoutOperations
from services.credit.checkouts.service import CheckoutService
from services.shared.http import read_json


class CheckoutEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: CheckoutService) -> None:
        self.service = service

    async def create(self, request: Request) -> Response:
        """`POST /checkouts`: 201 when created, 200 when an identical request came first."""
        who = caller(request)
        payload = await read_json(request)
        outcome = await run_in_threadpool(self.service.create, caller=who, payload=payload)
        return JSONResponse(outcome.checkout.to_json(), status_code=201 if outcome.created else 200)

    async def get(self, request: Request) -> Response:
        """`GET /checkouts/{id}`: the checkout, or 404 when absent or not the caller's to see."""
        who = caller(request)
        checkout_id = request.path_params["checkout_id"]
        checkout = await run_in_threadpool(self.service.get, caller=who, checkout_id=checkout_id)
        return JSONResponse(checkout.to_json())


class CheckoutMoneyEndpoints:
    """Route handlers: parse the request, call the use case, answer the checkout as JSON."""

    def __init__(self, operations: CheckoutOperations) -> None:
        self.operations = operations

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
        return JSONResponse(checkout.to_json())

    async def void(self, request: Request) -> Response:
        """`POST /checkouts/{id}/void` (no body): voiding twice answers the voided checkout."""
        who = caller(request)
        checkout = await run_in_threadpool(
            self.operations.void, caller=who, checkout_id=request.path_params["checkout_id"]
        )
        return JSONResponse(checkout.to_json())

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
        return JSONResponse(checkout.to_json())


def checkout_routes(service: CheckoutService, operations: CheckoutOperations) -> list[Route]:
    """The routes of `/checkouts`: create and read, and the merchant's money operations."""
    checkouts = CheckoutEndpoints(service)
    endpoints = CheckoutMoneyEndpoints(operations)
    return [
        Route("/checkouts", checkouts.create, methods=["POST"]),
        Route("/checkouts/{checkout_id}", checkouts.get, methods=["GET"]),
        Route("/checkouts/{checkout_id}/capture", endpoints.capture, methods=["POST"]),
        Route("/checkouts/{checkout_id}/void", endpoints.void, methods=["POST"]),
        Route("/checkouts/{checkout_id}/refunds", endpoints.refund, methods=["POST"]),
    ]
