"""The Starlette glue both REST services share: auth, JSON errors, body limits, request logs.

Every answer that is not a success is JSON `{"error": <code>, "message": ...}` with a stable code;
an unexpected exception becomes a generic 500 `InternalError` (the traceback goes to the server
log, never to the caller). A path no route takes is a JSON 404, never a redirect.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from pynamodb.exceptions import PynamoDBConnectionError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from services.shared import trace
from services.shared.auth import CustomerPrincipal, Principal, TokenVerifier
from services.shared.errors import (
    DependencyFailure,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    ServiceError,
    ValidationError,
)
from services.shared.hardening import HardeningMiddleware
from services.shared.ids import is_valid_text, printable_name
from services.shared.json_answers import JSONResponse, error_response
from services.shared.logs import configure_logging
from services.shared.metrics import NO_METRICS, MetricsSink
from services.shared.request_boundary import ErrorBoundaryMiddleware

logger = logging.getLogger("services.http")


MAX_BODY_BYTES = 64 * 1024
# A body of at most MAX_BODY_BYTES arrives in milliseconds; one trickled in more slowly holds a
# connection and a worker's slot for nothing.
BODY_READ_TIMEOUT_S = 10.0
PUBLIC_PATHS = frozenset({"/health", "/openapi.json"})
# HTTP resolvers put the caller's token here: in AWS, AppSync signs the call to API Gateway with
# SigV4, which takes the Authorization header for itself.
FORWARDED_AUTHORIZATION = "x-forwarded-authorization"
# Which IAM caller the credit proxy speaks for (`checkouts.callers` trusts it from the proxy only).
_CALLER_ARN = "x-bnpl-caller-arn"
_HTTP_CODES = {404: NotFound.code, 405: "MethodNotAllowed"}


async def _service_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette raises these for unknown paths and methods; answer them in our shape too.
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, ValidationError.code)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    return JSONResponse(
        {"error": code, "message": exc.detail}, status_code=exc.status_code, headers=headers
    )


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route takes on the request's path, for a 405's `Allow` (RFC 9110).

    Starlette names only the methods of the first route on the path; a path here has one route
    per method, so it would leave out all but one.
    """
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.methods and route.matches(scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


# DynamoDB answers that mean "not now" rather than "your request is wrong": the caller may retry.
_STORAGE_UNAVAILABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


async def _storage_error(request: Request, exc: Exception) -> Response:
    # A store that cannot be reached or is throttling is a dependency failure (502), which the
    # caller may retry; any other storage error is our bug and stays a generic 500.
    assert isinstance(exc, PynamoDBConnectionError)
    if exc.cause_response_code is not None and exc.cause_response_code not in _STORAGE_UNAVAILABLE:
        raise exc
    logger.warning("storage unavailable on %s %s: %s", request.method, request.url.path, exc)
    return error_response(DependencyFailure("The data store is unavailable; try again"))


EXCEPTION_HANDLERS: Mapping[Any, Callable[[Request, Exception], Any]] = {
    ServiceError: _service_error,
    HTTPException: _http_error,
    PynamoDBConnectionError: _storage_error,
}


async def read_json(request: Request, *, max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The request body as a JSON object, read no further than `max_bytes`.

    Raises:
        PayloadTooLarge: the body is larger than `max_bytes` (HTTP 413).
        RequestTimeout: the body took longer than `BODY_READ_TIMEOUT_S` to arrive (HTTP 408).
        ValidationError: the body is empty, not UTF-8 JSON, or not a JSON object.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_READ_TIMEOUT_S):
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise RequestTimeout(
            f"The request body did not arrive within {BODY_READ_TIMEOUT_S:g} seconds"
        ) from None
    body = b"".join(chunks)
    if not body.strip():
        raise ValidationError("Request body is empty; send a JSON object")
    try:
        payload = json.loads(body, parse_float=_number)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser goes is no JSON we could use either.
        raise ValidationError("Request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ValidationError("Request body must be a JSON object")
    _refuse_lone_surrogates(payload)
    return payload


# Integers beyond this are not exact as floats; no input of ours goes near it.
_EXACT_FLOAT_INTEGERS = 2**53


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: an int when its value is whole.

    JSON (and the JSON Schema of our documents) does not tell `62.0` from `62`; every integer
    input (amounts, quantities, instalment numbers) must take either spelling.
    """
    value = float(text)
    if value.is_integer() and abs(value) < _EXACT_FLOAT_INTEGERS:
        return int(value)
    return value


def _refuse_lone_surrogates(payload: dict[str, Any]) -> None:
    """Raise a ValidationError naming the first string, key or value, that is not valid Unicode.

    JSON may escape a lone surrogate (`"\\ud800"`) and `json.loads` keeps it; no UTF-8 encoder
    (DynamoDB's, our answers') takes one, so such text would fail far from here.
    """
    # Iterative, depth first in document order: the body's nesting is bounded only by its size.
    pending: list[tuple[str, Any]] = [("", payload)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if not is_valid_text(value):
                raise ValidationError(
                    f"{path} is not valid Unicode text (it has a lone surrogate)", field=path
                )
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                name = f"{path}.{printable_name(key)}" if path else printable_name(key)
                if not is_valid_text(key):
                    raise ValidationError(
                        f"{name} is not valid Unicode text (it has a lone surrogate)", field=name
                    )
                children.append((name, item))
            pending.extend(reversed(children))
        elif isinstance(value, list):
            pending.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value))))


def principal(request: Request) -> Principal:
    """The verified caller `AuthMiddleware` put on the request."""
    caller: Principal = request.state.principal
    return caller


class AuthMiddleware:
    """Verifies the caller's JWT on every route but the public ones; 401 when it does not hold.

    The verified `Principal` is put on `request.state.principal`. The token is read from
    `X-Forwarded-Authorization` when present (HTTP resolvers), else from `Authorization`.
    """

    def __init__(
        self, app: ASGIApp, *, verifier: TokenVerifier, public_paths: frozenset[str] = PUBLIC_PATHS
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.public_paths:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get(FORWARDED_AUTHORIZATION) or request.headers.get(
            "authorization"
        )
        try:
            # Verification may fetch the key set over HTTP: keep it off the event loop.
            caller = await run_in_threadpool(self.verifier.verify, header)
        except ServiceError as error:
            await error_response(error)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = caller
        trace.set_caller(_caller_name(caller, request))
        await self.app(scope, receive, send)


def _caller_name(caller: Principal, request: Request) -> str:
    """Who a log line names: a customer's sub; for the credit proxy, the IAM caller it speaks
    for (a merchant's principal), else its own client id."""
    if isinstance(caller, CustomerPrincipal):
        return caller.sub
    return request.headers.get(_CALLER_ARN) or caller.client_id


def create_service_app(
    *,
    service: str,
    routes: Sequence[BaseRoute],
    verifier: TokenVerifier,
    openapi: Mapping[str, Any],
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
    public_routes: Sequence[Route] = (),
    metrics: MetricsSink = NO_METRICS,
) -> Starlette:
    """A service's ASGI app: its routes plus `/health`, `/openapi.json`, auth and error handling.

    Args:
        service: the service's name, for logs and the health answer.
        routes: the service's own routes; every one of them requires a valid token.
        verifier: checks the callers' tokens.
        openapi: the service's OpenAPI document, served as is.
        lifespan: opens and closes what the service holds (clients, pools).
        public_routes: routes on fixed paths that authenticate their callers themselves (a
            signed webhook): no token is asked for on those paths.
    """
    configure_logging(service)
    document = dict(openapi)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": service})

    async def openapi_json(_: Request) -> Response:
        return JSONResponse(document)

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/openapi.json", openapi_json, methods=["GET"]),
            *routes,
            *public_routes,
        ],
        middleware=[
            Middleware(HardeningMiddleware),
            Middleware(ErrorBoundaryMiddleware, service=service, metrics=metrics),
            Middleware(
                AuthMiddleware,
                verifier=verifier,
                public_paths=PUBLIC_PATHS | {route.path for route in public_routes},
            ),
        ],
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=lifespan,
    )
    # Starlette would answer `/things/` with a 307 to `/things`: callers (the credit proxy, HTTP
    # resolvers) do not follow redirects, and an empty id must be a 404 like any unknown one.
    app.router.redirect_slashes = False
    return app
