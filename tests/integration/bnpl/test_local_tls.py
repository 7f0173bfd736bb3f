"""The whole `bnpl dev` stack over real TLS: the emulator's GraphQL and real-time endpoints and
the identity provider over HTTPS/WSS, verified against the stack's own CA (and nothing else),
beside the plain HTTP that the CLI and the other tests keep using."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bnpl.commands import amplify_config
from bnpl.devstack import RunningStack, running_stack
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.settings import CREDIT_SERVICE_ACCESS_KEY_ID, CREDIT_SERVICE_SECRET_ACCESS_KEY
from bnpl.tls import trusting
from services.credit.checkouts.updates import AppSyncCheckoutUpdates

pytestmark = pytest.mark.e2e

ME = "{ me { id email } }"
ON_UPDATED = "subscription S($id: ID!) { onCheckoutUpdated(id: $id) { id status customerId } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("tls-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def secure(stack: RunningStack) -> Iterator[httpx.Client]:
    """A client that trusts the stack's CA and nothing else."""
    with httpx.Client(verify=trusting(stack.ca_path), timeout=30) as client:
        yield client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def token_for(stack: RunningStack, persona: str = "approve") -> str:
    who = PERSONAS[persona]
    return mint_token(stack.settings, sub=who.sub, email=who.email, groups=who.groups)


def written_config(stack: RunningStack) -> dict[str, Any]:
    """The Amplify configuration `bnpl dev` wrote into its data folder."""
    path = stack.settings.data_dir / amplify_config.CONFIG_FILE
    config: dict[str, Any] = json.loads(path.read_text())
    return config


def test_the_written_amplify_config_points_at_the_stacks_https_listeners(stack):
    assert written_config(stack) == amplify_config.resources_config(stack.settings)
    outputs = json.loads((stack.settings.data_dir / amplify_config.OUTPUTS_FILE).read_text())
    assert outputs == amplify_config.outputs(stack.settings)
    log = stack.log()
    assert str(stack.settings.data_dir / amplify_config.CONFIG_FILE) in log
    assert f"Trust the local CA once: {stack.ca_path}" in log


def test_a_query_over_https_at_the_amplify_endpoint_succeeds(stack, secure):
    endpoint = written_config(stack)["API"]["GraphQL"]["endpoint"]
    assert endpoint.startswith("https://")

    response = secure.post(
        endpoint, json={"query": ME}, headers={"authorization": token_for(stack)}
    )

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["me"]["email"] == PERSONAS["approve"].email


def test_plain_http_still_answers_the_same(stack, secure):
    headers = {"authorization": token_for(stack)}
    over_tls = secure.post(
        amplify_config.graphql_endpoint(stack.settings), json={"query": ME}, headers=headers
    )
    plain = httpx.post(stack.settings.graphql_url, json={"query": ME}, headers=headers, timeout=30)

    assert plain.status_code == 200
    assert plain.json() == over_tls.json()
    assert "errors" not in plain.json()


def test_the_certificate_is_good_for_localhost_as_well(stack, secure):
    answer = secure.get(f"https://localhost:{stack.settings.appsync_tls_port}/health")
    assert answer.status_code == 200


def test_a_client_that_does_not_trust_the_local_ca_is_refused(stack):
    with httpx.Client(timeout=30) as system_cas, pytest.raises(httpx.ConnectError):
        system_cas.get(f"{stack.settings.https_url(stack.settings.appsync_tls_port)}/health")


def test_the_identity_providers_jwks_over_https_is_the_one_over_http(stack, secure):
    path = f"/{stack.settings.user_pool_id}/.well-known/jwks.json"
    idp = written_config(stack)["Auth"]["Cognito"]["userPoolEndpoint"]

    over_tls = secure.get(f"{idp}{path}")
    plain = httpx.get(f"{stack.settings.url(stack.settings.idp_port)}{path}", timeout=30)

    assert over_tls.status_code == 200
    assert over_tls.json()["keys"]
    assert over_tls.json() == plain.json()


def subprotocols(token: str, host: str) -> list[Subprotocol]:
    """What aws-amplify >= 6.6 sends: `graphql-ws` and the credentials as `header-<base64url>`."""
    header = json.dumps({"Authorization": token, "host": host}).encode()
    encoded = base64.urlsafe_b64encode(header).decode().rstrip("=")
    return [Subprotocol("graphql-ws"), Subprotocol(f"header-{encoded}")]


async def receive(ws: ClientConnection, wanted: str) -> dict[str, Any]:
    """The next message of type `wanted`, skipping keep-alives."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 15))
        if message["type"] != "ka":
            assert message["type"] == wanted, message
            return message


def publish_over_http(stack: RunningStack, checkout: dict[str, Any]) -> bool:
    """publishCheckoutUpdate over plain HTTP, signed as the credit service signs it."""
    with httpx.Client(timeout=30) as http:
        publisher = AppSyncCheckoutUpdates(
            url=stack.settings.graphql_url,
            region=stack.settings.region,
            credentials=lambda: Credentials(
                CREDIT_SERVICE_ACCESS_KEY_ID, CREDIT_SERVICE_SECRET_ACCESS_KEY
            ),
            http=http,
            page_url="https://127.0.0.1:4445",
            lanes=1,
        )
        try:
            return publisher.publish_now(checkout)
        finally:
            publisher.close()


@pytest.mark.anyio
async def test_a_subscriber_over_wss_is_acked_and_hears_a_mutation_sent_over_http(stack):
    """Where Amplify dials for a non-AppSync host (`wss://<host>/graphql/realtime`): the
    connection is acked, the subscription started, and an update published through the plain
    HTTP listener reaches it, since one emulator serves both."""
    sub = f"tls-{uuid.uuid4()}"
    token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test", groups=("customers",))
    host = f"{stack.settings.host}:{stack.settings.appsync_tls_port}"
    checkout_id = f"chk_{uuid.uuid4().hex}"
    async with connect(
        f"wss://{host}/graphql/realtime",
        subprotocols=subprotocols(token, host),
        ssl=trusting(stack.ca_path),
    ) as ws:
        assert ws.subprotocol == "graphql-ws"
        await ws.send(json.dumps({"type": "connection_init"}))
        ack = await receive(ws, "connection_ack")
        assert ack["payload"] == {"connectionTimeoutMs": 300000}

        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "start",
                    "payload": {
                        "data": json.dumps({"query": ON_UPDATED, "variables": {"id": checkout_id}}),
                        "extensions": {"authorization": {"Authorization": token, "host": host}},
                    },
                }
            )
        )
        assert (await receive(ws, "start_ack"))["id"] == "1"

        money = {"amount": 1000, "currency": "GBP"}
        checkout = {
            "id": checkout_id,
            "merchantId": "m_sandbox",
            "merchantReference": "over-tls",
            "amount": money,
            "items": [{"sku": "S", "name": "Socks", "quantity": 1, "unitPrice": money}],
            "status": "APPROVED",
            "customerId": sub,
            "expiresAt": "2030-01-01T00:00:00Z",
            "createdAt": "2029-12-31T00:00:00Z",
        }
        assert await asyncio.to_thread(publish_over_http, stack, checkout)

        data = await receive(ws, "data")
        assert data["id"] == "1"
        assert data["payload"] == {
            "data": {
                "onCheckoutUpdated": {"id": checkout_id, "status": "APPROVED", "customerId": sub}
            }
        }
