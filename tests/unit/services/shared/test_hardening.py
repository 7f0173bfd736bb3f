"""Security headers on every answer of a service, errors included, and headers too large for
any honest caller refused before routing."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.shared.hardening import MAX_HEADER_BYTES, SECURITY_HEADERS, HardeningMiddleware
from services.shared.request_boundary import ErrorBoundaryMiddleware

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def app() -> Starlette:
    async def ok(_: Request) -> Response:
        return JSONResponse({"ok": True})

    async def cached(_: Request) -> Response:
        return JSONResponse({"ok": True}, headers={"cache-control": "max-age=60"})

    async def broken(_: Request) -> Response:
        raise RuntimeError("boom")

    return Starlette(
        routes=[Route("/ok", ok), Route("/cached", cached), Route("/broken", broken)],
        # As the services stack them: an error becomes an answer inside the hardening.
        middleware=[
            Middleware(HardeningMiddleware),
            Middleware(ErrorBoundaryMiddleware, service="t"),
        ],
    )


def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://service.test")


@pytest.mark.parametrize("path", ["/ok", "/nowhere", "/broken"])
async def test_every_answer_carries_the_security_headers(path):
    async with client() as http:
        answer = await http.get(path)
    for name, value in SECURITY_HEADERS:
        assert answer.headers[name.decode()] == value.decode(), (path, name)


async def test_a_header_the_route_set_is_kept():
    async with client() as http:
        answer = await http.get("/cached")
    assert answer.headers.get_list("cache-control") == ["max-age=60"]


async def test_headers_past_the_limit_are_refused_before_routing():
    async with client() as http:
        within = await http.get("/ok", headers={"x-pad": "a" * (MAX_HEADER_BYTES - 1_000)})
        beyond = await http.get("/ok", headers={"x-pad": "a" * MAX_HEADER_BYTES})
    assert within.status_code == 200
    assert (beyond.status_code, beyond.json()["error"]) == (431, "ValidationError")
    assert beyond.headers["x-content-type-options"] == "nosniff"
