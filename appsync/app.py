"""The emulator's HTTP face: `POST /graphql` as AppSync answers it, GraphiQL on `GET /graphql`
(its assets under `/graphql/assets/`)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from appsync.api import AppSyncApi, MalformedRequest, Operation
from appsync.auth.iam import SignedRequest
from appsync.auth.lambda_authorizer import AuthorizationRequest
from appsync.auth.modes import Unauthenticated
from appsync.errors import request_error
from appsync.graphiql import ASSET_ROUTE, GraphiQLConfig, GraphiQLPage
from appsync.realtime import realtime_endpoint
from appsync.tracing import RESPONSE_HEADER, RequestTraceMiddleware, identify, with_trace

logger = logging.getLogger("appsync")

_MALFORMED = "MalformedHttpRequestException"


class _GraphQLResponse(JSONResponse):
    """JSON as Starlette writes it; text holding a lone surrogate (a client may send one, and a
    resolver may hand it back) goes out as its `\\u` escape instead of failing to encode."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


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


def _query_operation(params: Mapping[str, str]) -> Operation:
    """Take a GET request's query string apart: `query`, `variables` (JSON), `operationName`.

    AppSync serves GET as well as POST, for queries and mutations alike ("AppSync supports HTTP
    POST and GET for queries and mutations ... as query parameters in HTTP GET", the AppSync team
    in graphql/graphql-over-http#81; appsync.md §3).
    """
    query = params.get("query")
    if not query or not query.strip():
        raise MalformedRequest("Unable to parse GraphQL query.")
    variables: Any = None
    if params.get("variables"):
        try:
            variables = json.loads(params["variables"])
        except json.JSONDecodeError:
            raise MalformedRequest("Unable to parse GraphQL query.") from None
        if variables is not None and not isinstance(variables, dict):
            raise MalformedRequest("Variables must be a JSON object.")
    return Operation(query, variables, params.get("operationName") or None)


def _headers(request: Request) -> dict[str, str]:
    """The request's headers by lower-cased name (a repeated one: its last value), decoded from
    the ASGI scope as Starlette decodes them, without building Starlette's list of them first."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.scope["headers"]}


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


async def _answer(
    api: AppSyncApi, signed: SignedRequest, operation: Callable[[], Operation]
) -> dict[str, Any]:
    """Authenticate, then take the request apart and run it; refusals become `_Rejected`."""
    try:
        told = None
        if signed.method == "GET":  # the Lambda authorizer's view of a request with no body
            query = _safe(operation)
            if query is not None:
                told = AuthorizationRequest(
                    query=query.query,
                    operation_name=query.operation_name,
                    variables=query.variables,
                    headers=signed.headers,
                )
        caller = await api.authenticate(signed, authorization_request=told)
        identify(caller.identity)
        return await api.execute(operation(), caller=caller, headers=with_trace(signed.headers))
    except Unauthenticated as exc:
        raise _Rejected(401, "UnauthorizedException", exc.message) from None
    except MalformedRequest as exc:
        raise _Rejected(400, _MALFORMED, str(exc)) from None


def _safe(operation: Callable[[], Operation]) -> Operation | None:
    try:
        return operation()
    except MalformedRequest:
        return None


def create_app(
    api: AppSyncApi,
    *,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    graphiql: GraphiQLConfig | None = None,
) -> Starlette:
    """The ASGI app serving one API at `/graphql`, with `/health` for supervisors.

    Args:
        api: the API to serve.
        on_shutdown: coroutines to await when the server stops (closing data-source clients).
        graphiql: what the GraphiQL page offers and where its assets are; without it the page
            says it has no assets.
    """
    page = GraphiQLPage(api.config, graphiql or GraphiQLConfig())

    async def graphql(request: Request) -> Response:
        if request.method == "GET":
            # A browser opening the endpoint gets GraphiQL; a GET carrying a query runs it.
            accept = request.headers.get("accept", "")
            if "text/html" in accept and "query" not in request.query_params:
                return page.render(request)
        try:
            body = await (_get(request) if request.method == "GET" else _post(request))
            return _GraphQLResponse(body)
        except _Rejected as rejected:
            return request_error(rejected.status, rejected.error_type, rejected.message)

    async def _post(request: Request) -> dict[str, Any]:
        body = await _read_body(request, api.config.max_body_bytes)
        if body is None:
            limit = api.config.max_body_bytes
            raise _Rejected(413, _MALFORMED, f"Request body is larger than {limit} bytes.")
        if not body.strip():
            raise _Rejected(400, _MALFORMED, "Request body is empty.")
        headers = _headers(request)
        signed = SignedRequest(
            method="POST",
            url=str(request.url),
            headers=headers,
            body=body,
            source_ip=_source_ip(request),
        )
        return await _answer(api, signed, lambda: _operation(body))

    async def _get(request: Request) -> dict[str, Any]:
        headers = _headers(request)
        signed = SignedRequest(
            method="GET",
            url=str(request.url),
            headers=headers,
            body=b"",
            source_ip=_source_ip(request),
        )
        return await _answer(api, signed, lambda: _query_operation(request.query_params))

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "api": api.config.name})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        for close in on_shutdown:
            await close()

    async def options(_: Request) -> Response:
        # An OPTIONS that is not a CORS preflight (those the middleware answers).
        return Response(status_code=200, headers={"allow": ALLOWED_METHODS})

    # Subscriptions: AppSync's real-time protocol, which AppSync serves on its own
    # `appsync-realtime-api` host; here on the same port, at both paths clients dial.
    _, realtime = realtime_endpoint(api)
    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/graphql", options, methods=["OPTIONS"]),
            Route(ASSET_ROUTE, page.assets.serve, methods=["GET"]),
            WebSocketRoute("/graphql", realtime),
            WebSocketRoute("/graphql/realtime", realtime),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=[cors(), Middleware(RequestTraceMiddleware)],
    )


ALLOWED_METHODS = "GET, POST, OPTIONS"


def cors() -> Middleware:
    """Browsers call AppSync from any origin: it answers CORS preflights for every origin and
    for the headers a client asks to send (Amplify sends `authorization`, `x-api-key`,
    `x-amz-date`, `x-amz-security-token`, `x-amz-user-agent` and `content-type`; resolvers may
    read custom ones), and marks its answers readable by any origin. UNVERIFIED: the exact
    header values AppSync sends (the behaviour, any origin and any header, is what browser
    frontends rely on)."""
    return Middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        # The request id, so a browser client (GraphiQL) can show it.
        expose_headers=[RESPONSE_HEADER],
        max_age=86400,
    )
