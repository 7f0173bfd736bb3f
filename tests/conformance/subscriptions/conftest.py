"""Fixtures for the subscriptions conformance suite (appsync.md §7).

- `jwks_url`: a real HTTP server publishing the test user pool's signing key.
- `stack`: an `AppSyncApi` over `SDL` (NONE data sources, APPSYNC_JS resolvers written to a
  temporary folder), served by uvicorn on a free port in the test's event loop, with helpers to
  open AppSync real-time connections (the `websockets` client) and to run mutations over HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.cognito import UserPoolConfig
from appsync.auth.iam import IamConfig, IamPrincipal
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig

POOL = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_SubsPool1"
REGION = "eu-west-2"
ACCESS_KEY, SECRET_KEY = "AKIASUBSCRIPTIONS01", "subscription-test-secret-key"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
IAM_BASE_HEADERS = {
    "accept": "application/json, text/javascript",
    "content-encoding": "amz-1.0",
    "content-type": "application/json; charset=UTF-8",
}

SDL = """
type Meta @aws_cognito_user_pools @aws_iam { color: String! level: Int }
type Item @aws_cognito_user_pools @aws_iam {
  id: ID!
  name: String
  owner: String
  size: Int
  tags: [String]
  meta: Meta
}
input MetaInput { color: String! level: Int }
input ItemInput { id: ID! name: String owner: String size: Int tags: [String] meta: MetaInput }
type Query { ping: String }
type Mutation {
  putItem(input: ItemInput!): Item @aws_cognito_user_pools @aws_iam
  failItem(input: ItemInput!): Item @aws_iam
  otherItem(input: ItemInput!): Item @aws_iam
}
type Subscription {
  onItem(id: ID, owner: String): Item
    @aws_subscribe(mutations: ["putItem", "failItem"]) @aws_cognito_user_pools @aws_iam
  onItemIam(id: ID): Item @aws_subscribe(mutations: ["putItem"]) @aws_iam
  onBigItem(minSize: Int): Item
    @aws_subscribe(mutations: ["putItem"]) @aws_cognito_user_pools @aws_iam
  onAdminItem: Item @aws_subscribe(mutations: ["putItem"]) @aws_cognito_user_pools @aws_iam
}
"""

CODE = {
    "Mutation.putItem.js": """
export function request(ctx) { return { payload: ctx.arguments.input }; }
export function response(ctx) { return ctx.result; }
""",
    "Mutation.failItem.js": """
import { util } from '@aws-appsync/utils';
export function request(ctx) { return { payload: ctx.arguments.input }; }
export function response(ctx) { util.error('refused', 'Refused'); }
""",
    "Mutation.otherItem.js": """
export function request(ctx) { return { payload: ctx.arguments.input }; }
export function response(ctx) { return ctx.result; }
""",
    # Enhanced filtering, as the AWS guide writes it: the filter replaces argument filtering.
    "Subscription.onBigItem.js": """
import { util, extensions } from '@aws-appsync/utils';
export function request(ctx) { return { payload: null }; }
export function response(ctx) {
  const filter = ctx.args.minSize === 999
    ? { id: { in: ['a', 'b', 'c', 'd', 'e', 'f'] } }
    : { or: [{ size: { ge: ctx.args.minSize } }, { 'meta.color': { eq: 'gold' } }] };
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(filter));
  return null;
}
""",
    "Subscription.onAdminItem.js": """
import { util } from '@aws-appsync/utils';
export function request(ctx) { return { payload: null }; }
export function response(ctx) {
  if (ctx.identity && ctx.identity.groups && ctx.identity.groups.includes('admins')) {
    return null;
  }
  util.unauthorized();
}
""",
}


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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()
    server.server_close()
    thread.join()


def cognito_token(sub: str = "user-1", groups: tuple[str, ...] = ("customers",)) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "iss": POOL,
        "aud": "web-client",
        "token_use": "id",
        "cognito:username": sub,
        "cognito:groups": list(groups),
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, KEY, "RS256", {"kid": "k1"})


def iam_headers(host: str, data: str | None, *, secret: str = SECRET_KEY) -> dict[str, str]:
    """What gql and amplify-js send for IAM: SigV4 of POST https://<host>/graphql/connect with
    body {} for the connection, of POST https://<host>/graphql with `data` for a start."""
    request = AWSRequest(
        method="POST",
        url=f"https://{host}/graphql{'' if data else '/connect'}",
        data=data or "{}",
        headers=dict(IAM_BASE_HEADERS),
    )
    SigV4Auth(Credentials(ACCESS_KEY, secret), "appsync", REGION).add_auth(request)
    headers = dict(request.headers.items())
    headers["host"] = host
    return headers


def b64(value: dict[str, Any], *, url: bool = False) -> str:
    raw = json.dumps(value).encode()
    if url:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return base64.b64encode(raw).decode()


