"""The user-pool API's wire format, before any user is looked at: routing by X-Amz-Target, AWS
JSON 1.1 bodies, Cognito's error shape and CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bnpl.idp.app import create_app
from bnpl.idp.cors import ALLOWED_HEADERS
from bnpl.idp.provider import Provider

pytestmark = pytest.mark.anyio

AMZ_JSON = "application/x-amz-json-1.1"


def no_user_pool() -> Provider:
    raise AssertionError("these requests never reach the user pool")


@pytest.fixture
async def client(dev_settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(dev_settings, user_pool_factory=no_user_pool)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://idp.test") as http:
        yield http


def target(operation: str) -> dict[str, str]:
    return {
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
        "Content-Type": AMZ_JSON,
    }


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        pytest.param(target("AdminCreateUser"), b"{}", "UnknownOperationException", id="op"),
        pytest.param(
            {"X-Amz-Target": "SomeOtherService.SignUp", "Content-Type": AMZ_JSON},
            b"{}",
            "UnknownOperationException",
            id="service",
        ),
        pytest.param(
            {**target("SignUp"), "Content-Type": "application/json"},
            b"{}",
            "SerializationException",
            id="content-type",
        ),
        pytest.param(target("SignUp"), b"{not json", "SerializationException", id="json"),
        pytest.param(target("SignUp"), b"[1, 2]", "SerializationException", id="not-object"),
        pytest.param(
            target("SignUp"), b'{"a": "' + b"x" * 70_000 + b'"}', "SerializationException", id="big"
        ),
    ],
)
async def test_malformed_requests_get_aws_json_errors(client, headers, body, error):
    response = await client.post("/", content=body, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == AMZ_JSON
    assert response.json()["__type"] == error
    assert response.json()["message"]
    assert response.headers["x-amzn-errortype"].split(":")[0] == error
    assert response.headers["x-amzn-requestid"]


async def test_any_origin_may_preflight_the_user_pool_api(client):
    response = await client.options(
        "/",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent,"
            "cache-control",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "POST"
    allowed = response.headers["access-control-allow-headers"].split(",")
    assert set(allowed) == set(ALLOWED_HEADERS)
    assert {"authorization", "x-amz-target", "x-amz-user-agent", "cache-control"} <= set(allowed)


@pytest.mark.parametrize(
    ("method", "headers"),
    [("GET", "content-type"), ("POST", "x-custom-header")],
)
async def test_a_preflight_for_anything_else_is_refused(client, method, headers):
    response = await client.options(
        "/",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


async def test_answers_to_any_origin_carry_cors_headers(client):
    response = await client.post(
        "/", content=b"{}", headers={**target("Nope"), "Origin": "https://shop.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "x-amzn-ErrorType" in response.headers["access-control-expose-headers"]


async def test_the_other_routes_keep_their_local_only_cors(client):
    response = await client.post(
        "/dev/tokens", json={"persona": "approve"}, headers={"Origin": "https://shop.example"}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = await client.options(
        "/dev/tokens",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
