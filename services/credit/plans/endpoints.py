"""`/plans`: shoppers accept an offer, pay instalments or the whole plan, read their plans."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.credit.applications.endpoints import customer
from services.credit.paging import query_limit
from services.credit.plans.service import PlanService
from services.shared.http import read_json
from services.shared.json_answers import JSONResponse


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
            limit=query_limit(request),
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
