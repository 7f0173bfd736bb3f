"""`/applications`: shoppers apply for credit, read their applications; underwriters review
them and read their audit trails.

Shoppers call with their own token (forwarded by the credit proxy); the proxy also passes what
AppSync saw of the request (source IP, device id) in `X-Bnpl-Source-Ip` and `X-Bnpl-Device-Id`,
which the fraud check counts. In AWS only the proxy reaches this service (private VPC), so these
headers come from AppSync's own event.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.credit.applications.service import ApplicationService, Shopper
from services.shared.auth import CustomerPrincipal
from services.shared.errors import Unauthorized
from services.shared.http import principal, read_json
from services.shared.json_answers import JSONResponse

SOURCE_IP_HEADER = "x-bnpl-source-ip"
DEVICE_ID_HEADER = "x-bnpl-device-id"
_MAX_HEADER_CHARS = 128


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name, "").strip()
    return value[:_MAX_HEADER_CHARS] or None


def customer(request: Request) -> CustomerPrincipal:
    """The signed-in customer (or underwriter); merchants and services are refused."""
    verified = principal(request)
    if not isinstance(verified, CustomerPrincipal):
        raise Unauthorized("Credit applications are for signed-in customers")
    return verified


class ApplicationEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: ApplicationService) -> None:
        self.service = service

    async def apply(self, request: Request) -> Response:
        """`POST /applications`: the decided application (or an error; see the use case)."""
        who = customer(request)
        payload = await read_json(request)
        shopper = Shopper(
            sub=who.sub,
            groups=who.groups,
            authorization=f"Bearer {who.token}",
            device_id=_header(request, DEVICE_ID_HEADER),
            source_ip=_header(request, SOURCE_IP_HEADER),
        )
        application = await run_in_threadpool(self.service.apply, shopper=shopper, payload=payload)
        return JSONResponse(application.to_json())

    async def get(self, request: Request) -> Response:
        """`GET /applications/{id}`: to its customer or an underwriter; else 404."""
        who = customer(request)
        application = await run_in_threadpool(
            self.service.get,
            sub=who.sub,
            groups=who.groups,
            application_id=request.path_params["application_id"],
        )
        return JSONResponse(application.to_json())

    async def audit(self, request: Request) -> Response:
        """`GET /applications/{id}/audit`: its audit trail, to underwriters; else 404."""
        who = customer(request)
        entries = await run_in_threadpool(
            self.service.audit_trail,
            groups=who.groups,
            application_id=request.path_params["application_id"],
        )
        return JSONResponse({"items": [entry.to_json() for entry in entries]})

    async def review(self, request: Request) -> Response:
        """`POST /applications/{id}/review`: an underwriter settles a referral."""
        who = customer(request)
        payload = await read_json(request)
        application = await run_in_threadpool(
            self.service.review,
            sub=who.sub,
            groups=who.groups,
            application_id=request.path_params["application_id"],
            payload=payload,
        )
        return JSONResponse(application.to_json())


def application_routes(service: ApplicationService) -> list[Route]:
    """The routes of `/applications`."""
    endpoints = ApplicationEndpoints(service)
    return [
        Route("/applications", endpoints.apply, methods=["POST"]),
        Route("/applications/{application_id}", endpoints.get, methods=["GET"]),
        Route("/applications/{application_id}/review", endpoints.review, methods=["POST"]),
        Route("/applications/{application_id}/audit", endpoints.audit, methods=["GET"]),
    ]
