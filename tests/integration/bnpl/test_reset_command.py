"""`bnpl reset` and `bnpl dev --reset` against real `bnpl dev` stacks that keep their data on
disk: refused while a stack runs, and afterwards the sandbox is as `bnpl dev` first seeded it."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.settings import SANDBOX_MERCHANT_ID

pytestmark = pytest.mark.e2e

BNPL = Path(sys.executable).parent / "bnpl"
DATABASE = Path("dynamodb") / "shared-local-instance.db"
CHECKOUT = "query Get($id: ID!) { checkout(id: $id) { id status } }"
CREATE = "mutation Create($in: CreateCheckoutInput!) { createCheckout(input: $in) { id } }"
RENAME = 'mutation { updateCustomer(input: {givenName: "Drifted"}) { givenName } }'
ME = "{ me { givenName verificationStatus } }"


def bnpl(stack: RunningStack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BNPL), *args],
        env=stack.environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def merchant(stack: RunningStack) -> GraphQLClient:
    return GraphQLClient(stack.settings.graphql_url, iam_region=stack.settings.region)


def approve(stack: RunningStack) -> GraphQLClient:
    persona = PERSONAS["approve"]
    token = mint_token(stack.settings, sub=persona.sub, email=persona.email, groups=persona.groups)
    return GraphQLClient(stack.settings.graphql_url, token=token)


def test_reset_is_refused_while_the_stack_runs_and_afterwards_the_sandbox_is_fresh(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    amount = {"amount": 1000, "currency": "GBP"}
    order = {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": f"order-{uuid.uuid4()}",
        "amount": amount,
        "items": [{"sku": "S", "name": "Socks", "quantity": 1, "unitPrice": amount}],
    }
    with running_stack(data, in_memory=False) as stack:
        with merchant(stack) as client:
            created = client.execute(CREATE, {"in": order})
        checkout_id = created["data"]["createCheckout"]["id"]
        with approve(stack) as client:
            assert client.execute(RENAME) == {"data": {"updateCustomer": {"givenName": "Drifted"}}}

        refused = bnpl(stack, "reset")
        assert refused.returncode == 1
        assert "a `bnpl dev` stack is running on" in refused.stderr
        assert (data / DATABASE).stat().st_size > 0
    assert (data / DATABASE).stat().st_size > 0  # the data outlives the stack

    with running_stack(data, in_memory=False, reset=True) as stack:
        assert "bnpl dev: deleted" in stack.log()
        with merchant(stack) as client:
            assert client.execute(CHECKOUT, {"id": checkout_id}) == {"data": {"checkout": None}}
        with approve(stack) as client:
            me = client.execute(ME)["data"]["me"]
        assert me == {"givenName": PERSONAS["approve"].given_name, "verificationStatus": "VERIFIED"}
        key = stack.settings.signing_key_path.read_bytes()

    done = bnpl(stack, "reset")
    assert done.returncode == 0, done.stderr
    assert str(data / "dynamodb") in done.stdout
    assert not (data / "dynamodb").exists()
    assert stack.settings.signing_key_path.read_bytes() == key
