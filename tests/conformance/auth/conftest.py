"""Fixtures for the authorization conformance suite (appsync.md §1).

- `idp`: a real HTTP identity provider on a free port, serving an RSA and an EC signing key as a
  JWKS, OIDC discovery at `/.well-known/openid-configuration`, counting what it is asked.
- `serve(...)`: builds an `AppSyncApi` over an SDL whose every `Query`/`Mutation` field is bound to
  an in-process Lambda that answers with the caller's `ctx.identity` as JSON, and yields an httpx
  client on its ASGI app; everything it starts is closed after the test.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.lambda_function import LambdaDataSource

URL = "http://appsync.test/graphql"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


@dataclass
class IdentityProvider:
    """JWKS + OIDC discovery over real HTTP."""

    base_url: str = ""
    discovery_requests: int = 0
    jwks_requests: int = 0
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/keys"

    def sign(self, claims: dict[str, Any], *, algorithm: str = "RS256", kid: str = "") -> str:
        key: Any = EC_KEY if algorithm.startswith("ES") else RSA_KEY
        kid = kid or ("ec-1" if algorithm.startswith("ES") else "rsa-1")
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})

    def oidc_token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": "oidc-user-1",
            "iss": self.issuer,
            "aud": "web-app",
            "iat": now,
            "exp": now + 600,
            "email": "grace@example.test",
        }
        algorithm = overrides.pop("algorithm", "RS256")
        claims.update(overrides)
        return self.sign({k: v for k, v in claims.items() if v is not None}, algorithm=algorithm)


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    ec_jwk = json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key()))
    jwks = json.dumps(
        {"keys": [{**rsa_jwk, "kid": "rsa-1", "use": "sig"}, {**ec_jwk, "kid": "ec-1"}]}
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                provider.discovery_requests += 1
                body = json.dumps(
                    {"issuer": provider.issuer, "jwks_uri": provider.jwks_url}
                ).encode()
            elif self.path == "/keys":
                provider.jwks_requests += 1
                body = jwks
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.base_url = f"http://127.0.0.1:{server.server_port}"
    yield provider
    server.shutdown()
    server.server_close()
    thread.join()


def identity_echo(event: dict[str, Any], _: Any) -> str:
    """A direct Lambda resolver answering with what AppSync passed as `ctx.identity`."""
    return json.dumps(event["identity"], sort_keys=True)


def root_fields(sdl: str) -> list[tuple[str, str]]:
    """`(type, field)` of every root field declared in `sdl` (naive, for test SDLs)."""
    fields = []
    current = None
    for line in sdl.splitlines():
        stripped = line.strip()
        if stripped.startswith("type "):
            name = stripped.split()[1]
            current = name if name in ("Query", "Mutation") else None
        elif stripped.startswith("}"):
            current = None
        elif current and stripped and not stripped.startswith("#"):
            fields.append((current, stripped.split("(")[0].split(":")[0].strip()))
    return fields


Serve = Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve() -> Serve:
    """`async with serve(sdl, config) as client:` an emulator for one test."""

    @contextlib.asynccontextmanager
    async def start(
        sdl: str, config: ApiConfig, *, handler: Callable[[Any, Any], Any] = identity_echo
    ) -> AsyncIterator[httpx.AsyncClient]:
        source = LambdaDataSource("fn", handler=handler, function_name="fn")
        api = AppSyncApi(
            sdl=sdl,
            config=config,
            bindings=[
                Binding(type_name=t, field_name=f, data_source="fn") for t, f in root_fields(sdl)
            ],
            data_sources={"fn": source},
            code_dir=Path(),
        )
        try:
            transport = httpx.ASGITransport(app=create_app(api))
            async with httpx.AsyncClient(transport=transport) as client:
                yield client
        finally:
            api.authenticator.close()
            source.close()

    return start


async def post(
    client: httpx.AsyncClient,
    query: str,
    *,
    headers: dict[str, str] | None = None,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> httpx.Response:
    """POST one GraphQL operation the way a client does."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation_name is not None:
        body["operationName"] = operation_name
    return await client.post(URL, json=body, headers=headers or {})


def unauthorized_401(message: str = "You are not authorized to make this call.") -> dict[str, Any]:
    """AppSync's body for a request refused for its credentials (appsync.md §1.5)."""
    return {"errors": [{"errorType": "UnauthorizedException", "message": message}]}


def sigv4_headers(
    body: bytes, *, access_key_id: str, secret_access_key: str, region: str
) -> dict[str, str]:
    """Headers of a POST to `URL` signed with SigV4 for service `appsync`, as the AWS SDKs do."""
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"content-type": "application/json"}
    )
    SigV4Auth(Credentials(access_key_id, secret_access_key), "appsync", region).add_auth(request)
    return dict(request.headers.items())
