"""A real AppSync client, not written here, against the whole local stack (`bnpl dev`).

graphql-python/gql ships AppSync transports: `AppSyncWebsocketsTransport` speaks AppSync's real-time
protocol (`header`/`payload` query parameters, `start` with a stringified `data`, `start_ack`,
SigV4 over `/graphql/connect` and over each start's `data` for IAM), and its aiohttp transport
signs HTTP requests with `AppSyncIAMAuthentication` or sends a Cognito token with
`AppSyncJWTAuthentication`. If the emulator accepts what gql sends and gql accepts what the
emulator answers, the emulator speaks AppSync (appsync.md §7.2, §11).

gql derives the realtime URL from an `https://…appsync-api…` URL; for a local host it is given
the WebSocket URL directly (`ws://<host>/graphql/realtime`), and `host` in the auth objects is the
emulator's `host:port`, which is what the signatures cover.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from botocore.credentials import Credentials
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.appsync_auth import (
    AppSyncAuthentication,
    AppSyncIAMAuthentication,
    AppSyncJWTAuthentication,
)
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportQueryError

from bnpl.devstack import RunningStack, running_stack
from bnpl.idp.tokens import mint_token
from bnpl.settings import (
    CREDIT_SERVICE_ACCESS_KEY_ID,
    CREDIT_SERVICE_SECRET_ACCESS_KEY,
    SANDBOX_MERCHANT_ACCESS_KEY_ID,
    SANDBOX_MERCHANT_ID,
    SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
)

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

CREATE = """
mutation Create($input: CreateCheckoutInput!) {
  createCheckout(input: $input) {
    id merchantId merchantReference status customerId expiresAt createdAt redirectUrl
    amount { amount currency } items { sku name quantity unitPrice { amount currency } }
  }
}"""
GET = "query Get($id: ID!) { checkout(id: $id) { id status merchantReference } }"
PUBLISH = """
mutation Publish($input: CheckoutUpdateInput!) {
  publishCheckoutUpdate(input: $input) {
    id merchantId status merchantReference customerId amount { amount currency }
  }
}"""
ON_UPDATED = """
subscription OnUpdated($id: ID!) {
  onCheckoutUpdated(id: $id) { id status amount { amount } customerId }
}"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("clients")) as running:
        yield running


def host_of(stack: RunningStack) -> str:
    return urlparse(stack.settings.graphql_url).netloc


def merchant(stack: RunningStack) -> AppSyncIAMAuthentication:
    """The sandbox merchant's backend: SigV4 with its (botocore) credentials."""
    credentials = Credentials(SANDBOX_MERCHANT_ACCESS_KEY_ID, SANDBOX_MERCHANT_SECRET_ACCESS_KEY)
    return AppSyncIAMAuthentication(
        host=host_of(stack), credentials=credentials, region_name=stack.settings.region
    )


def credit_service(stack: RunningStack) -> AppSyncIAMAuthentication:
    """The credit service, the one publisher of checkout updates: SigV4 with its credentials."""
    credentials = Credentials(CREDIT_SERVICE_ACCESS_KEY_ID, CREDIT_SERVICE_SECRET_ACCESS_KEY)
    return AppSyncIAMAuthentication(
        host=host_of(stack), credentials=credentials, region_name=stack.settings.region
    )


def customer(stack: RunningStack, sub: str | None = None) -> AppSyncJWTAuthentication:
    """A signed-in shopper: the Cognito ID token the checkout page holds."""
    sub = sub or f"e2e-{uuid.uuid4()}"
    token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test", groups=("customers",))
    return AppSyncJWTAuthentication(host=host_of(stack), jwt=token)


def http_client(stack: RunningStack, auth: AppSyncAuthentication) -> Client:
    transport = AIOHTTPTransport(url=stack.settings.graphql_url, auth=auth, ssl=False)
    return Client(transport=transport, execute_timeout=30)


def realtime_client(stack: RunningStack, auth: AppSyncAuthentication) -> Client:
    transport = AppSyncWebsocketsTransport(url=f"ws://{host_of(stack)}/graphql/realtime", auth=auth)
    return Client(transport=transport)


def request(query: str, **variables: Any) -> GraphQLRequest:
    return GraphQLRequest(query, variable_values=variables)


async def create_checkout(stack: RunningStack) -> dict[str, Any]:
    amount = {"amount": 2599, "currency": "GBP"}
    checkout_input = {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": f"gql-{uuid.uuid4()}",
        "amount": amount,
        "items": [{"sku": "S1", "name": "Socks", "quantity": 1, "unitPrice": amount}],
    }
    async with http_client(stack, merchant(stack)) as session:
        result = await session.execute(request(CREATE, input=checkout_input))
    checkout: dict[str, Any] = result["createCheckout"]
    return checkout


async def test_query_and_mutation_over_gql_http_with_iam(stack: RunningStack) -> None:
    """gql's aiohttp transport, SigV4-signed by AppSyncIAMAuthentication: a mutation, then a
    query reading what it wrote."""
    created = await create_checkout(stack)
    assert created["status"] == "CREATED"
    async with http_client(stack, merchant(stack)) as session:
        fetched = await session.execute(request(GET, id=created["id"]))
    assert fetched["checkout"] == {
        "id": created["id"],
        "status": "CREATED",
        "merchantReference": created["merchantReference"],
    }


