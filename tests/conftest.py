"""Fixtures shared by every test tier.

- Tokens: a test RSA key, a real HTTP identity provider (JWKS and the OAuth2 client-credentials
  token endpoint) on a free port, and `make_token(...)`, which mints Cognito-shaped JWTs.
- DynamoDB: one DynamoDB Local, in memory, started the first time a test asks for it and shared
  by the session; every test module gets its own table prefix.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.shared.settings import Settings, cognito_issuer

USER_POOL_ID = "us-east-1_bnplTest"
WEB_CLIENT_ID = "bnpl-test-web"
SERVICE_CLIENT_ID = "bnpl-test-credit-proxy"
SERVICE_CLIENT_SECRET = "bnpl-test-credit-proxy-secret"
ISSUER = cognito_issuer("us-east-1", USER_POOL_ID)
KID = "test-key-1"
# Nothing listens here: a test that forgot to ask for DynamoDB fails fast instead of reaching AWS.
UNREACHABLE_DYNAMODB = "http://127.0.0.1:9"

MakeToken = Callable[..., str]


# ---------------------------------------------------------------- signing keys and the IdP


@dataclass
class IdentityProvider:
    """A real HTTP identity provider: the JWKS at Cognito's path and a client-credentials
    token endpoint for the service app client. It counts what it is asked."""

    key: rsa.RSAPrivateKey
    kid: str = KID
    jwks_requests: int = 0
    token_requests: int = 0
    token_ttl_s: int = 3600
    refuse_tokens: bool = False
    # Issue tokens that are already expired while promising `expires_in`: a skewed issuer.
    expired_tokens: bool = False
    base_url: str = ""
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/{USER_POOL_ID}/.well-known/jwks.json"

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/oauth2/token"

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, **headers})

    def service_token(self, *, ttl_s: int | None = None) -> str:
        now = int(time.time())
        return self.sign(
            {
                "sub": SERVICE_CLIENT_ID,
                "client_id": SERVICE_CLIENT_ID,
                "token_use": "access",
                "scope": "bnpl/merchant-proxy",
                "iss": ISSUER,
                "iat": now,
                "exp": now - 60 if self.expired_tokens else now + (ttl_s or self.token_ttl_s),
                "jti": str(uuid.uuid4()),
            }
        )

    def start(self) -> None:
        provider = self
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwks = json.dumps({"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]})

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != f"/{USER_POOL_ID}/.well-known/jwks.json":
                    self._answer(404, {"error": "not_found"})
                    return
                provider.jwks_requests += 1
                self._answer(200, json.loads(jwks))

            def do_POST(self) -> None:
                if self.path != "/oauth2/token":
                    self._answer(404, {"error": "not_found"})
                    return
                provider.token_requests += 1
                length = int(self.headers.get("content-length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                expected = f"{SERVICE_CLIENT_ID}:{SERVICE_CLIENT_SECRET}".encode()
                basic = "Basic " + base64.b64encode(expected).decode()
                if provider.refuse_tokens or self.headers.get("authorization") != basic:
                    self._answer(401, {"error": "invalid_client"})
                elif form.get("grant_type") != ["client_credentials"]:
                    self._answer(400, {"error": "unsupported_grant_type"})
                else:
                    token = provider.service_token()
                    body = {"access_token": token, "expires_in": provider.token_ttl_s}
                    self._answer(200, {**body, "token_type": "Bearer"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    """The key the test identity provider signs with (its public half is in the JWKS)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    """A key nobody publishes: tokens signed with it must be refused."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def identity_provider(signing_key: rsa.RSAPrivateKey) -> Iterator[IdentityProvider]:
    provider = IdentityProvider(key=signing_key)
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def idp(identity_provider: IdentityProvider) -> Iterator[IdentityProvider]:
    """The session's identity provider, with its counters and switches reset for this test."""
    reset(identity_provider)
    yield identity_provider
    reset(identity_provider)


def reset(provider: IdentityProvider) -> None:
    provider.jwks_requests = provider.token_requests = 0
    provider.token_ttl_s = 3600
    provider.refuse_tokens = provider.expired_tokens = False


