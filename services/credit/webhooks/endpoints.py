"""`/webhook-endpoints` and `/webhook-events`: a merchant's webhooks (via the credit proxy)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.credit.checkouts.callers import caller
from services.credit.paging import query_limit
from services.credit.webhooks.service import WebhookService
from services.shared.errors import ValidationError
from services.shared.http import read_json
from services.shared.json_answers import JSONResponse


class WebhookEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: WebhookService) -> None:
        self.service = service

    async def create(self, request: Request) -> Response:
        """`POST /webhook-endpoints`: 201 with the endpoint and its secret (shown once)."""
        who = caller(request)
        payload = await read_json(request)
        created = await run_in_threadpool(self.service.create, caller=who, payload=payload)
        return JSONResponse(created, status_code=201)

    async def list(self, request: Request) -> Response:
        """`GET /webhook-endpoints?merchantId=`: the merchant's endpoints."""
        who = caller(request)
        merchant_id = request.query_params.get("merchantId") or ""
        if not merchant_id:
            raise ValidationError("merchantId is required", field="merchantId")
        found = await run_in_threadpool(self.service.endpoints, caller=who, merchant_id=merchant_id)
        return JSONResponse({"items": found})

    async def rotate(self, request: Request) -> Response:
        """`POST /webhook-endpoints/{id}/rotate-secret`: the new secret (shown once)."""
        who = caller(request)
        rotated = await run_in_threadpool(
            self.service.rotate, caller=who, endpoint_id=request.path_params["endpoint_id"]
        )
        return JSONResponse(rotated)

    async def disable(self, request: Request) -> Response:
        """`POST /webhook-endpoints/{id}/disable`."""
        who = caller(request)
        endpoint = await run_in_threadpool(
            self.service.disable, caller=who, endpoint_id=request.path_params["endpoint_id"]
        )
        return JSONResponse(endpoint)

    async def enable(self, request: Request) -> Response:
        """`POST /webhook-endpoints/{id}/enable`."""
        who = caller(request)
        endpoint = await run_in_threadpool(
            self.service.enable, caller=who, endpoint_id=request.path_params["endpoint_id"]
        )
        return JSONResponse(endpoint)

    async def deliveries(self, request: Request) -> Response:
        """`GET /webhook-endpoints/{id}/deliveries?status&limit&nextToken`, newest first."""
        who = caller(request)
        page = await run_in_threadpool(
            self.service.deliveries,
            caller=who,
            endpoint_id=request.path_params["endpoint_id"],
            status=request.query_params.get("status") or None,
            limit=query_limit(request),
            next_token=request.query_params.get("nextToken") or None,
        )
        return JSONResponse(page)

    async def test(self, request: Request) -> Response:
        """`POST /webhook-endpoints/{id}/test`: 202, a `webhook.test` event on its way."""
        who = caller(request)
        sent = await run_in_threadpool(
            self.service.send_test, caller=who, endpoint_id=request.path_params["endpoint_id"]
        )
        return JSONResponse(sent, status_code=202)

    async def replay(self, request: Request) -> Response:
        """`POST /webhook-events/{id}/replay`: the deliveries made due again."""
        who = caller(request)
        deliveries = await run_in_threadpool(
            self.service.replay, caller=who, event_id=request.path_params["event_id"]
        )
        return JSONResponse({"items": deliveries})


def webhook_routes(service: WebhookService) -> list[Route]:
    """The routes of `/webhook-endpoints` and `/webhook-events`."""
    endpoints = WebhookEndpoints(service)
    one = "/webhook-endpoints/{endpoint_id}"
    return [
        Route("/webhook-endpoints", endpoints.create, methods=["POST"]),
        Route("/webhook-endpoints", endpoints.list, methods=["GET"]),
        Route(f"{one}/rotate-secret", endpoints.rotate, methods=["POST"]),
        Route(f"{one}/disable", endpoints.disable, methods=["POST"]),
        Route(f"{one}/enable", endpoints.enable, methods=["POST"]),
        Route(f"{one}/deliveries", endpoints.deliveries, methods=["GET"]),
        Route(f"{one}/test", endpoints.test, methods=["POST"]),
        Route("/webhook-events/{event_id}/replay", endpoints.replay, methods=["POST"]),
    ]
