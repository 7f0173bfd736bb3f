"""One request's fan-out cannot take the API down (appsync/admission.py, datasources/http.py).

A document of a thousand aliases of an HTTP-resolved field, sent to a real HTTP server over
real sockets: it runs in bounded waves, every field resolves, other callers are answered while
it runs, the JS runtime never drops a parked context, the connection pool survives calls the
request deadline gives up on, overload is answered at once with AppSync's error shape, and the
emulator logs one line per request however many fields failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from appsync.admission import AdmissionLimits
from appsync.api import AppSyncApi
from appsync.bindings import Binding
from appsync.datasources.http import HttpDataSource, pooled_client
from appsync.js.runtime import JsRuntime
from tests.conformance.resolvers.harness import URL, Client, config, signed_headers
from tests.conformance.subscriptions.conftest import serving

pytestmark = pytest.mark.anyio

SDL = "type Query { item(n: Int): Int }"
ITEM_JS = """
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return { method: 'GET', resourcePath: '/item', params: { query: { n: `${ctx.args.n}` } } };
}
export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return JSON.parse(ctx.result.body).n;
}
"""
BINDINGS = [
    Binding(type_name="Query", field_name="item", data_source="api", code="item.js"),
]


@dataclass
class Backend:
    """The HTTP service behind the data source: counts requests in flight, and holds them
    while `hold` is clear."""

    hold: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    most_in_flight: int = 0
    served: int = 0

    def app(self) -> Starlette:
        async def item(request: Request) -> JSONResponse:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                await self.hold.wait()
                self.served += 1
                return JSONResponse({"n": int(request.query_params["n"])})
            finally:
                self.in_flight -= 1

        return Starlette(routes=[Route("/item", item)])

    async def until_in_flight(self, count: int) -> None:
        while self.in_flight < count:
            await asyncio.sleep(0.01)


@pytest.fixture
async def backend() -> AsyncIterator[tuple[Backend, str]]:
    service = Backend()
    async with serving(service.app()) as host:
        yield service, f"http://{host}"
        service.hold.set()  # let anything still held finish before the server stops


@contextlib.asynccontextmanager
async def api_over(
    tmp_path: Path,
    endpoint: str,
    *,
    connections: int = 64,
    factory: Callable[[], httpx.AsyncClient] | None = None,
    js: JsRuntime | None = None,
    **settings: Any,
) -> AsyncIterator[Client]:
    """The API over `item.js`, its data source a pool of `connections` (built by `factory`)."""
    (tmp_path / "item.js").write_text(ITEM_JS, encoding="utf-8")
    source = HttpDataSource(
        "api",
        endpoint=endpoint,
        client_factory=factory or (lambda: pooled_client(10.0, max_connections=connections)),
        max_connections=connections,
    )
    api = AppSyncApi(
        sdl=SDL,
        config=config(**settings),
        bindings=BINDINGS,
        data_sources={"api": source},
        code_dir=tmp_path,
        js=js,
    )
    client = Client(api)
    try:
        yield client
    finally:
        await client.aclose()
        await source.aclose()


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: item(n: {i})" for i in range(count)) + " }"


async def test_a_flood_of_aliases_runs_in_bounded_waves_and_every_field_resolves(tmp_path, backend):
    service, endpoint = backend
    limits = AdmissionLimits(per_request=4, per_api=8)
    async with api_over(tmp_path, endpoint, admission=limits) as client:
        flood = asyncio.create_task(client.query(aliases(300)))
        await service.until_in_flight(4)
        service.hold.set()
        body = await flood
    assert body == {"data": {f"a{i}": i for i in range(300)}}
    assert service.served == 300
    assert service.most_in_flight == 4


async def test_more_fields_than_the_js_runtime_parks_all_resolve(tmp_path, backend):
    """Each field parks its ctx in the JS runtime between its two handlers; past `max_pending`
    the oldest would be dropped (an InternalError). The API's slots never allow that many."""
    service, endpoint = backend
    service.hold.set()
    js = JsRuntime(max_pending=32)
    limits = AdmissionLimits(per_request=16, per_api=32)
    async with api_over(tmp_path, endpoint, js=js, admission=limits) as client:
        body = await client.query(aliases(500))
    assert "errors" not in body
    assert body["data"] == {f"a{i}": i for i in range(500)}


