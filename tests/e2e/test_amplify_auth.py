"""Sign-in through the dev identity provider of a whole `bnpl dev` stack, by the clients shoppers
and developers use: the real aws-amplify v6 (Auth and API, in Node), pycognito's SRP client and
botocore's `cognito-idp` client; and the tokens it issues, as the emulator and every service
verify them.

The stack locks users out for ten minutes after five failed sign-ins (instead of Cognito's one
second), so that the lockout is still on when the right password is tried.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from pycognito.aws_srp import AWSSRP

from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.personas import PERSONAS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "amplify" / "auth_flow.mjs"
PASSWORD = "Checkout-Shopper-42"
LOCKOUT_S = "600"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    patch = pytest.MonkeyPatch()
    patch.setenv("BNPL_IDP_FIRST_LOCKOUT_S", LOCKOUT_S)
    try:
        with running_stack(tmp_path_factory.mktemp("amplify")) as running:
            patch.undo()  # the stack has read it; the rest of the session must not
            yield running
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def idp_url(stack: RunningStack) -> str:
    return stack.settings.url(stack.settings.idp_port)


@pytest.fixture(scope="module")
def cognito(idp_url: str, stack: RunningStack) -> Any:
    """botocore's own Cognito client, pointed at the provider; no retries, so every refusal
    shows."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=idp_url,
        region_name=stack.settings.region,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def amplify(stack: RunningStack) -> dict[str, Any]:
    """One run of the Node script, configured with the Amplify configuration `bnpl dev` wrote
    (HTTPS, the local CA trusted as a developer would trust it): a new shopper's sign-up,
    sign-in, API calls, refresh and sign-out, and a second shopper locked out."""
    run = uuid.uuid4().hex[:8]
    amplify_config = json.loads((stack.settings.data_dir / "amplify-config.json").read_text())
    config = {
        "amplify": amplify_config,
        "email": f"amplify-{run}@example.test",
        "lockedEmail": f"amplify-locked-{run}@example.test",
        "password": PASSWORD,
        "bnpl": str(Path(sys.executable).parent / "bnpl"),
    }
    completed = subprocess.run(
        ["node", str(SCRIPT)],
        env={
            **stack.environ,
            "AUTH_FLOW_CONFIG": json.dumps(config),
            "NODE_EXTRA_CA_CERTS": str(stack.ca_path),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, f"{completed.stdout}\n{completed.stderr}"
    output: dict[str, Any] = json.loads(completed.stdout)
    output["config"] = config
    return output


def operations(step: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(call["operation"], call["error"]) for call in step["calls"]]


# ---------------------------------------------------------------- aws-amplify v6


def test_sign_up_emails_a_code_to_the_outbox_and_confirming_it_completes_sign_up(amplify):
    results = amplify["results"]
    assert results["signUp"]["ok"], results["signUp"]
    assert results["signUp"]["value"]["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP"
    assert results["signUp"]["value"]["nextStep"]["codeDeliveryDetails"]["deliveryMedium"] == (
        "EMAIL"
    )
    assert operations(results["signUp"]) == [("SignUp", None)]
    assert results["confirmSignUp"]["ok"], results["confirmSignUp"]
    assert results["confirmSignUp"]["value"]["isSignUpComplete"] is True


def test_an_unconfirmed_user_is_sent_to_confirm_sign_up(amplify):
    step = amplify["results"]["signInUnconfirmed"]
    # Amplify turns UserNotConfirmedException into the CONFIRM_SIGN_UP step.
    assert step["ok"], step
    assert step["value"] == {"isSignedIn": False, "nextStep": {"signInStep": "CONFIRM_SIGN_UP"}}
    assert operations(step)[-1] == ("RespondToAuthChallenge", "UserNotConfirmedException")


def test_a_wrong_password_is_not_authorized(amplify):
    step = amplify["results"]["signInWrongPassword"]
    assert (step["ok"], step["name"]) == (False, "NotAuthorizedException")
    assert step["message"] == "Incorrect username or password."


def test_amplify_talked_to_the_stack_over_https_only(amplify, stack):
    urls = {call["url"] for call in amplify["calls"]} | set(amplify["graphqlUrls"])
    assert urls == {
        amplify["config"]["amplify"]["Auth"]["Cognito"]["userPoolEndpoint"] + "/",
        amplify["config"]["amplify"]["API"]["GraphQL"]["endpoint"],
    }
    assert all(url.startswith("https://127.0.0.1:") for url in urls)


def test_sign_in_is_srp_and_yields_cognito_tokens(amplify, stack):
    results = amplify["results"]
    assert results["signIn"]["value"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert operations(results["signIn"]) == [
        ("InitiateAuth", None),
        ("RespondToAuthChallenge", None),
    ]
    user_id = results["signUp"]["value"]["userId"]
    assert results["currentUser"]["value"]["userId"] == user_id
    assert results["currentUser"]["value"]["username"] == user_id
    id_token = results["session"]["value"]["idToken"]
    access_token = results["session"]["value"]["accessToken"]
    assert id_token["sub"] == id_token["cognito:username"] == user_id
    assert id_token["email"] == amplify["config"]["email"]
    assert id_token["email_verified"] is True
    assert id_token["aud"] == stack.settings.web_client_id
    assert id_token["iss"] == stack.settings.issuer
    assert access_token["client_id"] == stack.settings.web_client_id
    assert access_token["token_use"] == "access"
    assert id_token["origin_jti"] == access_token["origin_jti"]


def test_the_session_calls_the_graphql_api(amplify):
    results = amplify["results"]
    for name in ("graphql", "graphqlAfterRefresh"):
        assert results[name]["ok"], results[name]
        assert results[name]["value"]["data"] == {"me": None}  # not registered yet


def test_a_forced_refresh_gets_new_tokens_from_the_refresh_token(amplify):
    results = amplify["results"]
    before = results["session"]["value"]["accessToken"]
    after = results["refreshedSession"]["value"]["accessToken"]
    assert operations(results["refreshedSession"]) == [("GetTokensFromRefreshToken", None)]
    assert after["jti"] != before["jti"]
    # The same sign-in: refreshing keeps who signed in, when and from which session.
    assert (after["origin_jti"], after["auth_time"]) == (before["origin_jti"], before["auth_time"])


def test_sign_out_revokes_the_session(amplify):
    results = amplify["results"]
    assert results["signOut"]["ok"], results["signOut"]
    assert operations(results["signOut"]) == [("RevokeToken", None)]
    assert results["sessionAfterSignOut"]["value"] == {"idToken": None, "accessToken": None}


def test_repeated_failures_lock_the_user_out(amplify):
    results = amplify["results"]
    for attempt in range(1, 6):
        failed = results[f"lockedWrong{attempt}"]
        assert (failed["name"], failed["message"]) == (
            "NotAuthorizedException",
            "Incorrect username or password.",
        )
    locked = results["lockedRightPassword"]
    assert (locked["ok"], locked["name"]) == (False, "NotAuthorizedException")
    assert locked["message"] == "Password attempts exceeded"


# ---------------------------------------------------------------- the tokens, where they go


def srp_sign_in(stack: RunningStack, cognito: Any, persona: str) -> dict[str, Any]:
    signed_in = AWSSRP(
        username=PERSONAS[persona].email,
        password=PERSONAS[persona].password,
        pool_id=stack.settings.user_pool_id,
        client_id=stack.settings.web_client_id,
        client=cognito,
    ).authenticate_user()
    result: dict[str, Any] = signed_in["AuthenticationResult"]
    return result


def tampered(token: str) -> str:
    """The token with one byte of its signature changed."""
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return ".".join((header, payload, base64.urlsafe_b64encode(raw).rstrip(b"=").decode()))


def test_a_personas_srp_tokens_pass_the_emulator_and_every_service(stack, cognito):
    tokens = srp_sign_in(stack, cognito, "approve")
    persona = PERSONAS["approve"]
    with httpx.Client(timeout=30) as http:
        user_service = stack.settings.url(stack.settings.user_port)
        credit_service = stack.settings.url(stack.settings.credit_port)
        id_token = tokens["IdToken"]
        me = http.get(f"{user_service}/customers/me", headers={"Authorization": id_token})
        assert me.status_code == 200, me.text
        assert me.json()["email"] == persona.email
        plans = http.get(f"{credit_service}/plans", headers={"Authorization": id_token})
        assert plans.status_code == 200, plans.text
        for service in (f"{user_service}/customers/me", f"{credit_service}/plans"):
            refused = http.get(service, headers={"Authorization": tampered(id_token)})
            assert refused.status_code == 401, service

        for token in (id_token, tokens["AccessToken"]):
            api = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
            assert api.execute("{ me { id } }")["data"] == {"me": {"id": persona.sub}}
        forged = http.post(
            stack.settings.graphql_url,
            json={"query": "{ me { id } }"},
            headers={"Authorization": tampered(id_token)},
        )
        assert forged.status_code == 401
        assert forged.json()["errors"][0]["errorType"] == "UnauthorizedException"


def test_the_console_clients_password_sign_in_is_accepted_by_the_api(stack, cognito):
    persona = PERSONAS["underwriter"]
    signed_in = cognito.initiate_auth(
        ClientId=stack.settings.console_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": persona.email, "PASSWORD": persona.password},
    )["AuthenticationResult"]
    with httpx.Client(timeout=30) as http:
        api = GraphQLClient(stack.settings.graphql_url, token=signed_in["IdToken"], http=http)
        assert api.execute("{ __typename }")["data"] == {"__typename": "Query"}


def test_a_revoked_refresh_token_refreshes_nothing(stack, cognito):
    tokens = srp_sign_in(stack, cognito, "refer")
    client_id = stack.settings.web_client_id
    refreshed = cognito.get_tokens_from_refresh_token(
        ClientId=client_id, RefreshToken=tokens["RefreshToken"]
    )["AuthenticationResult"]
    assert "RefreshToken" not in refreshed  # the pool does not rotate refresh tokens

    cognito.revoke_token(ClientId=client_id, Token=tokens["RefreshToken"])

    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="has been revoked"):
        cognito.get_tokens_from_refresh_token(
            ClientId=client_id, RefreshToken=tokens["RefreshToken"]
        )
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="has been revoked"):
        cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
