"""Signing in to the dev identity provider over HTTP with independent Cognito clients:
pycognito's SRP client (`AWSSRP.authenticate_user`) and botocore's `cognito-idp` client, against
the provider served from a thread on DynamoDB Local, its clock moved by hand (conftest.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP

from bnpl.personas import PERSONAS
from tests.integration.bnpl.cognito import (
    CONSOLE,
    EXCEEDED,
    INCORRECT,
    PASSWORD,
    WEB,
    WRONG,
    password_sign_in,
    refused,
    signed_up,
    verified,
)

pytestmark = [pytest.mark.ddblocal, pytest.mark.usefixtures("fresh_clocks")]


def srp(cognito, pool_id: str, username: str, password: str, client_id: str = WEB) -> AWSSRP:
    return AWSSRP(
        username=username,
        password=password,
        pool_id=pool_id,
        client_id=client_id,
        client=cognito,
    )


# ---------------------------------------------------------------- SRP


def test_pycognito_signs_a_persona_in_with_srp(user_pool, cognito, pool_id):
    persona = PERSONAS["approve"]
    result = srp(cognito, pool_id, persona.email, persona.password).authenticate_user()
    tokens = result["AuthenticationResult"]
    assert (tokens["TokenType"], tokens["ExpiresIn"]) == ("Bearer", 3600)

    id_claims = verified(
        user_pool,
        tokens["IdToken"],
        sub=persona.sub,
        aud=WEB,
        token_use="id",
        email=persona.email,
        email_verified=True,
        given_name=persona.given_name,
    )
    assert id_claims["cognito:username"] == persona.sub
    assert id_claims["cognito:groups"] == ["customers"]
    assert id_claims["exp"] - id_claims["iat"] == 3600
    access = verified(
        user_pool, tokens["AccessToken"], sub=persona.sub, client_id=WEB, username=persona.sub
    )
    assert access["token_use"] == "access"
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert "aud" not in access
    assert access["origin_jti"] == id_claims["origin_jti"]
    assert access["event_id"] == id_claims["event_id"]
    assert access["auth_time"] == id_claims["auth_time"]
    assert tokens["RefreshToken"].count(".") == 4  # opaque, JWE-shaped


def test_the_challenge_names_the_user_by_its_id(cognito, pool_id):
    persona = PERSONAS["underwriter"]
    signer = srp(cognito, pool_id, persona.email, persona.password)
    challenge = cognito.initiate_auth(
        ClientId=WEB, AuthFlow="USER_SRP_AUTH", AuthParameters=signer.get_auth_params()
    )
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    parameters = challenge["ChallengeParameters"]
    assert set(parameters) == {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"}
    assert parameters["USER_ID_FOR_SRP"] == parameters["USERNAME"] == persona.sub
    # pycognito signs in by the user id as well as by the email.
    by_id = srp(cognito, pool_id, persona.sub, persona.password).authenticate_user()
    assert "AccessToken" in by_id["AuthenticationResult"]


def test_a_new_user_signs_in_with_srp_by_email_in_any_case(
    cognito, pool_id, ddb_settings, user_pool
):
    email, sub = signed_up(cognito, ddb_settings)
    tokens = srp(cognito, pool_id, email.upper(), PASSWORD).authenticate_user()
    verified(user_pool, tokens["AuthenticationResult"]["IdToken"], sub=sub, email=email)
    assert "cognito:groups" not in verified(user_pool, tokens["AuthenticationResult"]["IdToken"])


def test_a_wrong_password_is_refused(cognito, pool_id):
    persona = PERSONAS["decline"]
    message = refused(
        cognito,
        "NotAuthorizedException",
        srp(cognito, pool_id, persona.email, WRONG).authenticate_user,
    )
    assert message == INCORRECT


def test_an_unknown_user_gets_a_challenge_and_then_a_wrong_password(cognito, pool_id):
    name = f"nobody-{uuid.uuid4().hex[:8]}@example.test"
    signer = srp(cognito, pool_id, name, PASSWORD)
    first, second = (
        cognito.initiate_auth(
            ClientId=WEB, AuthFlow="USER_SRP_AUTH", AuthParameters=signer.get_auth_params()
        )["ChallengeParameters"]
        for _ in range(2)
    )
    assert set(first) == {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"}
    # Asking twice tells nothing either: the same made-up user id and salt.
    assert (first["USER_ID_FOR_SRP"], first["SALT"]) == (second["USER_ID_FOR_SRP"], second["SALT"])
    assert refused(cognito, "NotAuthorizedException", signer.authenticate_user) == INCORRECT


def test_the_console_client_says_when_a_user_does_not_exist(cognito, pool_id):
    name = f"nobody-{uuid.uuid4().hex[:8]}@example.test"
    signer = srp(cognito, pool_id, name, PASSWORD, client_id=CONSOLE)
    assert refused(cognito, "UserNotFoundException", signer.authenticate_user) == (
        "User does not exist."
    )
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        password_sign_in(cognito, name, PASSWORD)


def test_an_unconfirmed_user_is_told_so_only_with_the_right_password(
    cognito, pool_id, ddb_settings
):
    email, _ = signed_up(cognito, ddb_settings, confirm=False)
    wrong = srp(cognito, pool_id, email, WRONG).authenticate_user
    assert refused(cognito, "NotAuthorizedException", wrong) == INCORRECT
    right = srp(cognito, pool_id, email, PASSWORD).authenticate_user
    assert refused(cognito, "UserNotConfirmedException", right) == "User is not confirmed."


# ---------------------------------------------------------------- clients and flows


@pytest.mark.parametrize(
    ("client_id", "flow", "exception", "message"),
    [
        (
            WEB,
            "USER_PASSWORD_AUTH",
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client",
        ),
        (
            CONSOLE,
            "CUSTOM_AUTH",
            "InvalidParameterException",
            "CUSTOM_AUTH flow not enabled for this client",
        ),
        (
            WEB,
            "USER_AUTH",
            "InvalidParameterException",
            "USER_AUTH flow not enabled for this client",
        ),
        (
            WEB,
            "ADMIN_NO_SRP_AUTH",
            "InvalidParameterException",
            "Initiate Auth method not supported.",
        ),
        (
            "bnpl-local-credit-proxy",
            "USER_SRP_AUTH",
            "InvalidParameterException",
            "USER_SRP_AUTH flow not enabled for this client",
        ),
        (
            "no-such-client",
            "USER_SRP_AUTH",
            "ResourceNotFoundException",
            "User pool client no-such-client does not exist.",
        ),
    ],
)
def test_a_flow_the_client_does_not_allow_is_refused(cognito, client_id, flow, exception, message):
    persona = PERSONAS["approve"]
    parameters = {"USERNAME": persona.email, "PASSWORD": persona.password, "SRP_A": "0a"}
    answer = refused(
        cognito,
        exception,
        cognito.initiate_auth,
        ClientId=client_id,
        AuthFlow=flow,
        AuthParameters=parameters,
    )
    assert answer == message


def test_the_console_client_signs_in_with_a_plain_password(cognito, user_pool):
    persona = PERSONAS["underwriter"]
    tokens = password_sign_in(cognito, persona.email, persona.password)["AuthenticationResult"]
    claims = verified(user_pool, tokens["IdToken"], aud=CONSOLE, sub=persona.sub)
    assert claims["cognito:groups"] == ["underwriters"]
    message = refused(
        cognito, "NotAuthorizedException", password_sign_in, cognito, persona.email, WRONG
    )
    assert message == INCORRECT


@pytest.mark.parametrize("missing", ["USERNAME", "SRP_A"])
def test_srp_needs_its_parameters(cognito, missing):
    parameters = {"USERNAME": PERSONAS["approve"].email, "SRP_A": "0a"}
    del parameters[missing]
    message = refused(
        cognito,
        "InvalidParameterException",
        cognito.initiate_auth,
        ClientId=WEB,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=parameters,
    )
    assert message == f"Missing required parameter {missing}"


# ---------------------------------------------------------------- the password claim


def challenge_and_answer(
    cognito, pool_id, username: str, password: str
) -> tuple[AWSSRP, dict[str, str]]:
    signer = srp(cognito, pool_id, username, password)
    parameters = signer.get_auth_params()
    challenge = cognito.initiate_auth(
        ClientId=WEB, AuthFlow="USER_SRP_AUTH", AuthParameters=parameters
    )
    return signer, signer.process_challenge(challenge["ChallengeParameters"], parameters)


def respond(cognito, answer: dict[str, str], client_id: str = WEB) -> dict[str, Any]:
    result: dict[str, Any] = cognito.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
    )
    return result


def test_a_secret_block_is_answered_once(cognito, pool_id):
    persona = PERSONAS["refer"]
    _, answer = challenge_and_answer(cognito, pool_id, persona.email, persona.password)
    assert "AccessToken" in respond(cognito, answer)["AuthenticationResult"]
    assert refused(cognito, "NotAuthorizedException", respond, cognito, answer) == (
        "Invalid session for the user."
    )


def test_a_changed_secret_block_or_another_clients_is_refused(cognito, pool_id):
    persona = PERSONAS["thin"]
    _, answer = challenge_and_answer(cognito, pool_id, persona.email, persona.password)
    block = bytearray(base64.b64decode(answer["PASSWORD_CLAIM_SECRET_BLOCK"]))
    block[40] ^= 0x01
    changed = {**answer, "PASSWORD_CLAIM_SECRET_BLOCK": base64.b64encode(block).decode()}
    assert refused(cognito, "NotAuthorizedException", respond, cognito, changed) == (
        "Invalid session for the user."
    )
    assert refused(cognito, "NotAuthorizedException", respond, cognito, answer, CONSOLE) == (
        "Invalid session for the user."
    )
    assert "AccessToken" in respond(cognito, answer)["AuthenticationResult"]


def test_a_challenge_expires_after_three_minutes(cognito, pool_id, clock):
    persona = PERSONAS["thin"]
    _, answer = challenge_and_answer(cognito, pool_id, persona.email, persona.password)
    clock.advance(180)
    assert refused(cognito, "NotAuthorizedException", respond, cognito, answer) == (
        "Invalid session for the user, session is expired."
    )


def test_the_answer_must_come_from_the_challenged_user(cognito, pool_id):
    persona = PERSONAS["fraud"]
    _, answer = challenge_and_answer(cognito, pool_id, persona.email, persona.password)
    other = {**answer, "USERNAME": PERSONAS["approve"].sub}
    assert refused(cognito, "NotAuthorizedException", respond, cognito, other) == INCORRECT


def test_a_claim_signed_over_a_day_with_a_leading_zero_does_not_verify(cognito, pool_id):
    """The pool reads the timestamp and writes it again as Cognito does (`Tue Jan 6`), so a
    claim over `Tue Jan 06` is a wrong claim."""
    persona = PERSONAS["fraud"]
    signer, answer = challenge_and_answer(cognito, pool_id, persona.email, persona.password)
    assert answer["TIMESTAMP"].split()[2][0] != "0"
    zero_padded = "Tue Jan 06 09:05:03 UTC 2026"
    challenge = cognito.initiate_auth(
        ClientId=WEB, AuthFlow="USER_SRP_AUTH", AuthParameters=signer.get_auth_params()
    )["ChallengeParameters"]
    key = signer.get_password_authentication_key(
        persona.sub, persona.password, int(challenge["SRP_B"], 16), challenge["SALT"]
    )
    block = base64.b64decode(challenge["SECRET_BLOCK"])
    message = pool_id.split("_")[1].encode() + persona.sub.encode() + block + zero_padded.encode()
    claim = {
        "USERNAME": persona.sub,
        "TIMESTAMP": zero_padded,
        "PASSWORD_CLAIM_SECRET_BLOCK": challenge["SECRET_BLOCK"],
        "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(
            hmac.new(key, message, hashlib.sha256).digest()
        ).decode(),
    }
    assert refused(cognito, "NotAuthorizedException", respond, cognito, claim) == INCORRECT


# ---------------------------------------------------------------- lockout


def test_five_failures_lock_the_user_out_and_each_further_one_doubles_it(
    cognito, pool_id, ddb_settings, clock
):
    email, _ = signed_up(cognito, ddb_settings)
    for _ in range(5):
        assert refused(
            cognito, "NotAuthorizedException", password_sign_in, cognito, email, WRONG
        ) == (INCORRECT)
    # Locked for 1 s: the right password too, by either flow; tries now do not count.
    for _ in range(3):
        assert refused(
            cognito, "NotAuthorizedException", password_sign_in, cognito, email, PASSWORD
        ) == (EXCEEDED)
    locked_srp = srp(cognito, pool_id, email, PASSWORD).authenticate_user
    assert refused(cognito, "NotAuthorizedException", locked_srp) == EXCEEDED

    clock.advance(1)
    assert refused(cognito, "NotAuthorizedException", password_sign_in, cognito, email, WRONG) == (
        INCORRECT
    )
    clock.advance(1.9)  # the sixth failure locked for 2 s, not 2^(9-5)
    assert refused(
        cognito, "NotAuthorizedException", password_sign_in, cognito, email, PASSWORD
    ) == (EXCEEDED)
    clock.advance(0.1)
    assert "AccessToken" in password_sign_in(cognito, email, PASSWORD)["AuthenticationResult"]
    # Signing in after a lockout starts the count again.
    refused(cognito, "NotAuthorizedException", password_sign_in, cognito, email, WRONG)
    assert "AccessToken" in password_sign_in(cognito, email, PASSWORD)["AuthenticationResult"]


def test_failures_are_forgotten_after_fifteen_quiet_minutes(cognito, ddb_settings, clock):
    email, _ = signed_up(cognito, ddb_settings)
    for _ in range(4):
        refused(cognito, "NotAuthorizedException", password_sign_in, cognito, email, WRONG)
    clock.advance(15 * 60)
    for _ in range(4):
        refused(cognito, "NotAuthorizedException", password_sign_in, cognito, email, WRONG)
    assert "AccessToken" in password_sign_in(cognito, email, PASSWORD)["AuthenticationResult"]


def test_wrong_srp_claims_count_towards_the_lockout(cognito, pool_id, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings)
    for _ in range(5):
        wrong = srp(cognito, pool_id, email, WRONG).authenticate_user
        assert refused(cognito, "NotAuthorizedException", wrong) == INCORRECT
    right = srp(cognito, pool_id, email, PASSWORD).authenticate_user
    assert refused(cognito, "NotAuthorizedException", right) == EXCEEDED
