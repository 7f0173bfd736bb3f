"""The address the fraud check counts is the one the client cannot write: an X-Forwarded-For
header through GraphQL does not change what the credit service is told."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import MakeToken
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import URL, gql

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]

APPLY = "mutation Apply($in: ApplyForCreditInput!) { applyForCredit(input: $in) { id } }"


@pytest.mark.parametrize("forwarded", [None, "6.6.6.6", "6.6.6.6, 10.0.0.1"])
async def test_a_forwarded_for_header_does_not_move_the_shopper(
    stack: Stack, make_token: MakeToken, forwarded: str | None
):
    sub = f"ip-{uuid.uuid4()}"
    headers = {"authorization": make_token(sub=sub), "content-type": "application/json"}
    if forwarded is not None:
        headers["x-forwarded-for"] = forwarded
    variables = {"in": {"checkoutId": "no-such-checkout", "idempotencyKey": "k-ip"}}
    response = await stack.graphql.post(URL, content=gql(APPLY, variables), headers=headers)
    assert response.status_code == 200
    # The in-process client's own address, as the emulator accepted the connection.
    assert stack.credit.header("x-bnpl-source-ip") == b"127.0.0.1"
