"""The user service's open-banking routes (Starlette): the customer's, under
`/customers/me/bank-consents`, and the bank's, `POST /bank/notifications`."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.shared.auth import CustomerPrincipal
from services.shared.errors import PayloadTooLarge, ServiceError, Unauthorized
from services.shared.http import principal, read_json
from services.shared.json_answers import JSONResponse
from services.user.consents.bank_secret import BankSecret
from services.user.consents.service import ConsentService

BASE = "/customers/me/bank-consents"
NOTIFICATIONS = "/bank/notifications"
# A notification is a few hundred bytes; nothing near this is one.
MAX_NOTIFICATION_BYTES = 16 * 1024


class ServiceUnavailable(ServiceError):  # noqa: N818 - the name is the wire code
    """The service cannot take this request now; the caller may retry later (HTTP 503)."""

    status = 503


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
        """`POST /customers/me/bank-consents/{consentId}/revoke`: 200 with the REVOKED consent
        (it stays readable, REVOKED: a revoke, not a delete)."""
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
        Route(f"{one}/revoke", endpoints.revoke, methods=["POST"]),
        Route(f"{one}/reconfirm", endpoints.reconfirm, methods=["POST"]),
        Route(f"{one}/data", endpoints.data, methods=["GET"]),
    ]


class NotificationEndpoints:
    """The bank's route: authenticated by the notification's signature, not by a token.

    Args:
        secret: the bank's webhook secret; while there is none every notification is refused
            with 503, so the bank keeps it for later.
    """

    def __init__(self, service: ConsentService, secret: BankSecret) -> None:
        self.service = service
        self.secret = secret

    async def receive(self, request: Request) -> Response:
        """`POST /bank/notifications`: 204 once applied, or when there is nothing to apply."""
        # Secrets Manager may be asked (in AWS): keep it off the event loop.
        verifier = await run_in_threadpool(self.secret.verifier)
        if verifier is None:
            raise ServiceUnavailable(
                "Bank notifications are not accepted: the user service has no bank webhook "
                "secret (BNPL_BANK_WEBHOOK_SECRET, or in AWS BNPL_BANK_WEBHOOK_SECRET_ARN)"
            )
        body = await _body(request, max_bytes=MAX_NOTIFICATION_BYTES)
        notification = verifier.verify(body, request.headers)
        await run_in_threadpool(self.service.apply_bank_notification, notification)
        return Response(status_code=204)


async def _body(request: Request, *, max_bytes: int) -> bytes:
    """The raw body, as signed, read no further than `max_bytes`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def notification_routes(service: ConsentService, secret: BankSecret) -> list[Route]:
    """The bank's routes; the app serves them without asking for a token."""
    endpoints = NotificationEndpoints(service, secret)
    return [Route(NOTIFICATIONS, endpoints.receive, methods=["POST"])]
