"""The NONE data source (appsync.md §6.4): the request's `payload` comes back as `ctx.result`."""

from __future__ import annotations

import pytest

from appsync.bindings import Binding
from tests.conformance.resolvers.harness import build_api

pytestmark = pytest.mark.anyio

SDL = """
type Echo { id: ID! note: String }
type Query { echo(id: ID!): Echo }
"""
CODE = """
export function request(ctx) {
  return { version: '2018-05-29', payload: { id: ctx.args.id, note: 'via ' + ctx.info.fieldName } };
}
export function response(ctx) {
  return ctx.result;
}
"""


async def test_the_payload_comes_back_as_the_result(tmp_path, serve):
    api = build_api(
        tmp_path,
        sdl=SDL,
        bindings=[Binding(type_name="Query", field_name="echo", data_source="local", code="e.js")],
        data_sources={"local": None},
        code={"e.js": CODE},
    )
    body = await serve(api).query('{ echo(id: "e-1") { id note } }')
    assert body == {"data": {"echo": {"id": "e-1", "note": "via echo"}}}


async def test_a_request_without_payload_gives_a_null_result(tmp_path, serve):
    api = build_api(
        tmp_path,
        sdl=SDL,
        bindings=[Binding(type_name="Query", field_name="echo", data_source="local", code="e.js")],
        data_sources={"local": None},
        code={
            "e.js": "export function request(ctx) { return {}; }\n"
            "export function response(ctx) { return ctx.result; }\n"
        },
    )
    assert await serve(api).query('{ echo(id: "e-1") { id } }') == {"data": {"echo": None}}