async def test_publishing_needs_iam(stack: RunningStack) -> None:
    """publishCheckoutUpdate is IAM only (docs/api.md): a customer's token is denied the field."""
    created = await create_checkout(stack)
    async with http_client(stack, customer(stack)) as session:
        with pytest.raises(TransportQueryError) as denied:
            await session.execute(request(PUBLISH, input=update_of(created, "APPROVED", "c-1")))
    assert denied.value.errors is not None
    assert denied.value.errors[0]["errorType"] == "Unauthorized"


async def test_a_merchant_cannot_publish_a_spoofed_update(stack: RunningStack) -> None:
    """The sandbox merchant signs publishCheckoutUpdate with its own keys: its IAM policy grants
    the merchant fields only, so the field is Unauthorized and no subscriber hears a thing."""
    created = await create_checkout(stack)
    spoofed = {**update_of(created, "CAPTURED", "c-1"), "merchantReference": "SPOOFED"}
    async with http_client(stack, merchant(stack)) as session:
        with pytest.raises(TransportQueryError) as denied:
            await session.execute(request(PUBLISH, input=spoofed))
    assert denied.value.errors is not None
    (error,) = denied.value.errors
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access publishCheckoutUpdate on type Mutation"


def update_of(checkout: dict[str, Any], status: str, customer_id: str) -> dict[str, Any]:
    return {
        "id": checkout["id"],
        "merchantId": checkout["merchantId"],
        "merchantReference": checkout["merchantReference"],
        "amount": checkout["amount"],
        "items": checkout["items"],
        "status": status,
        "customerId": customer_id,
        "expiresAt": checkout["expiresAt"],
        "createdAt": checkout["createdAt"],
        "redirectUrl": checkout["redirectUrl"],
    }


async def first_heard(
    stack: RunningStack,
    auth: AppSyncAuthentication,
    checkout_id: str,
    updates: list[dict[str, Any]],
) -> dict[str, Any]:
    """Subscribe with `auth` to `checkout_id`, have the credit service publish `updates` in turn
    until the subscription hears one, and return the first update it heard."""
    async with realtime_client(stack, auth) as realtime:

        async def first_update() -> dict[str, Any]:
            async for result in realtime.subscribe(request(ON_UPDATED, id=checkout_id)):
                return dict(result)
            raise AssertionError("the subscription ended without an update")

        received = asyncio.create_task(first_update())
        async with http_client(stack, credit_service(stack)) as publisher:
            # gql exposes no start_ack hook: publish until the registered subscription hears one.
            for _ in range(100):
                for update in updates:
                    await publisher.execute(request(PUBLISH, input=update))
                done, _ = await asyncio.wait({received}, timeout=0.1)
                if done:
                    break
        return await asyncio.wait_for(received, 10)


@pytest.mark.parametrize("who", ["customer", "merchant"])
async def test_a_subscriber_hears_a_published_update(stack: RunningStack, who: str) -> None:
    """gql's AppSyncWebsocketsTransport subscribes to onCheckoutUpdated(id) with a Cognito token
    or with IAM; the credit service publishes over HTTP; the subscriber receives the update, cut
    to its own selection."""
    created, other = await create_checkout(stack), await create_checkout(stack)
    sub = f"e2e-{uuid.uuid4()}"
    auth = customer(stack, sub) if who == "customer" else merchant(stack)
    update = await first_heard(
        stack,
        auth,
        created["id"],
        [update_of(other, "DECLINED", sub), update_of(created, "APPROVED", sub)],
    )
    assert update == {
        "onCheckoutUpdated": {
            "id": created["id"],
            "status": "APPROVED",
            "amount": {"amount": 2599},
            "customerId": sub,
        }
    }


async def test_a_shopper_never_hears_another_shoppers_updates(stack: RunningStack) -> None:
    """A shopper who subscribes to a checkout id they know hears only updates addressed to
    them: the updates of another shopper's application on it go by unheard."""
    created = await create_checkout(stack)
    snoop = f"e2e-{uuid.uuid4()}"
    heard = await first_heard(
        stack,
        customer(stack, snoop),
        created["id"],
        [
            update_of(created, "APPROVED", "someone-else"),
            update_of(created, "CONFIRMED", "someone-else"),
            update_of(created, "DECLINED", snoop),
        ],
    )
    assert heard["onCheckoutUpdated"]["status"] == "DECLINED"
    assert heard["onCheckoutUpdated"]["customerId"] == snoop


async def test_a_merchant_cannot_subscribe_to_a_checkout_that_is_not_its_own(
    stack: RunningStack,
) -> None:
    async with realtime_client(stack, merchant(stack)) as realtime:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in realtime.subscribe(request(ON_UPDATED, id=f"co_{uuid.uuid4().hex}")):
                pass
    # gql hands over the `error` message's payload as it came: AppSync's `{"errors": [...]}`.
    assert refused.value.errors is not None
    (payload,) = refused.value.errors
    assert [e["errorType"] for e in payload["errors"]] == ["Unauthorized"]
