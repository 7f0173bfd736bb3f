"""Request ids and trace headers, as AppSync gives them: every answer names its request in
`x-amzn-RequestId`; resolvers see the request's `x-amzn-trace-id` (continuing the caller's trace
root) in `ctx.request.headers`, beside the request id, and HTTP data sources receive both."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from appsync.app import create_app
from appsync.bindings import Binding
from appsync.datasources.http import HttpDataSource
from tests.conformance.resolvers.harness import URL, build_api, signed_headers

pytestmark = pytest.mark.anyio

SDL = """
type Query { whoami: String  profile: String }
"""
HTTP_CODE = """
export function request(ctx) {
  return { method: 'GET', resourcePath: '/profile', params: { headers: { accept: 'text/plain' } } };
}
export function response(ctx) { return ctx.result.body; }
"""
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ROOT = "1-6b14344d-eb4fcbefb9acda40b29a8652"


@pytest.fixture
def upstream() -> list[httpx.Request]:
    """What the HTTP data source's endpoint received."""
    return []


@pytest.fixture
def api(tmp_path, make_lambda, upstream):
    def answer(request: httpx.Request) -> httpx.Response:
        upstream.append(request)
        return httpx.Response(200, text="profile")

    function, recorder = make_lambda("fn", lambda event: "me")
    built = build_api(
        tmp_path,
        sdl=SDL,
        bindings=[
            Binding(type_name="Query", field_name="whoami", data_source="fn"),
            Binding(type_name="Query", field_name="profile", data_source="users", code="p.js"),
        ],
        data_sources={
            "fn": function,
            "users": HttpDataSource(
                "users",
                endpoint="http://users.test",
                client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
            ),
        },
        code={"p.js": HTTP_CODE},
    )
    return built, recorder


async def post(api: Any, query: str, **headers: str) -> httpx.Response:
    body = json.dumps({"query": query}).encode()
    transport = httpx.ASGITransport(app=create_app(api))
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.post(URL, content=body, headers={**signed_headers(body), **headers})


async def test_every_answer_names_its_request(api):
    built, _ = api
    first = await post(built, "{ whoami }")
    second = await post(built, "{ whoami }")
    assert first.json() == {"data": {"whoami": "me"}}
    ids = [first.headers["x-amzn-RequestId"], second.headers["x-amzn-RequestId"]]
    assert all(UUID.match(i) for i in ids)
    assert ids[0] != ids[1]


async def test_refused_requests_are_named_too(api):
    built, _ = api
    transport = httpx.ASGITransport(app=create_app(built))
    async with httpx.AsyncClient(transport=transport) as client:
        unsigned = await client.post(URL, json={"query": "{ whoami }"})
        malformed = await client.post(URL, content=b"meow", headers=signed_headers(b"meow"))
    assert (unsigned.status_code, malformed.status_code) == (401, 400)
    assert UUID.match(unsigned.headers["x-amzn-RequestId"])
    assert UUID.match(malformed.headers["x-amzn-RequestId"])


async def test_a_direct_lambda_event_carries_the_trace_header_and_request_id(api):
    built, recorder = api
    response = await post(built, "{ whoami }")
    [event] = recorder.events
    headers = event["request"]["headers"]
    assert headers["x-amzn-requestid"] == response.headers["x-amzn-RequestId"]
    fields = dict(part.split("=", 1) for part in headers["x-amzn-trace-id"].split(";"))
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", fields["Root"])
    assert re.fullmatch(r"[0-9a-f]{16}", fields["Parent"])


async def test_the_callers_trace_root_is_continued(api):
    built, recorder = api
    await post(built, "{ whoami }", **{"X-Amzn-Trace-Id": f"Root={ROOT};Sampled=1"})
    [event] = recorder.events
    assert f"Root={ROOT};" in event["request"]["headers"]["x-amzn-trace-id"]


async def test_a_malformed_trace_header_starts_a_new_trace(api):
    built, recorder = api
    await post(built, "{ whoami }", **{"X-Amzn-Trace-Id": "Root=1-zz;Sampled=1"})
    [event] = recorder.events
    root = event["request"]["headers"]["x-amzn-trace-id"].split(";")[0]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", root)


async def test_an_http_data_source_receives_the_request_id_and_trace(api, upstream):
    built, _ = api
    response = await post(built, "{ profile }", **{"X-Amzn-Trace-Id": f"Root={ROOT}"})
    assert response.json() == {"data": {"profile": "profile"}}
    [sent] = upstream
    assert sent.headers["x-amzn-requestid"] == response.headers["x-amzn-RequestId"]
    assert sent.headers["x-amzn-trace-id"].startswith(f"Root={ROOT};Parent=")
    assert sent.headers["accept"] == "text/plain"  # what the handler set is kept
