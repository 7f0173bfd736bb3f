"""APPSYNC_JS behaviours seen through the GraphQL endpoint (appsync.md §6, §8): the util
surface in a resolver on a NONE data source, the loop limit's error entry, and load-time
refusals of unsupported syntax."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from appsync.bindings import Binding
from appsync.js.runtime import JsCodeError
from tests.conformance.resolvers.harness import Client, build_api

pytestmark = pytest.mark.anyio

SDL = "type Query { stamp(ms: Float!, zone: String): String  total(items: [Int!]!): Int }"

STAMP = """import { util } from '@aws-appsync/utils';
export function request(ctx) {
  return { payload: util.time.epochMilliSecondsToFormatted(ctx.args.ms, 'yyyy-MM-dd HH:mm:ssZ',
    ctx.args.zone ?? 'Australia/Perth') };
}
export function response(ctx) { return ctx.result; }
"""

TOTAL = """export function request(ctx) {
  let n = 0;
  for (const x of ctx.args.items) { n += x; }
  return { payload: n };
}
export function response(ctx) { return ctx.result; }
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    api = build_api(
        tmp_path,
        sdl=SDL,
        bindings=[
            Binding(type_name="Query", field_name="stamp", data_source="none", code="stamp.js"),
            Binding(type_name="Query", field_name="total", data_source="none", code="total.js"),
        ],
        data_sources={"none": None},
        code={"stamp.js": STAMP, "total.js": TOTAL},
    )
    http = Client(api)
    yield http
    await http.aclose()


async def test_util_time_formats_in_a_named_zone(client: Client) -> None:
    """§6.2 util.time.epochMilliSecondsToFormatted with an IANA zone (AWS docs' example)."""
    body = await client.query("{ stamp(ms: 1517943695500) }")
    assert body == {"data": {"stamp": "2018-02-07 03:01:35+0800"}}


async def test_a_zone_known_only_at_run_time_is_an_error_entry(client: Client) -> None:
    body: Any = await client.query('{ stamp(ms: 0, zone: "Europe/Paris") }')
    assert body["data"] == {"stamp": None}
    assert "unknown time zone 'Europe/Paris'" in body["errors"][0]["message"]


async def test_the_loop_limit_is_an_error_entry(client: Client) -> None:
    """§8: a handler runs at most 1,000 loop iterations; the field resolves to null."""
    assert await client.query("{ total(items: [1, 2, 3]) }") == {"data": {"total": 6}}
    body: Any = await client.query("query($i: [Int!]!) { total(items: $i) }", {"i": [1] * 1001})
    assert body["data"] == {"total": None}
    [error] = body["errors"]
    assert error["path"] == ["total"]
    assert error["errorType"] == "LoopLimitExceeded"
    assert error["message"].startswith("Loop iteration limit exceeded")


async def test_unsupported_syntax_is_refused_when_the_api_starts(tmp_path: Path) -> None:
    """§6.1: code AppSync refuses at save time does not start locally either."""
    bad = TOTAL.replace("for (const x of ctx.args.items) { n += x; }", "while (n < 3) { n += 1; }")
    with pytest.raises(JsCodeError, match="while and do-while loops are not supported"):
        build_api(
            tmp_path,
            sdl=SDL,
            bindings=[
                Binding(type_name="Query", field_name="total", data_source="none", code="t.js")
            ],
            data_sources={"none": None},
            code={"t.js": bad},
        )
