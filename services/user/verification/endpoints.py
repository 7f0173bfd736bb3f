"""The HTTP face of verification: `/customers/me/verifications` (Starlette)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.shared.auth import CustomerPrincipal
from services.shared.errors import Unauthorized
from services.shared.http import principal, read_json
from services.shared.json_answers import JSONResponse
from services.user.verification.service import VerificationService


def _customer(request: Request) -> CustomerPrincipal:
    caller = principal(request)
    if not isinstance(caller, CustomerPrincipal):
        raise Unauthorized("Only customers may verify themselves")
    return caller


class VerificationEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: VerificationService) -> None:
        self.service = service

    async def start(self, request: Request) -> Response:
        """`POST /customers/me/verifications`: 201 with the challenge (the code is sent)."""
        caller = _customer(request)
        payload = await read_json(request)
        challenge = await run_in_threadpool(
            self.service.start, customer_id=caller.sub, payload=payload
        )
        return JSONResponse(challenge.to_json(), status_code=201)

    async def confirm(self, request: Request) -> Response:
        """`POST /customers/me/verifications/{challengeId}/confirm`: the verified customer."""
        caller = _customer(request)
        payload = await read_json(request)
        customer = await run_in_threadpool(
            self.service.confirm,
            customer_id=caller.sub,
            challenge_id=request.path_params["challengeId"],
            payload=payload,
        )
        return JSONResponse(customer.to_json())


def verification_routes(service: VerificationService) -> list[Route]:
    """The verification routes of the user service."""
    endpoints = VerificationEndpoints(service)
    return [
        Route("/customers/me/verifications", endpoints.start, methods=["POST"]),
        Route(
            "/customers/me/verifications/{challengeId}/confirm",
            endpoints.confirm,
            methods=["POST"],
        ),
    ]
