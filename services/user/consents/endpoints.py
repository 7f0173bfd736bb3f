"""The user service's open-banking routes, under `/customers/me/bank-consents` (Starlette)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.shared.auth import CustomerPrincipal
from services.shared.errors import Unauthorized
from services.shared.http import principal, read_json
from services.user.consents.service import ConsentService

BASE = "/customers/me/bank-consents"


def _customer(request: Request) -> CustomerPrincipal:
    caller = principal(request)
    if not isinstance(caller, CustomerPrincipal):
        raise Unauthorized("Only customers may manage their bank consents")
    return caller


class ConsentEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: ConsentService) -> None:
        self.service = service

    async def grant(self, request: Request) -> Response:
        """`POST /customers/me/bank-consents`: 201 with the consent as the bank left it."""
        caller = _customer(request)
        payload = await read_json(request)
        consent = await run_in_threadpool(
            self.service.grant, customer_id=caller.sub, payload=payload
        )
        return JSONResponse(consent.to_json(), status_code=201)

    async def list(self, request: Request) -> Response:
        """`GET /customers/me/bank-consents`: `{"items": [...]}`, newest first."""
        caller = _customer(request)
        consents = await run_in_threadpool(self.service.list, customer_id=caller.sub)
        return JSONResponse({"items": [c.to_json() for c in consents]})

    async def get(self, request: Request) -> Response:
        """`GET /customers/me/bank-consents/{consentId}`."""
        caller = _customer(request)
        consent = await run_in_threadpool(
            self.service.get, customer_id=caller.sub, consent_id=request.path_params["consentId"]
        )
        return JSONResponse(consent.to_json())

    async def revoke(self, request: Request) -> Response:
        """`DELETE /customers/me/bank-consents/{consentId}`: 200 with the REVOKED consent."""
        caller = _customer(request)
        consent = await run_in_threadpool(
            self.service.revoke,
            customer_id=caller.sub,
            consent_id=request.path_params["consentId"],
        )
        return JSONResponse(consent.to_json())

    async def reconfirm(self, request: Request) -> Response:
        """`POST /customers/me/bank-consents/{consentId}/reconfirm`."""
        caller = _customer(request)
        consent = await run_in_threadpool(
            self.service.reconfirm,
            customer_id=caller.sub,
            consent_id=request.path_params["consentId"],
        )
        return JSONResponse(consent.to_json())

    async def data(self, request: Request) -> Response:
        """`GET /customers/me/bank-consents/{consentId}/data`: bank data under the consent."""
        caller = _customer(request)
        body = await run_in_threadpool(
            self.service.bank_data,
            customer_id=caller.sub,
            consent_id=request.path_params["consentId"],
            query=dict(request.query_params),
        )
        return JSONResponse(body)


def consent_routes(service: ConsentService) -> list[Route]:
    """The routes of the open-banking endpoints."""
    endpoints = ConsentEndpoints(service)
    one = f"{BASE}/{{consentId}}"
    return [
        Route(BASE, endpoints.grant, methods=["POST"]),
        Route(BASE, endpoints.list, methods=["GET"]),
        Route(one, endpoints.get, methods=["GET"]),
        Route(one, endpoints.revoke, methods=["DELETE"]),
        Route(f"{one}/reconfirm", endpoints.reconfirm, methods=["POST"]),
        Route(f"{one}/data", endpoints.data, methods=["GET"]),
    ]
