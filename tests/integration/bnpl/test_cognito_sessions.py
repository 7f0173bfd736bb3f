"""A signed-in user's own operations and sessions, driven by botocore's `cognito-idp` client as
Amazon Cognito documents them: GetUser, UpdateUserAttributes and email verification,
ChangePassword, refreshing (InitiateAuth REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken),
RevokeToken, GlobalSignOut, and the request-rate quotas. The provider and its clocks come from
conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.bnpl.cognito import (
    ATTEMPT_LIMIT,
    CODE_MISMATCH,
    CONSOLE,
    EXCEEDED,
    INCORRECT,
    PASSWORD,
    WEB,
    WRONG,
    attributes,
    codes,
    new_email,
    newest_code,
    password_sign_in,
    refused,
    signed_up,
    tokens_of,
    verified,
)

pytestmark = [pytest.mark.ddblocal, pytest.mark.usefixtures("fresh_clocks")]

NEW_PASSWORD = "Checkout-Shopper-77"
DAY_S = 86400
REVOKED_ACCESS = "Access Token has been revoked"
REVOKED_REFRESH = "Refresh Token has been revoked"


@pytest.fixture
def shopper(cognito, ddb_settings) -> tuple[str, dict[str, Any]]:
    """A new confirmed user's email and a session of theirs (its AuthenticationResult)."""
    email, _ = signed_up(cognito, ddb_settings)
    return email, tokens_of(cognito, email)


def get_user(cognito, access_token: str) -> dict[str, Any]:
    answer: dict[str, Any] = cognito.get_user(AccessToken=access_token)
    return answer


def update(cognito, access_token: str, **values: str) -> dict[str, Any]:
    pairs = [{"Name": name, "Value": value} for name, value in values.items()]
    answer: dict[str, Any] = cognito.update_user_attributes(
        AccessToken=access_token, UserAttributes=pairs
    )
    return answer


def verify(cognito, access_token: str, code: str) -> None:
    cognito.verify_user_attribute(AccessToken=access_token, AttributeName="email", Code=code)


def refresh(cognito, refresh_token: str, client_id: str = CONSOLE) -> dict[str, Any]:
    answer: dict[str, Any] = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    return answer


def change_password(cognito, access_token: str, previous: str, proposed: str) -> None:
    cognito.change_password(
        AccessToken=access_token, PreviousPassword=previous, ProposedPassword=proposed
    )


def can_sign_in(cognito, email: str, password: str) -> bool:
    try:
        return "AccessToken" in password_sign_in(cognito, email, password)["AuthenticationResult"]
    except cognito.exceptions.NotAuthorizedException:
        return False


# ---------------------------------------------------------------- GetUser


def test_get_user_names_the_user_by_its_sub(cognito, ddb_settings):
    email, sub = signed_up(cognito, ddb_settings, given_name="Ada")
    answer = get_user(cognito, tokens_of(cognito, email.upper())["AccessToken"])
    assert answer["Username"] == sub
    assert {a["Name"]: a["Value"] for a in answer["UserAttributes"]} == {
        "sub": sub,
        "email": email,
        "email_verified": "true",
        "given_name": "Ada",
    }


def test_only_a_live_access_token_of_the_pool_is_accepted(cognito, shopper, clock):
    _, tokens = shopper
    for not_one in ("not-a-token", tokens["IdToken"]):
        assert refused(cognito, "NotAuthorizedException", get_user, cognito, not_one) == (
            "Invalid Access Token"
        )
    clock.advance(3600)
    assert refused(cognito, "NotAuthorizedException", get_user, cognito, tokens["AccessToken"]) == (
        "Access Token has expired"
    )


# ---------------------------------------------------------------- attributes


