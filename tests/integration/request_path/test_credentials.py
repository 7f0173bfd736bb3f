"""The caller's credentials, end to end: what each service receives, and the wrong auth mode."""

from __future__ import annotations

import json
import uuid

import jwt
import pytest

from bnpl.settings import SANDBOX_MERCHANT_ARN, SANDBOX_MERCHANT_ID
from tests.conftest import ISSUER, SERVICE_CLIENT_ID, IdentityProvider, MakeToken
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import (
    CHECKOUT,
    CREATE,
    ME,
    PROFILE,
    REGISTER,
    checkout_input,
    field_error,
    gql,
)

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]


@pytest.mark.parametrize("scheme", ["", "Bearer "], ids=["raw", "bearer"])
async def test_customer_token_reaches_the_user_service_unchanged(
    stack: Stack, make_token: MakeToken, snapshot, scheme
):
    before = snapshot()
    sub = f"path-{uuid.uuid4()}"
    sent = scheme + make_token(sub=sub, email=f"{sub}@example.test")
    assert (await stack.customer(sent, gql(ME))).json() == {"data": {"me": None}}
    registered = (await stack.customer(sent, gql(REGISTER, {"input": PROFILE}))).json()
    me = (await stack.customer(sent, gql(ME))).json()

    # The user service verified the token it got: the profile is the token's sub and email.
    profile = {"id": sub, "email": f"{sub}@example.test", "givenName": "Ada"}
    full = {**profile, "familyName": "Byron", "dateOfBirth": "1990-12-10"}
    assert registered == {"data": {"registerCustomer": full}}
    assert me == {"data": {"me": profile}}
    (added,) = set(snapshot()["customers"]) - set(before["customers"])
    assert json.loads(added)["id"] == {"S": sub}
    assert len(stack.user.requests) == 3
    for index in range(3):
        assert stack.user.header("x-forwarded-authorization", index) == sent.encode()
    assert stack.reached() == "user"


@pytest.mark.parametrize("scheme", ["", "Bearer "], ids=["raw", "bearer"])
async def test_customer_token_reaches_the_credit_service_unchanged(
    stack: Stack, make_token: MakeToken, scheme
):
    created = (await stack.merchant(gql(CREATE, {"input": checkout_input()}))).json()
    checkout_id = created["data"]["createCheckout"]["id"]
    stack.credit.requests.clear()

    sent = scheme + make_token(sub=f"shopper-{uuid.uuid4()}")
    seen = (await stack.customer(sent, gql(CHECKOUT, {"id": checkout_id}))).json()

    # Non-null only if the credit service accepted the token as a customer's.
    assert seen == {"data": {"checkout": {"id": checkout_id, "status": "CREATED"}}}
    assert len(stack.credit.requests) == 1
    assert stack.credit.header("authorization") == sent.encode()
    assert stack.credit.header("x-bnpl-caller-arn") is None


async def test_merchant_call_carries_the_proxy_token_and_the_verified_arn(
    stack: Stack, idp: IdentityProvider, snapshot
):
    before = snapshot()
    body = gql(CREATE, {"input": checkout_input()})
    response = (await stack.merchant(body)).json()

    created = response["data"]["createCheckout"]
    assert created["merchantId"] == SANDBOX_MERCHANT_ID
    assert created["status"] == "CREATED"
    assert len(stack.credit.requests) == 1
    authorization = stack.credit.header("authorization")
    assert authorization is not None
    scheme, _, token = authorization.decode().partition(" ")
    assert scheme == "Bearer"
    # The proxy's own client-credentials token from the IdP, not the merchant's SigV4 header.
    claims = jwt.decode(
        token,
        idp.key.public_key(),
        algorithms=["RS256"],
        issuer=ISSUER,
        options={"verify_aud": False},
    )
    assert claims["client_id"] == SERVICE_CLIENT_ID
    assert claims["token_use"] == "access"
    assert stack.credit.header("x-bnpl-caller-arn") == SANDBOX_MERCHANT_ARN.encode()
    # The service verified both: it acted for the merchant and stored the checkout.
    after = snapshot()
    assert [c for c in after["checkouts"] if c not in before["checkouts"]] != []
    assert len(after["checkout_references"]) == len(before["checkout_references"]) + 1


async def test_a_customer_cannot_create_a_checkout_and_nothing_is_written(
    stack: Stack, make_token: MakeToken, snapshot
):
    before = snapshot()
    body = gql(CREATE, {"input": checkout_input()})
    response = await stack.customer(make_token(sub=f"shopper-{uuid.uuid4()}"), body)

    assert response.status_code == 200
    assert response.json() == field_error(
        CREATE,
        "createCheckout",
        "Unauthorized",
        "Not Authorized to access createCheckout on type Mutation",
    )
    assert stack.reached() is None  # refused by the emulator: the Lambda never ran
    assert snapshot() == before
