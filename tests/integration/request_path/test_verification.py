"""Verification through GraphQL in process: emulator → APPSYNC_JS resolvers → user service on
DynamoDB Local, with real tokens; codes come from the dev outbox table."""

from __future__ import annotations

import uuid

import pytest

from services.user.messaging.outbox import newest_messages
from tests.conftest import MakeToken
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import PROFILE, REGISTER, field_error, gql

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]

START = (
    "mutation Start($channel: VerificationChannel!) "
    "{ startVerification(channel: $channel) { challengeId channel destinationHint expiresAt } }"
)
CONFIRM = (
    "mutation Confirm($id: ID!, $code: String!) "
    "{ confirmVerification(challengeId: $id, code: $code) { id verificationStatus } }"
)


async def new_customer(
    stack: Stack, make_token: MakeToken, phone: str | None, sub: str | None = None
) -> str:
    sub = sub or f"gql-{uuid.uuid4()}"
    auth = make_token(sub=sub, email=f"{sub}@example.test")
    profile = {**PROFILE, "phone": phone} if phone else PROFILE
    registered = await stack.customer(auth, gql(REGISTER, {"input": profile}))
    assert "errors" not in registered.json(), registered.json()
    return auth


async def test_wrong_codes_lock_the_challenge_even_for_the_right_code(
    stack: Stack, make_token: MakeToken, backend
):
    settings, _ = backend
    phone = f"+4477009{uuid.uuid4().int % 10**5:05d}"
    auth = await new_customer(stack, make_token, phone)
    started = (await stack.customer(auth, gql(START, {"channel": "SMS"}))).json()
    assert "errors" not in started, started
    challenge = started["data"]["startVerification"]
    assert challenge["channel"] == "SMS"
    assert challenge["destinationHint"] == f"+44•••••••{phone[-3:]}"
    code = newest_messages(settings, limit=1, destination=phone)[0].code
    bad = f"{(int(code) + 1) % 10**6:06d}"

    for remaining in (4, 3, 2, 1):
        answer = (
            await stack.customer(auth, gql(CONFIRM, {"id": challenge["challengeId"], "code": bad}))
        ).json()
        assert answer == field_error(
            CONFIRM,
            "confirmVerification",
            "ValidationError",
            f"Wrong code; {remaining} attempt{'s' if remaining > 1 else ''} left",
            {"field": "code", "remainingAttempts": remaining},
        )
    fifth = (
        await stack.customer(auth, gql(CONFIRM, {"id": challenge["challengeId"], "code": bad}))
    ).json()
    assert fifth["errors"][0]["errorType"] == "ChallengeLocked"
    assert fifth["errors"][0]["errorInfo"] == {"remainingAttempts": 0}

    right = (
        await stack.customer(auth, gql(CONFIRM, {"id": challenge["challengeId"], "code": code}))
    ).json()
    assert right == field_error(
        CONFIRM,
        "confirmVerification",
        "ChallengeLocked",
        "5 wrong codes locked this challenge; start a new verification",
        {"remainingAttempts": 0},
    )


async def test_the_right_code_verifies_and_cannot_be_replayed(
    stack: Stack, make_token: MakeToken, backend
):
    settings, _ = backend
    sub = f"gql-{uuid.uuid4()}"
    auth = await new_customer(stack, make_token, phone=None, sub=sub)
    started = (await stack.customer(auth, gql(START, {"channel": "EMAIL"}))).json()
    challenge = started["data"]["startVerification"]
    assert challenge["destinationHint"] == "g•••@example.test"
    [message] = newest_messages(settings, limit=1, destination=f"{sub}@example.test")
    variables = {"id": challenge["challengeId"], "code": message.code}
    confirmed = (await stack.customer(auth, gql(CONFIRM, variables))).json()
    assert confirmed["data"]["confirmVerification"]["verificationStatus"] == "VERIFIED"
    replay = (await stack.customer(auth, gql(CONFIRM, variables))).json()
    assert replay["errors"][0]["errorType"] == "ChallengeUsed"


async def test_sms_without_a_phone_is_a_validation_error(stack: Stack, make_token: MakeToken):
    auth = await new_customer(stack, make_token, phone=None)
    answer = (await stack.customer(auth, gql(START, {"channel": "SMS"}))).json()
    assert answer == field_error(
        START,
        "startVerification",
        "ValidationError",
        "Add a phone number to the profile before verifying by SMS",
        {"field": "channel"},
    )


async def test_an_unknown_channel_never_reaches_the_service(stack: Stack, make_token: MakeToken):
    auth = await new_customer(stack, make_token, phone=None)
    stack.user.requests.clear()
    answer = (await stack.customer(auth, gql(START, {"channel": "PIGEON"}))).json()
    assert answer["data"] is None
    assert answer["errors"][0]["message"] == (
        "Variable 'channel' has an invalid value : Invalid input for Enum "
        "'VerificationChannel'. No value found for name 'PIGEON'"
    )
    assert stack.user.requests == []