def test_the_api_refuses_more_slots_than_its_js_runtime_can_park(tmp_path):
    with pytest.raises(ValueError, match="max_pending"):
        AppSyncApi(
            sdl=SDL,
            config=config(admission=AdmissionLimits(per_request=4, per_api=64)),
            bindings=[],
            data_sources={},
            code_dir=tmp_path,
            js=JsRuntime(max_pending=32),
        )


async def test_another_callers_request_is_answered_while_a_flood_waits(tmp_path, backend):
    service, endpoint = backend
    limits = AdmissionLimits(per_request=4, per_api=16)
    async with api_over(tmp_path, endpoint, admission=limits) as client:
        flood = asyncio.create_task(client.query(aliases(1000)))
        await service.until_in_flight(4)
        # The flood holds its four slots and waits on the service; a small request of someone
        # else still runs its field through the same data source.
        other = asyncio.create_task(client.query("{ item(n: 7) }"))
        await service.until_in_flight(5)
        assert not flood.done()
        service.hold.set()
        assert await other == {"data": {"item": 7}}
        body = await flood
    assert body["data"] == {f"a{i}": i for i in range(1000)}
    assert service.most_in_flight == 5


async def churn(request: Request) -> JSONResponse:
    """Answers after a moment and closes the connection: the pool makes new ones all along."""
    await asyncio.sleep(0.001)
    return JSONResponse({"n": int(request.query_params["n"])}, headers={"connection": "close"})


async def test_the_pool_survives_calls_the_deadline_cuts_off(tmp_path):
    """With connections coming and going, the request's deadline cuts off thousands of calls,
    some just as the pool hands them a new connection. httpcore's pool can lose that slot for
    good (encode/httpcore#1093); without the data source's gate and shield, all four slots of
    this pool were lost after 30 such requests and every later call timed out."""
    async with (
        serving(Starlette(routes=[Route("/item", churn)])) as host,
        api_over(tmp_path, f"http://{host}", connections=4, request_timeout_s=0.05) as hurried,
    ):
        for _ in range(30):
            await hurried.query(aliases(200))
        # The same data source behind an API with AppSync's own 30 s limit.
        source = hurried.api._resolvers["Query.item"]._data_source  # type: ignore[union-attr]
        patient = Client(
            AppSyncApi(
                sdl=SDL,
                config=config(),
                bindings=BINDINGS,
                data_sources={"api": source},
                code_dir=tmp_path,
            )
        )
        try:
            assert await patient.query(aliases(8)) == {"data": {f"a{i}": i for i in range(8)}}
        finally:
            await patient.aclose()


async def test_a_pool_that_times_out_is_replaced(tmp_path, backend, caplog):
    """A pool that lost its slots (httpcore can leak one when a waiting request is cancelled)
    answers PoolTimeout forever; the data source replaces it, and logs that once."""
    service, endpoint = backend
    service.hold.set()
    made: list[httpx.AsyncClient] = []
    leaked: list[Any] = []

    def factory() -> httpx.AsyncClient:
        client = pooled_client(10.0, max_connections=1)
        client.timeout = httpx.Timeout(10.0, pool=0.2)
        made.append(client)
        return client

    async with api_over(tmp_path, endpoint, connections=1, factory=factory) as client:
        assert await client.query("{ item(n: 1) }") == {"data": {"item": 1}}
        # Take the only connection of the pool and never give it back: a lost slot.
        stream = made[0].stream("GET", f"{endpoint}/item", params={"n": "0"})
        leaked.append(await stream.__aenter__())
        with caplog.at_level(logging.WARNING, logger="appsync"):
            failed = await client.query("{ item(n: 2) }")
            assert failed["errors"][0]["errorType"] == "HttpError"
            assert failed["errors"][0]["message"] == "PoolTimeout"
            assert await client.query("{ item(n: 3) }") == {"data": {"item": 3}}
        await stream.__aexit__(None, None, None)
    assert len(made) == 2
    replaced = [r for r in caplog.records if "connection pool timed out" in r.getMessage()]
    assert len(replaced) == 1


