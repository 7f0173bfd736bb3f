"""`/checkouts/{id}/capture|void|refunds`: the merchant's money operations (via the proxy)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.credit.callers import caller
from services.credit.checkout_operations import CheckoutOperations
from services.shared.http import read_json


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


def checkout_money_routes(operations: CheckoutOperations) -> list[Route]:
    """The routes of the merchant's money operations."""
    endpoints = CheckoutMoneyEndpoints(operations)
    return [
        Route("/checkouts/{checkout_id}/capture", endpoints.capture, methods=["POST"]),
        Route("/checkouts/{checkout_id}/void", endpoints.void, methods=["POST"]),
        Route("/checkouts/{checkout_id}/refunds", endpoints.refund, methods=["POST"]),
    ]