def service_environ(provider: IdentityProvider) -> dict[str, str]:
    """Environment for `Settings.from_environ` pointing at the test identity provider."""
    return {
        "AWS_REGION": "us-east-1",
        "BNPL_DYNAMODB_ENDPOINT": UNREACHABLE_DYNAMODB,
        "BNPL_TABLE_PREFIX": "test-",
        "BNPL_COGNITO_ISSUER": ISSUER,
        "BNPL_COGNITO_JWKS_URL": provider.jwks_url,
        "BNPL_COGNITO_CLIENT_IDS": WEB_CLIENT_ID,
        "BNPL_SERVICE_CLIENT_ID": SERVICE_CLIENT_ID,
        "BNPL_SERVICE_CLIENT_SECRET": SERVICE_CLIENT_SECRET,
        "BNPL_TOKEN_ENDPOINT": provider.token_endpoint,
        "BNPL_HTTP_TIMEOUT_S": "5",
    }


@pytest.fixture
def settings(idp: IdentityProvider) -> Settings:
    """Settings for code that verifies tokens but keeps no data."""
    return Settings.from_environ(service_environ(idp))


@pytest.fixture
def make_token(idp: IdentityProvider) -> MakeToken:
    """Mint a Cognito-shaped token signed by the test identity provider.

    `make_token(sub=..., email=..., groups=..., token_use="id", client_id=..., exp_delta=...,
    key=..., headers=..., **overrides)`: overrides replace claims, and an override of None
    removes the claim.
    """

    def mint(
        *,
        sub: str = "customer-1",
        email: str | None = "shopper@example.test",
        groups: tuple[str, ...] = ("customers",),
        token_use: str = "id",
        client_id: str = WEB_CLIENT_ID,
        exp_delta: int = 3600,
        key: rsa.RSAPrivateKey | None = None,
        headers: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": ISSUER,
            "token_use": token_use,
            "auth_time": now,
            "iat": now,
            "exp": now + exp_delta,
            "jti": str(uuid.uuid4()),
        }
        if groups:
            claims["cognito:groups"] = list(groups)
        if token_use == "id":
            claims |= {"aud": client_id, "cognito:username": sub}
            if email is not None:
                claims |= {"email": email, "email_verified": True}
        else:
            claims |= {"client_id": client_id, "username": sub}
        claims |= overrides
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(
            claims,
            key or idp.key,
            algorithm="RS256",
            headers={"kid": idp.kid, **(headers or {})},
        )

    return mint


# ---------------------------------------------------------------- DynamoDB Local


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    """The endpoint of the session's DynamoDB Local (in memory), started on first use."""
    from bnpl.dynamodb_local import DynamoDBLocal

    with pytest.MonkeyPatch.context() as patch:
        # DynamoDB Local accepts any credentials, but botocore insists on having some; fake
        # ones also guarantee that nothing here can reach a real AWS account.
        patch.setenv("AWS_ACCESS_KEY_ID", "local")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "local")
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        patch.delenv("AWS_PROFILE", raising=False)
        with DynamoDBLocal() as database:
            yield database.endpoint


@pytest.fixture(scope="module")
def ddb_settings(dynamodb_local: str, identity_provider: IdentityProvider) -> Settings:
    """Settings on DynamoDB Local with tables of this test module's own, created and empty."""
    from bnpl.tables import create_tables

    prefix = f"t{uuid.uuid4().hex[:8]}-"
    environ = service_environ(identity_provider)
    environ |= {"BNPL_DYNAMODB_ENDPOINT": dynamodb_local, "BNPL_TABLE_PREFIX": prefix}
    configured = Settings.from_environ(environ)
    create_tables(configured)
    return configured


@pytest.fixture
def scan(ddb_settings: Settings) -> Callable[[str], list[dict[str, Any]]]:
    """Every item of one of the module's tables, by short name (`scan("checkouts")`)."""
    import boto3

    client = boto3.client(
        "dynamodb", endpoint_url=ddb_settings.dynamodb_endpoint, region_name=ddb_settings.region
    )

    def items(short_name: str) -> list[dict[str, Any]]:
        table = ddb_settings.table_name(short_name)
        return list(client.scan(TableName=table, ConsistentRead=True)["Items"])

    return items
