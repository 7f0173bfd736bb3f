"""The whole local stack, started with `bnpl dev` on free ports and driven over HTTP as a frontend
and a merchant backend would drive it."""

from __future__ import annotations

import re
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.settings import SANDBOX_MERCHANT_ID
from services.shared.settings import Settings

pytestmark = pytest.mark.e2e

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    id email givenName familyName dateOfBirth verificationStatus createdAt
  }
}"""
ME = "{ me { id email givenName familyName dateOfBirth verificationStatus } }"
CREATE_CHECKOUT = """
mutation Create($input: CreateCheckoutInput!) {
  createCheckout(input: $input) {
    id merchantId merchantReference status amount { amount currency } expiresAt
  }
}"""
CHECKOUT = "query Get($id: ID!) { checkout(id: $id) { id status merchantReference } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def merchant(stack: RunningStack, http: httpx.Client) -> GraphQLClient:
    return GraphQLClient(stack.settings.graphql_url, iam_region=stack.settings.region, http=http)


@pytest.fixture
def customer(stack: RunningStack, http: httpx.Client) -> Callable[..., GraphQLClient]:
    """Makes a client for a customer: a fresh one, or the given `sub`."""

    def make(sub: str | None = None) -> GraphQLClient:
        sub = sub or f"e2e-{uuid.uuid4()}"
        email = f"{sub}@example.test"
        token = mint_token(stack.settings, sub=sub, email=email, groups=("customers",))
        return GraphQLClient(stack.settings.graphql_url, token=token, http=http)

    return make


def checkout_input(reference: str, amount: int = 4999) -> dict[str, object]:
    return {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": reference,
        "amount": {"amount": amount, "currency": "GBP"},
        "items": [
            {
                "sku": "SKU-1",
                "name": "Trail shoes",
                "quantity": 1,
                "unitPrice": {"amount": amount, "currency": "GBP"},
            }
        ],
    }


def table_items(stack: RunningStack, short_name: str) -> list[dict[str, Any]]:
    settings = Settings.from_environ(stack.environ)
    client = boto3.client(
        "dynamodb",
        endpoint_url=settings.dynamodb_endpoint,
        region_name=settings.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return list(client.scan(TableName=settings.table_name(short_name))["Items"])


def test_graphiql_is_served(stack):
    """GraphiQL and every asset it loads come from the emulator itself (no CDN)."""
    page = httpx.get(stack.settings.graphql_url, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert 'id="graphiql-config"' in page.text
    assets = re.findall(r'(?:src|href)="(/graphql/assets/[^"]+)"', page.text)
    assert len(assets) == 9
    for path in assets:
        asset = httpx.get(f"{stack.settings.url(stack.settings.appsync_port)}{path}")
        assert asset.status_code == 200, path
    for url in re.findall(r"https?://[^\s\"'<>]+", page.text):  # the sign-in endpoints
        assert url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")), url


def test_new_customer_registers_and_reads_their_profile(customer):
    shopper = customer()
    assert shopper.execute(ME) == {"data": {"me": None}}
    profile = {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"}
    first = shopper.execute(REGISTER, {"input": profile})
    assert "errors" not in first, first
    registered = first["data"]["registerCustomer"]
    assert registered["verificationStatus"] == "UNVERIFIED"
    assert registered["email"].endswith("@example.test")
    me = shopper.execute(ME)["data"]["me"]
    assert me["id"] == registered["id"]
    assert me["givenName"] == "Ada"
    again = shopper.execute(REGISTER, {"input": profile})["data"]["registerCustomer"]
    assert again["id"] == registered["id"]
    assert again["createdAt"] == registered["createdAt"]


def test_sandbox_personas_are_seeded(customer):
    me = customer("sandbox-approve").execute(ME)["data"]["me"]
    assert me["verificationStatus"] == "VERIFIED"


def test_merchant_creates_a_checkout_once_per_reference(merchant, customer):
    reference = f"order-{uuid.uuid4()}"
    first = merchant.execute(CREATE_CHECKOUT, {"input": checkout_input(reference)})
    assert "errors" not in first, first
    created = first["data"]["createCheckout"]
    assert created["status"] == "CREATED"
    assert created["amount"] == {"amount": 4999, "currency": "GBP"}
    again = merchant.execute(CREATE_CHECKOUT, {"input": checkout_input(reference)})
    assert again["data"]["createCheckout"]["id"] == created["id"]
    seen = merchant.execute(CHECKOUT, {"id": created["id"]})["data"]["checkout"]
    assert seen == {"id": created["id"], "status": "CREATED", "merchantReference": reference}
    # A shopper can look at a checkout that is still open.
    shopper_view = customer().execute(CHECKOUT, {"id": created["id"]})
    assert shopper_view["data"]["checkout"]["id"] == created["id"]


def test_a_customer_cannot_create_checkouts_and_nothing_is_written(stack, customer):
    before = len(table_items(stack, "checkouts"))
    body = customer().execute(CREATE_CHECKOUT, {"input": checkout_input("by-a-shopper")})
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access createCheckout on type Mutation"
    assert len(table_items(stack, "checkouts")) == before


def test_bad_token_is_refused_with_401(stack):
    response = httpx.post(
        stack.settings.graphql_url,
        json={"query": ME},
        headers={"authorization": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["errorType"] == "UnauthorizedException"


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_stops_every_process(tmp_path):
    with running_stack(tmp_path / "stack") as running:
        children = descendants(running.process.pid)
        assert len(children) >= 6  # DynamoDB Local, the IdP, three services, the emulator
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=30) == 0
    assert [pid for pid in children if alive(pid)] == []