@dataclass
class Realtime:
    """One raw AppSync real-time connection."""

    ws: ClientConnection
    received: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self, *, timeout: float = 5.0, keep_alive: bool = False) -> dict[str, Any]:
        """The next message (`ka` skipped unless asked for)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            self.received.append(message)
            if keep_alive or message.get("type") != "ka":
                return dict(message)

    async def nothing(self, *, within: float = 0.3) -> None:
        """Assert no message other than `ka` arrives within `within` seconds."""
        with contextlib.suppress(TimeoutError):
            message = await self.recv(timeout=within)
            raise AssertionError(f"unexpected message: {message}")

    async def init(self) -> dict[str, Any]:
        await self.send({"type": "connection_init"})
        return await self.recv()

    async def start(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        auth: dict[str, str],
        subscription_id: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        sid = subscription_id or str(uuid.uuid4())
        data = json.dumps({"query": query, "variables": variables or {}})
        await self.send(
            {
                "id": sid,
                "type": "start",
                "payload": {"data": data, "extensions": {"authorization": auth}},
            }
        )
        return sid, await self.recv()


@dataclass
class Stack:
    """The API served over real HTTP and WebSockets."""

    api: AppSyncApi
    host: str
    http: httpx.AsyncClient
    _stack: contextlib.AsyncExitStack

    def cognito(self, **kwargs: Any) -> dict[str, str]:
        return {"host": self.host, "Authorization": cognito_token(**kwargs)}

    def iam(self, data: str | None = None) -> dict[str, str]:
        return iam_headers(self.host, data)

    async def connect(
        self,
        auth: dict[str, str] | None = None,
        *,
        via: str = "subprotocol",
        path: str = "/graphql/realtime",
        init: bool = True,
    ) -> Realtime:
        auth = auth if auth is not None else self.cognito()
        uri = f"ws://{self.host}{path}"
        subprotocols = ["graphql-ws"]
        headers: dict[str, str] = {}
        if via == "subprotocol":
            subprotocols.append(f"header-{b64(auth, url=True)}")
        elif via == "query":
            uri += f"?header={b64(auth)}&payload=e30="
        else:
            headers = {k: v for k, v in auth.items() if k.lower() != "host"}
        ws = await self._stack.enter_async_context(
            connect(
                uri, subprotocols=[Subprotocol(p) for p in subprotocols], additional_headers=headers
            )
        )
        realtime = Realtime(ws)
        if init:
            ack = await realtime.init()
            assert ack == {"type": "connection_ack", "payload": {"connectionTimeoutMs": 300000}}
        return realtime

    async def mutate(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run a mutation over HTTP, signed with SigV4 as a merchant backend signs it."""
        body = json.dumps({"query": query, "variables": variables})
        request = AWSRequest(
            method="POST",
            url=f"http://{self.host}/graphql",
            data=body,
            headers={"content-type": "application/json"},
        )
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "appsync", REGION).add_auth(request)
        response = await self.http.post(
            f"http://{self.host}/graphql", content=body, headers=dict(request.headers.items())
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def wait_for_subscribers(self, count: int) -> None:
        hub = self.api.publisher
        assert hub is not None
        for _ in range(200):
            if hub.__self__.subscriber_count == count:  # type: ignore[attr-defined]
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} subscribers")


def build_api(code_dir: Path, jwks: str) -> AppSyncApi:
    for name, text in CODE.items():
        (code_dir / name).write_text(text, encoding="utf-8")
    bindings = [
        Binding(type_name=type_name, field_name=field_name, data_source="none", code=name)
        for name in CODE
        for type_name, field_name in [name.removesuffix(".js").split(".")]
    ]
    config = ApiConfig(
        name="subscriptions",
        default_mode=AuthMode.COGNITO,
        additional_modes=(AuthMode.IAM,),
        user_pool=UserPoolConfig(issuer=POOL, jwks_url=jwks),
        iam=IamConfig(
            region=REGION,
            principals=(
                IamPrincipal(
                    access_key_id=ACCESS_KEY,
                    secret_access_key=SECRET_KEY,
                    account_id="123456789012",
                    user_arn="arn:aws:iam::123456789012:user/merchant",
                    username="merchant",
                ),
            ),
        ),
    )
    return AppSyncApi(
        sdl=SDL, config=config, bindings=bindings, data_sources={"none": None}, code_dir=code_dir
    )


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free local port, in this event loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        ws="websockets-sansio",
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def stack(tmp_path: Path, jwks_url: str) -> AsyncIterator[Stack]:
    api = build_api(tmp_path, jwks_url)
    async with contextlib.AsyncExitStack() as exits:
        host = await exits.enter_async_context(serving(create_app(api)))
        http = await exits.enter_async_context(httpx.AsyncClient(timeout=10))
        # Connections opened by the test close before the server stops (LIFO).
        sockets = await exits.enter_async_context(contextlib.AsyncExitStack())
        yield Stack(api=api, host=host, http=http, _stack=sockets)
