"""Browsers call AppSync from any origin: CORS preflights are answered, answers are readable.

A frontend on `https://shop.example` posting to the API sends a preflight `OPTIONS /graphql`
first, asking for the headers Amplify sets; without a CORS answer the browser never sends the
query (it got HTTP 405 before).
"""

from __future__ import annotations

import httpx
import pytest

from appsync.app import create_app
from tests.conformance.resolvers.harness import build_api, signed_headers

pytestmark = pytest.mark.anyio

AMPLIFY_HEADERS = (
    "authorization",
    "content-type",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-user-agent",
    "x-api-key",
)
ORIGIN = "https://shop.example"


@pytest.fixture
async def http(tmp_path):
    api = build_api(
        tmp_path,
        sdl="type Query { ping: String }",
        bindings=[],
        data_sources={},
    )
    transport = httpx.ASGITransport(app=create_app(api))
    async with httpx.AsyncClient(transport=transport, base_url="http://appsync.test") as client:
        yield client


async def test_a_preflight_from_any_origin_is_allowed_with_amplifys_headers(http):
    response = await http.options(
        "/graphql",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": ", ".join(AMPLIFY_HEADERS),
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert allowed >= set(AMPLIFY_HEADERS)


async def test_a_custom_header_a_resolver_reads_may_be_sent_too(http):
    response = await http.options(
        "/graphql",
        headers={
            "origin": "http://localhost:5173",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-bnpl-device-id",
        },
    )
    assert response.status_code == 200
    assert "x-bnpl-device-id" in response.headers["access-control-allow-headers"].lower()


async def test_the_answer_itself_is_readable_by_the_calling_origin(http):
    body = b'{"query": "{ __typename }"}'
    headers = {**signed_headers(body), "origin": ORIGIN}
    response = await http.post("/graphql", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["access-control-allow-origin"] == "*"


async def test_an_options_request_that_is_no_preflight_gets_the_allowed_methods(http):
    response = await http.options("/graphql")
    assert response.status_code == 200
    assert response.headers["allow"] == "GET, POST, OPTIONS"
