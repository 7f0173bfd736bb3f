"""The sandbox bank ends a consent through the whole local stack (`bnpl dev`): `bnpl bank
revoke|expire` signs the notification, the user service applies it, and the next credit decision
reads no bank data under that consent."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bnpl.bank_notifications import run as bank
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.sandbox_consents import sandbox_consent_id

pytestmark = pytest.mark.e2e

SECRET = "whsec_" + base64.b64encode(b"the e2e sandbox bank's secret 32").decode()
CREATE_CHECKOUT = """
mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { id } }"""
APPLY = """
mutation Apply($input: ApplyForCreditInput!) {
  applyForCredit(input: $input) {
    id status decision { outcome reasons { code } steps { name status detail } }
  }
}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with pytest.MonkeyPatch.context() as patch:
        # The user service's secret; `bnpl bank` signs with the same one.
        patch.setenv("BNPL_BANK_WEBHOOK_SECRET", SECRET)
        with running_stack(tmp_path_factory.mktemp("stack")) as running:
            yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


@pytest.fixture
def cli_environ(stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bnpl bank` as a developer runs it beside this stack: with the stack's environment."""
    for name, value in stack.environ.items():
        monkeypatch.setenv(name, value)


def shopper(stack: RunningStack, http: httpx.Client, name: str) -> GraphQLClient:
    persona = PERSONAS[name]
    token = mint_token(stack.settings, sub=persona.sub, email=persona.email, groups=persona.groups)
    return GraphQLClient(stack.settings.graphql_url, token=token, http=http)


def apply(stack: RunningStack, http: httpx.Client, name: str, consent: str) -> dict[str, Any]:
    merchant = GraphQLClient(
        stack.settings.graphql_url, iam_region=stack.settings.region, http=http
    )
    created = merchant.execute(
        CREATE_CHECKOUT,
        {
            "input": {
                "merchantId": "m_sandbox",
                "merchantReference": f"e2e-{uuid.uuid4()}",
                "amount": {"amount": 12_000, "currency": "GBP"},
                "items": [
                    {
                        "sku": "JKT-1",
                        "name": "Rain jacket",
                        "quantity": 1,
                        "unitPrice": {"amount": 12_000, "currency": "GBP"},
                    }
                ],
            }
        },
    )
    payload = {
        "checkoutId": created["data"]["createCheckout"]["id"],
        "idempotencyKey": str(uuid.uuid4()),
        "bankConsentId": consent,
    }
    return shopper(stack, http, name).execute(APPLY, {"input": payload})


def bank_step(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    steps = body["data"]["applyForCredit"]["decision"]["steps"]
    step: dict[str, Any] = next(s for s in steps if s["name"] == "ValidateBankStatements")
    return step


def consent_status(stack: RunningStack, http: httpx.Client, name: str, consent: str) -> str:
    """The consent's status as the user service answers its customer."""
    persona = PERSONAS[name]
    token = mint_token(stack.settings, sub=persona.sub, email=persona.email)
    response = http.get(
        f"{stack.settings.url(stack.settings.user_port)}/customers/me/bank-consents/{consent}",
        headers={"authorization": token},
    )
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


@pytest.mark.usefixtures("cli_environ")
def test_a_consent_revoked_at_the_bank_feeds_no_later_decision(stack, http, capsys):
    consent = sandbox_consent_id("refer")
    before = apply(stack, http, "refer", consent)
    assert bank_step(before)["status"] == "PASSED"

    assert bank(action="revoke", consent_id=consent) == 0
    assert capsys.readouterr().out == f"sent consent.revoked for consent {consent}: it is REVOKED\n"
    assert consent_status(stack, http, "refer", consent) == "REVOKED"

    after = apply(stack, http, "refer", consent)
    [error] = after["errors"]
    assert error["errorType"] == "InvalidState"


@pytest.mark.usefixtures("cli_environ")
def test_a_consent_expired_at_the_bank_is_expired(stack, http, capsys):
    consent = sandbox_consent_id("approve")
    assert bank(action="expire", consent_id=consent) == 0
    assert capsys.readouterr().out == f"sent consent.expired for consent {consent}: it is EXPIRED\n"
    assert consent_status(stack, http, "approve", consent) == "EXPIRED"
    # Once ended, a consent stays ended: the bank's revocation changes nothing.
    assert bank(action="revoke", consent_id=consent) == 0
    assert capsys.readouterr().out == f"sent consent.revoked for consent {consent}: it is EXPIRED\n"


@pytest.mark.usefixtures("cli_environ")
def test_an_unknown_consent_is_reported(capsys):
    assert bank(action="revoke", consent_id="no-such-consent") == 1
    assert "no consent 'no-such-consent'" in capsys.readouterr().err
