"""The credit service's HTTP face: `/checkouts` for merchants (via the proxy) and shoppers,
`/applications` and `/plans` for shoppers.

Run it with `uvicorn --factory services.credit.app:create_app`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.credit.application_endpoints import application_routes
from services.credit.application_service import ApplicationService
from services.credit.callers import caller
from services.credit.checkout_endpoints import checkout_money_routes
from services.credit.checkout_operations import CheckoutOperations
from services.credit.openapi import OPENAPI
from services.credit.plan_endpoints import plan_routes
from services.credit.plan_service import PlanService
from services.credit.repository import (
    CheckoutRepository,
    DynamoCheckoutRepository,
    DynamoMerchantRepository,
    MerchantRepository,
)
from services.credit.service import CheckoutService
from services.credit.wiring import application_service, checkout_operations, plan_service
from services.shared.auth import TokenVerifier
from services.shared.http import create_service_app, read_json
from services.shared.settings import Settings


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


def create_app(
    settings: Settings | None = None,
    *,
    checkouts: CheckoutRepository | None = None,
    merchants: MerchantRepository | None = None,
    applications: ApplicationService | None = None,
    plans: PlanService | None = None,
    operations: CheckoutOperations | None = None,
) -> Starlette:
    """The credit service's ASGI app.

    Args:
        settings: where the tables and the token keys are; the environment by default.
        checkouts: where checkouts are kept; DynamoDB by default.
        merchants: where merchants are kept; DynamoDB by default.
        applications: the credit application use cases; composed from `settings` by default
            (`services.credit.wiring`).
        plans: the plan use cases; composed from `settings` by default.
        operations: the merchant's capture, void and refund; composed from `settings` by
            default.
    """
    settings = settings or Settings.from_environ()
    checkouts = checkouts or DynamoCheckoutRepository(settings)
    service = CheckoutService(
        checkouts=checkouts,
        merchants=merchants or DynamoMerchantRepository(settings),
    )
    applications = applications or application_service(settings, checkouts=checkouts)
    plans = plans or plan_service(settings, checkouts=checkouts)
    operations = operations or checkout_operations(settings, checkouts=checkouts)
    endpoints = CheckoutEndpoints(service)
    return create_service_app(
        service="credit",
        routes=[
            Route("/checkouts", endpoints.create, methods=["POST"]),
            Route("/checkouts/{checkout_id}", endpoints.get, methods=["GET"]),
            *application_routes(applications),
            *checkout_money_routes(operations),
            *plan_routes(plans),
        ],
        verifier=TokenVerifier(settings),
        openapi=OPENAPI,
    )
