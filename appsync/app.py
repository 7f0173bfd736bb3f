"""The emulator's HTTP face: `POST /graphql` as AppSync answers it, GraphiQL on `GET /graphql`."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from appsync.api import AppSyncApi, MalformedRequest, Operation
from appsync.auth.iam import SignedRequest
from appsync.auth.modes import Unauthenticated
from appsync.errors import request_error

logger = logging.getLogger("appsync")

_MALFORMED = "MalformedHttpRequestException"


class _Rejected(Exception):  # noqa: N818 - internal control flow, never escapes the app
    """The whole request is refused with an HTTP error status."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message = status, error_type, message


def _operation(body: bytes) -> Operation:
    """Take a POST body apart; AppSync answers 400 for anything that is not a GraphQL request."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedRequest("Unable to parse GraphQL query.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise MalformedRequest("Unable to parse GraphQL query.")
    variables = payload.get("variables")
    operation_name = payload.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise MalformedRequest("Variables must be a JSON object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise MalformedRequest("operationName must be a string.")
    return Operation(payload["query"], variables, operation_name)


def _source_ip(request: Request) -> list[str]:
    forwarded = [
        ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()
    ]
    peer = [request.client.host] if request.client else []
    return forwarded + peer


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None once it grows past `limit` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(
    api: AppSyncApi, *, on_shutdown: Sequence[Callable[[], Awaitable[None]]] = ()
) -> Starlette:
    """The ASGI app serving one API at `/graphql`, with `/health` for supervisors.

    Args:
        api: the API to serve.
        on_shutdown: coroutines to await when the server stops (closing data-source clients).
    """

    async def graphql(request: Request) -> Response:
        if request.method == "GET":
            if "text/html" in request.headers.get("accept", ""):
                return HTMLResponse(get_graphql_ide_html("graphiql"))
            return request_error(400, _MALFORMED, "Send GraphQL requests with POST.")
        try:
            return JSONResponse(await _post(request))
        except _Rejected as rejected:
            return request_error(rejected.status, rejected.error_type, rejected.message)

    async def _post(request: Request) -> dict[str, Any]:
        body = await _read_body(request, api.config.max_body_bytes)
        if body is None:
            limit = api.config.max_body_bytes
            raise _Rejected(413, _MALFORMED, f"Request body is larger than {limit} bytes.")
        if not body.strip():
            raise _Rejected(400, _MALFORMED, "Request body is empty.")
        headers = {k.lower(): v for k, v in request.headers.items()}
        signed = SignedRequest(
            method="POST",
            url=str(request.url),
            headers=headers,
            body=body,
            source_ip=_source_ip(request),
        )
        try:
            caller = await api.authenticate(signed)
            return await api.execute(_operation(body), caller=caller, headers=headers)
        except Unauthenticated as exc:
            raise _Rejected(401, "UnauthorizedException", exc.message) from None
        except MalformedRequest as exc:
            raise _Rejected(400, _MALFORMED, str(exc)) from None

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "api": api.config.name})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        for close in on_shutdown:
            await close()

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
        ],
    )
