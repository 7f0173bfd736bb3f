"""`/plans`: shoppers accept an offer, pay instalments or the whole plan, read their plans."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.credit.applications.endpoints import customer
from services.credit.limits import PAGE_MAX, PAGE_RULE
from services.credit.plans.service import PlanService
from services.shared.errors import ValidationError
from services.shared.http import read_json


def _limit(request: Request) -> int | None:
    value = request.query_params.get("limit")
    if value is None:
        return None
    # Digits only, and never more of them than the largest page has: no huge number is parsed.
    if not value.isdigit() or len(value) > len(str(PAGE_MAX)):
        raise ValidationError(PAGE_RULE, field="limit")
    return int(value)


class PlanEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: PlanService) -> None:
        self.service = service

    async def accept(self, request: Request) -> Response:
        """`POST /plans`: the plan of the accepted offer (or the first one for this key)."""
        who = customer(request)
        payload = await read_json(request)
        plan = await run_in_threadpool(self.service.accept, sub=who.sub, payload=payload)
        return JSONResponse(plan.to_json())

    async def pay(self, request: Request) -> Response:
        """`POST /plans/{id}/payments`: the payment of an instalment."""
        who = customer(request)
        payload = await read_json(request)
        payment = await run_in_threadpool(
            self.service.pay, sub=who.sub, plan_id=request.path_params["plan_id"], payload=payload
        )
        return JSONResponse(payment.to_json())

    async def pay_off(self, request: Request) -> Response:
        """`POST /plans/{id}/payoff`: the payment of everything left on the plan."""
        who = customer(request)
        payload = await read_json(request)
        payment = await run_in_threadpool(
            self.service.pay_off,
            sub=who.sub,
            plan_id=request.path_params["plan_id"],
            payload=payload,
        )
        return JSONResponse(payment.to_json())

    async def get(self, request: Request) -> Response:
        """`GET /plans/{id}`: the caller's plan, else 404."""
        who = customer(request)
        plan = await run_in_threadpool(
            self.service.get, sub=who.sub, plan_id=request.path_params["plan_id"]
        )
        return JSONResponse(plan.to_json())

    async def mine(self, request: Request) -> Response:
        """`GET /plans?limit&nextToken`: the caller's plans, newest first."""
        who = customer(request)
        plans, next_token = await run_in_threadpool(
            self.service.mine,
            sub=who.sub,
            limit=_limit(request),
            next_token=request.query_params.get("nextToken") or None,
        )
        return JSONResponse({"items": [p.to_json() for p in plans], "nextToken": next_token})


def plan_routes(service: PlanService) -> list[Route]:
    """The routes of `/plans`."""
    endpoints = PlanEndpoints(service)
    return [
        Route("/plans", endpoints.accept, methods=["POST"]),
        Route("/plans", endpoints.mine, methods=["GET"]),
        Route("/plans/{plan_id}", endpoints.get, methods=["GET"]),
        Route("/plans/{plan_id}/payments", endpoints.pay, methods=["POST"]),
        Route("/plans/{plan_id}/payoff", endpoints.pay_off, methods=["POST"]),
    ]