def test_a_new_email_is_unverified_until_its_code_comes_back(
    cognito, ddb_settings, user_pool, shopper
):
    old, tokens = shopper
    access = tokens["AccessToken"]
    new = new_email()
    answer = update(cognito, access, email=new)
    assert answer["CodeDeliveryDetailsList"] == [
        {"Destination": "s***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    # No setting keeps the old email until the new one is verified: it changes at once.
    now = attributes(cognito, access)
    assert (now["email"], now["email_verified"]) == (new, "false")
    assert can_sign_in(cognito, new, PASSWORD)
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        password_sign_in(cognito, old, PASSWORD)

    code = newest_code(ddb_settings, new)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert refused(cognito, "CodeMismatchException", verify, cognito, access, wrong) == (
        CODE_MISMATCH
    )
    assert attributes(cognito, access)["email_verified"] == "false"
    verify(cognito, access, code)
    assert attributes(cognito, access)["email_verified"] == "true"
    # Refreshed tokens carry what the pool holds now.
    id_token = refresh(cognito, tokens["RefreshToken"])["AuthenticationResult"]["IdToken"]
    verified(user_pool, id_token, email=new, email_verified=True)


def test_a_new_verification_code_replaces_the_last(cognito, ddb_settings, shopper):
    _, tokens = shopper
    access = tokens["AccessToken"]
    new = new_email()
    update(cognito, access, email=new)
    first = newest_code(ddb_settings, new)
    answer = cognito.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert answer["CodeDeliveryDetails"]["Destination"] == "s***@e***"
    second, older = codes(ddb_settings, new)
    assert older == first
    if second != first:  # one chance in a million that the new code is the same
        refused(cognito, "CodeMismatchException", verify, cognito, access, first)
    verify(cognito, access, second)
    assert attributes(cognito, access)["email_verified"] == "true"


def test_another_users_email_is_refused_and_nothing_changes(cognito, ddb_settings, shopper):
    email, tokens = shopper
    taken, _ = signed_up(cognito, ddb_settings)
    before = attributes(cognito, tokens["AccessToken"])
    message = refused(
        cognito,
        "AliasExistsException",
        update,
        cognito,
        tokens["AccessToken"],
        email=taken.upper(),
        given_name="Grace",
    )
    assert message == "An account with the given email already exists."
    assert attributes(cognito, tokens["AccessToken"]) == before
    assert before["email"] == email
    assert len(codes(ddb_settings, taken)) == 1  # only its own sign-up code


UNAUTHORIZED_ATTRIBUTE = "A client attempted to write unauthorized attribute"


@pytest.mark.parametrize(
    ("name", "exception", "message"),
    [
        ("email_verified", "NotAuthorizedException", UNAUTHORIZED_ATTRIBUTE),
        ("sub", "NotAuthorizedException", UNAUTHORIZED_ATTRIBUTE),
        ("custom:tier", "InvalidParameterException", None),
    ],
)
def test_attributes_the_pool_keeps_or_lacks_are_refused(cognito, shopper, name, exception, message):
    _, tokens = shopper
    before = attributes(cognito, tokens["AccessToken"])
    values = {name: "true", "given_name": "Grace"}
    answer = refused(cognito, exception, update, cognito, tokens["AccessToken"], **values)
    assert message is None or answer == message
    # All or nothing: the allowed given_name was not written either.
    assert attributes(cognito, tokens["AccessToken"]) == before


def test_other_attributes_change_without_a_code(cognito, ddb_settings, shopper):
    email, tokens = shopper
    assert (
        update(cognito, tokens["AccessToken"], given_name="Grace").get(
            "CodeDeliveryDetailsList", []
        )
        == []
    )
    assert attributes(cognito, tokens["AccessToken"])["given_name"] == "Grace"
    assert len(codes(ddb_settings, email)) == 1


# ---------------------------------------------------------------- ChangePassword


def test_change_password_needs_the_current_one_and_a_good_new_one(cognito, shopper):
    email, tokens = shopper
    access = tokens["AccessToken"]
    assert refused(
        cognito, "NotAuthorizedException", change_password, cognito, access, WRONG, NEW_PASSWORD
    ) == (INCORRECT)
    assert refused(
        cognito, "InvalidPasswordException", change_password, cognito, access, PASSWORD, "Short-1"
    ) == ("Password did not conform with policy: Password not long enough")
    # Neither refusal changed the password.
    assert can_sign_in(cognito, email, PASSWORD)
    change_password(cognito, access, PASSWORD, NEW_PASSWORD)
    assert can_sign_in(cognito, email, NEW_PASSWORD)
    assert not can_sign_in(cognito, email, PASSWORD)


def test_wrong_current_passwords_count_towards_the_lockout(cognito, shopper, clock):
    email, tokens = shopper
    access = tokens["AccessToken"]
    for _ in range(5):
        refused(
            cognito, "NotAuthorizedException", change_password, cognito, access, WRONG, PASSWORD
        )
    assert refused(
        cognito,
        "LimitExceededException",
        change_password,
        cognito,
        access,
        PASSWORD,
        NEW_PASSWORD,
    ) == (ATTEMPT_LIMIT)
    assert refused(
        cognito, "NotAuthorizedException", password_sign_in, cognito, email, PASSWORD
    ) == (EXCEEDED)
    clock.advance(1)
    change_password(cognito, access, PASSWORD, NEW_PASSWORD)
    assert can_sign_in(cognito, email, NEW_PASSWORD)


# ---------------------------------------------------------------- refreshing


def test_refreshing_gives_new_tokens_of_the_same_session(cognito, user_pool, shopper):
    _, tokens = shopper
    first = verified(user_pool, tokens["AccessToken"])
    for answer in (
        refresh(cognito, tokens["RefreshToken"]),
        cognito.get_tokens_from_refresh_token(
            ClientId=CONSOLE, RefreshToken=tokens["RefreshToken"]
        ),
    ):
        result = answer["AuthenticationResult"]
        assert set(result) == {"AccessToken", "ExpiresIn", "TokenType", "IdToken"}
        assert (result["TokenType"], result["ExpiresIn"]) == ("Bearer", 3600)
        assert result["AccessToken"] != tokens["AccessToken"]
        access = verified(user_pool, result["AccessToken"], sub=first["sub"], client_id=CONSOLE)
        assert (access["origin_jti"], access["auth_time"]) == (
            first["origin_jti"],
            first["auth_time"],
        )
        verified(user_pool, result["IdToken"], aud=CONSOLE, sub=first["sub"])
        assert get_user(cognito, result["AccessToken"])["Username"] == first["sub"]
    assert refresh(cognito, tokens["RefreshToken"])["ChallengeParameters"] == {}


def test_a_refresh_token_is_its_own_clients_and_real(cognito, shopper):
    _, tokens = shopper
    assert refused(cognito, "NotAuthorizedException", refresh, cognito, "x.y.z.w.v") == (
        "Invalid Refresh Token"
    )
    other = refused(
        cognito, "NotAuthorizedException", refresh, cognito, tokens["RefreshToken"], WEB
    )
    assert other == "Invalid Refresh Token"


def test_a_refresh_token_lasts_thirty_days(cognito, shopper, clock):
    _, tokens = shopper
    clock.advance(30 * DAY_S - 60)
    assert "AccessToken" in refresh(cognito, tokens["RefreshToken"])["AuthenticationResult"]
    clock.advance(60)
    assert refused(cognito, "NotAuthorizedException", refresh, cognito, tokens["RefreshToken"]) == (
        "Refresh Token has expired"
    )


# ---------------------------------------------------------------- signing out


def test_revoking_a_refresh_token_ends_its_session_only(cognito, shopper):
    email, tokens = shopper
    other = tokens_of(cognito, email)
    answer = cognito.revoke_token(ClientId=CONSOLE, Token=tokens["RefreshToken"])
    assert set(answer) == {"ResponseMetadata"}
    for call in (
        lambda: refresh(cognito, tokens["RefreshToken"]),
        lambda: cognito.get_tokens_from_refresh_token(
            ClientId=CONSOLE, RefreshToken=tokens["RefreshToken"]
        ),
    ):
        assert refused(cognito, "NotAuthorizedException", call) == REVOKED_REFRESH
    assert refused(cognito, "NotAuthorizedException", get_user, cognito, tokens["AccessToken"]) == (
        REVOKED_ACCESS
    )
    assert get_user(cognito, other["AccessToken"])["Username"]
    assert "AccessToken" in refresh(cognito, other["RefreshToken"])["AuthenticationResult"]
    refused(
        cognito,
        "UnsupportedTokenTypeException",
        cognito.revoke_token,
        ClientId=CONSOLE,
        Token=other["AccessToken"],
    )


def test_global_sign_out_ends_every_session(cognito, shopper):
    email, tokens = shopper
    other = tokens_of(cognito, email)
    cognito.global_sign_out(AccessToken=tokens["AccessToken"])
    for session in (tokens, other):
        assert refused(
            cognito, "NotAuthorizedException", get_user, cognito, session["AccessToken"]
        ) == (REVOKED_ACCESS)
        assert refused(
            cognito, "NotAuthorizedException", refresh, cognito, session["RefreshToken"]
        ) == (REVOKED_REFRESH)
    # Signing in again starts a session that works.
    again = tokens_of(cognito, email)
    assert get_user(cognito, again["AccessToken"])["UserAttributes"]
    assert "AccessToken" in refresh(cognito, again["RefreshToken"])["AuthenticationResult"]


# ---------------------------------------------------------------- request-rate quotas


def test_a_category_over_its_rate_is_throttled(cognito, shopper, rate_clock):
    _, tokens = shopper
    access = tokens["AccessToken"]
    for n in range(25):  # UserUpdate: 25 requests a second
        update(cognito, access, given_name=f"Ada {n}")
    message = refused(
        cognito, "TooManyRequestsException", update, cognito, access, given_name="Grace"
    )
    assert message == "Rate exceeded"
    # The refused request changed nothing, and other categories still answer.
    assert attributes(cognito, access)["given_name"] == "Ada 24"
    rate_clock.advance(1)
    update(cognito, access, given_name="Grace")
    assert attributes(cognito, access)["given_name"] == "Grace"
