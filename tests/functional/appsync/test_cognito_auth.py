"""Cognito user pool tokens at the emulator: verified against the pool's JWKS as AppSync does."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.cognito import UserPoolConfig
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.lambda_function import LambdaDataSource

pytestmark = pytest.mark.anyio

POOL = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_TestPool1"
CLIENT = "web-client"
URL = "http://appsync.test/graphql"
SDL = """
type Query {
  whoami: String
  staff: String @aws_cognito_user_pools(cognito_groups: ["underwriters", "admins"])
}
"""
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()
    server.server_close()


def token(**overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "u-1",
        "iss": POOL,
        "aud": CLIENT,
        "token_use": "id",
        "cognito:username": "ada",
        "cognito:groups": ["customers"],
        "email": "ada@example.test",
        "iat": now,
        "exp": now + 600,
    }
    header = {"kid": "k1", **overrides.pop("header", {})}
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, KEY, "RS256", header)


def whoami(event: dict[str, Any], _: Any) -> str:
    identity = event["identity"]
    return f"{identity['sub']}|{identity['username']}|{identity['groups']}"


@pytest.fixture
async def client(jwks_url: str) -> Any:
    api = AppSyncApi(
        sdl=SDL,
        config=ApiConfig(
            default_mode=AuthMode.COGNITO,
            user_pool=UserPoolConfig(issuer=POOL, jwks_url=jwks_url, app_id_client_regex=CLIENT),
        ),
        bindings=[
            Binding(type_name="Query", field_name=f, data_source="fn") for f in ("whoami", "staff")
        ],
        data_sources={"fn": LambdaDataSource("fn", handler=whoami, function_name="whoami")},
        code_dir=Path(),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(api))) as http:
        yield http


async def ask(
    client: httpx.AsyncClient, authorization: str, query: str = "{ whoami }"
) -> httpx.Response:
    return await client.post(URL, json={"query": query}, headers={"authorization": authorization})


async def test_id_token_gives_appsyncs_cognito_identity(client):
    response = await ask(client, token())
    assert response.json() == {"data": {"whoami": "u-1|ada|['customers']"}}


async def test_access_token_with_bearer_prefix(client):
    access = token(
        aud=None, client_id=CLIENT, token_use="access", username="ada", **{"cognito:username": None}
    )
    response = await ask(client, f"Bearer {access}")
    assert response.json() == {"data": {"whoami": "u-1|ada|['customers']"}}


async def test_cognito_groups_any_one_suffices(client):
    assert (await ask(client, token(**{"cognito:groups": ["admins"]}), "{ staff }")).json() == {
        "data": {"staff": "u-1|ada|['admins']"}
    }
    denied = (await ask(client, token(), "{ staff }")).json()
    assert denied["data"] == {"staff": None}
    assert denied["errors"][0]["errorType"] == "Unauthorized"
    assert denied["errors"][0]["message"] == "Not Authorized to access staff on type Query"


def forge_unsigned() -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    claims = jwt.decode(token(), options={"verify_signature": False})
    return f"{part({'alg': 'none', 'kid': 'k1'})}.{part(claims)}."


def forge_hs256_with_public_key() -> str:
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = jwt.decode(token(), options={"verify_signature": False})
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}

    def part(obj: dict[str, Any]) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=")

    import hashlib
    import hmac

    signing_input = part(header) + b"." + part(claims)
    signature = base64.urlsafe_b64encode(
        hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    ).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


def tampered() -> str:
    header, payload, signature = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["admins"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        pytest.param(lambda: token(exp=int(time.time()) - 5), "Token has expired.", id="expired"),
        pytest.param(tampered, "You are not authorized to make this call.", id="tampered"),
        pytest.param(
            lambda: token(iss="https://evil.example"),
            "You are not authorized to make this call.",
            id="wrong-issuer",
        ),
        pytest.param(forge_unsigned, "You are not authorized to make this call.", id="alg-none"),
        pytest.param(
            forge_hs256_with_public_key,
            "You are not authorized to make this call.",
            id="hs256-public-key",
        ),
        pytest.param(
            lambda: token(aud="another-app"),
            "You are not authorized to make this call.",
            id="other-app-client",
        ),
        pytest.param(
            lambda: token(token_use="refresh"),
            "You are not authorized to make this call.",
            id="wrong-token-use",
        ),
        pytest.param(
            lambda: token(header={"kid": "unknown"}),
            "You are not authorized to make this call.",
            id="unknown-kid",
        ),
        pytest.param(
            lambda: "not-a-jwt", "You are not authorized to make this call.", id="garbage"
        ),
        pytest.param(lambda: "", "Valid authorization header not provided.", id="missing"),
    ],
)
async def test_bad_tokens_get_401_unauthorized_exception(client, authorization, message):
    response = await ask(client, authorization())
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"errorType": "UnauthorizedException", "message": message}]
    }