async def test_overload_is_answered_at_once_with_appsyncs_error_shape(tmp_path, backend, caplog):
    service, endpoint = backend
    limits = AdmissionLimits(per_request=1, per_api=1, wait_s=0.2)
    async with api_over(tmp_path, endpoint, admission=limits) as client:
        first = asyncio.create_task(client.query("{ item(n: 1) }"))
        await service.until_in_flight(1)
        with caplog.at_level(logging.WARNING, logger="appsync"):
            body = await client.query(aliases(30))
        # Answered while the first request still holds the API's only slot.
        assert not first.done()
        service.hold.set()
        assert await first == {"data": {"item": 1}}
    assert body["data"]["a0"] is None
    assert len(body["errors"]) == 30
    assert {e["errorType"] for e in body["errors"]} == {"LimitExceededError"}
    error = body["errors"][0]
    assert set(error) == {"path", "data", "errorType", "errorInfo", "locations", "message"}
    assert "Traceback" not in error["message"]
    # Thirty refused fields, one log line.
    overload = [r for r in caplog.records if "no data-source slot" in r.getMessage()]
    assert len(overload) == 1


async def test_fields_past_the_resolver_count_limit_are_logged_once(tmp_path, backend, caplog):
    service, endpoint = backend
    service.hold.set()
    async with api_over(tmp_path, endpoint, resolver_count_limit=10) as client:
        with caplog.at_level(logging.INFO, logger="appsync"):
            body = await client.query(aliases(1100))
    refused = [e for e in body["errors"] if e["errorType"] == "ResolverExecutionLimitReached"]
    assert len(refused) == 1090
    assert service.served == 10
    records = [r for r in caplog.records if r.name == "appsync"]
    assert len(records) == 1
    assert "1090 resolvers refused past the resolver count limit of 10" in records[0].getMessage()


async def test_a_resolver_that_breaks_is_one_internal_error_each_and_one_traceback(
    tmp_path, backend, caplog, monkeypatch
):
    service, endpoint = backend
    service.hold.set()
    async with api_over(tmp_path, endpoint) as client:
        source = client.api._resolvers["Query.item"]._data_source  # type: ignore[union-attr]

        async def broken(request: Any) -> Any:
            raise RuntimeError("emulator bug: secret detail")

        monkeypatch.setattr(source, "send", broken)
        with caplog.at_level(logging.INFO, logger="appsync"):
            body = await client.query(aliases(50))
    assert {e["errorType"] for e in body["errors"]} == {"InternalError"}
    assert all(e["message"] == "An internal error occurred." for e in body["errors"])
    assert "secret detail" not in str(body)
    records = [r for r in caplog.records if r.name == "appsync"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "50 resolvers failed inside the emulator" in records[0].getMessage()


async def test_a_document_past_appsyncs_query_length_is_refused_before_it_is_read(
    tmp_path, backend
):
    """AppSync's quota: 15,000 tokens a query. `a0: item(n: 0)` is 8 tokens: 1,874 aliases and
    their braces fit, 1,875 do not; the longer document is refused whole, no field runs."""
    service, endpoint = backend
    service.hold.set()
    async with api_over(tmp_path, endpoint, resolver_count_limit=10) as client:
        fits = await client.query(aliases(1874))
        assert fits["errors"][0]["errorType"] == "ResolverExecutionLimitReached"
        body = json.dumps({"query": aliases(1875)}).encode()
        response = await client._http.post(URL, content=body, headers=signed_headers(body))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "errorType": "MalformedHttpRequestException",
                "message": "The query exceeds the maximum of 15000 tokens.",
            }
        ]
    }
    assert service.served == 10
