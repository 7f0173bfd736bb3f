"""FieldResolver runs an APPSYNC_JS resolver in two phases, and releases the held ctx always.

The data source is a real HTTP endpoint on 127.0.0.1 (an asyncio server), so the resolver awaits
a real request between the phases.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import ExecutionResult, GraphQLSchema, build_schema, graphql

from appsync.auth.modes import AuthMode, Caller
from appsync.bindings import Binding
from appsync.datasources.http import HttpDataSource
from appsync.js.runtime import JsRuntime
from appsync.resolver import FieldResolver, RequestContext

pytestmark = pytest.mark.anyio

RESOLVER = (
    "import { util } from '@aws-appsync/utils';\n"
    "export function request(ctx) {\n"
    "  ctx.stash.asked = ctx.args.path;\n"
    "  if (ctx.args.path === 'not-an-object') { return 'GET /'; }\n"
    "  return { method: 'GET', resourcePath: '/' + ctx.args.path };\n"
    "}\n"
    "export function response(ctx) {\n"
    "  if (ctx.error) { util.error(ctx.error.message, 'DependencyFailure'); }\n"
    "  return `${ctx.stash.asked}: ${ctx.result.statusCode} ${ctx.result.body}`;\n"
    "}\n"
)


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers `/ok` at once; leaves any other path waiting until the client goes away."""
    line = await reader.readline()
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    if b" /ok " in line:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi")
        await writer.drain()
    else:
        await reader.read()
    writer.close()


@pytest.fixture
async def endpoint() -> AsyncIterator[str]:
    # A data-source call the caller gave up on runs on until its client is closed (the data
    # source shields it, so the connection pool stays whole): its handler ends after the test.
    handlers: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        await _serve(reader, writer)
        await writer.wait_closed()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"
        await asyncio.gather(*handlers)


@pytest.fixture
def runtime() -> JsRuntime:
    runtime = JsRuntime()
    runtime.load("Query.fetch", RESOLVER)
    return runtime


def schema_for(resolver: FieldResolver) -> GraphQLSchema:
    schema = build_schema("type Query { fetch(path: String!): String }")
    schema.query_type.fields["fetch"].resolve = resolver  # type: ignore[union-attr]
    return schema


async def run(runtime: JsRuntime, endpoint: str, path: str) -> ExecutionResult:
    async with httpx.AsyncClient(timeout=1.0) as client:
        source = HttpDataSource("api", endpoint=endpoint, client=client)
        binding = Binding(type_name="Query", field_name="fetch", data_source="api", code="x.js")
        schema = schema_for(FieldResolver(binding, source, runtime))
        caller = Caller(mode=AuthMode.IAM, identity={"accountId": "1"})
        result = await graphql(
            schema,
            "query ($p: String!) { fetch(path: $p) }",
            variable_values={"p": path},
            context_value=RequestContext(caller=caller, headers={}),
        )
        return result


async def test_the_response_handler_sees_the_stash_and_result(
    runtime: JsRuntime, endpoint: str
) -> None:
    result = await run(runtime, endpoint, "ok")
    assert result.errors is None
    assert result.data == {"fetch": "ok: 200 hi"}
    assert runtime.pending_calls() == 0


async def test_a_failing_data_source_call_releases_the_ctx(
    runtime: JsRuntime, endpoint: str
) -> None:
    result = await run(runtime, endpoint, "not-an-object")
    assert result.errors is not None
    assert result.errors[0].message == "The request handler must return an object."
    assert runtime.pending_calls() == 0


async def test_a_cancelled_data_source_call_releases_the_ctx(
    runtime: JsRuntime, endpoint: str
) -> None:
    task = asyncio.create_task(run(runtime, endpoint, "slow"))
    while runtime.pending_calls() == 0:  # the request phase ran; the data source is awaited
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runtime.pending_calls() == 0


async def test_a_transport_failure_reaches_the_response_handler(runtime: JsRuntime) -> None:
    result = await run(runtime, "http://127.0.0.1:9", "ok")  # nothing listens on port 9
    assert result.errors is not None
    assert result.errors[0].path == ["fetch"]
    assert runtime.pending_calls() == 0
