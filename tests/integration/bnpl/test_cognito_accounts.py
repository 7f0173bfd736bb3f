"""Becoming a user and recovering one, driven by botocore's `cognito-idp` client as Amazon
Cognito documents it: SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword and
ConfirmForgotPassword, their codes (in the dev outbox), expiries (on the hand-moved clock) and
rations. The provider and its clocks come from conftest.py."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.bnpl.cognito import (
    ATTEMPT_LIMIT,
    CODE_EXPIRED,
    CODE_MISMATCH,
    CONSOLE,
    INCORRECT,
    PASSWORD,
    WEB,
    codes,
    new_email,
    newest_code,
    password_sign_in,
    refused,
    signed_up,
    tokens_of,
)

pytestmark = [pytest.mark.ddblocal, pytest.mark.usefixtures("fresh_clocks")]

NEW_PASSWORD = "Checkout-Shopper-77"
HOUR_S = 3600
DAY_S = 86400
EMAIL_DELIVERY = {"DeliveryMedium": "EMAIL", "AttributeName": "email"}
NOT_FOUND = "Username/client id combination not found."


def masked(email: str) -> dict[str, str]:
    """Cognito's CodeDeliveryDetails for an email: first letters only (`s***@e***`)."""
    return {"Destination": f"{email[0]}***@{email.split('@')[1][0]}***", **EMAIL_DELIVERY}


def confirm(cognito, email: str, code: str, client_id: str = WEB) -> None:
    cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)


def resend(cognito, email: str, client_id: str = WEB) -> dict[str, str]:
    answer = cognito.resend_confirmation_code(ClientId=client_id, Username=email)
    details: dict[str, str] = answer["CodeDeliveryDetails"]
    return details


def reset(cognito, email: str, code: str, password: str = NEW_PASSWORD) -> None:
    cognito.confirm_forgot_password(
        ClientId=WEB, Username=email, ConfirmationCode=code, Password=password
    )


def can_sign_in(cognito, email: str, password: str) -> bool:
    try:
        return "AccessToken" in password_sign_in(cognito, email, password)["AuthenticationResult"]
    except cognito.exceptions.NotAuthorizedException:
        return False


# ---------------------------------------------------------------- SignUp


def test_sign_up_makes_an_unconfirmed_user_and_emails_a_code(cognito, ddb_settings):
    email = new_email()
    answer = cognito.sign_up(ClientId=WEB, Username=email, Password=PASSWORD)
    assert answer["UserConfirmed"] is False
    assert str(uuid.UUID(answer["UserSub"])) == answer["UserSub"]
    assert (
        answer["CodeDeliveryDetails"]
        == masked(email)
        == {
            "Destination": "s***@e***",
            **EMAIL_DELIVERY,
        }
    )
    [code] = codes(ddb_settings, email)
    assert len(code) == 6
    assert code.isdigit()
    assert refused(
        cognito, "UserNotConfirmedException", password_sign_in, cognito, email, PASSWORD
    ) == ("User is not confirmed.")

    confirm(cognito, email, code)
    tokens = tokens_of(cognito, email)
    answer_user = cognito.get_user(AccessToken=tokens["AccessToken"])
    assert answer_user["Username"] == answer["UserSub"]
    assert {"Name": "email_verified", "Value": "true"} in answer_user["UserAttributes"]


def test_an_email_signs_up_once_in_any_case(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings)
    for again in (email, email.upper()):
        message = refused(
            cognito,
            "UsernameExistsException",
            cognito.sign_up,
            ClientId=WEB,
            Username=again,
            Password=NEW_PASSWORD,
        )
        assert message == "An account with the given email already exists."
    # The refused sign-ups changed nothing: neither the password nor the codes sent.
    assert can_sign_in(cognito, email, PASSWORD)
    assert not can_sign_in(cognito, email, NEW_PASSWORD)
    assert len(codes(ddb_settings, email)) == 1


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Shopper-42a", "Password not long enough"),
        ("checkout-shopper-42", "Password must have uppercase characters"),
        ("CHECKOUT-SHOPPER-42", "Password must have lowercase characters"),
        ("Checkout-Shopper-XY", "Password must have numeric characters"),
        ("CheckoutShopper42", "Password must have symbol characters"),
    ],
)
def test_sign_up_holds_the_password_to_the_pools_policy(cognito, ddb_settings, password, rule):
    email = new_email()
    message = refused(
        cognito,
        "InvalidPasswordException",
        cognito.sign_up,
        ClientId=WEB,
        Username=email,
        Password=password,
    )
    assert message == f"Password did not conform with policy: {rule}"
    assert codes(ddb_settings, email) == []
    # No user was made: the email is still free.
    assert cognito.sign_up(ClientId=WEB, Username=email, Password=PASSWORD)["UserSub"]


@pytest.mark.parametrize(
    ("username", "extra", "message"),
    [
        ("shopper-without-a-domain", {}, "Username should be an email."),
        (None, {"Password": " Checkout-Shopper-42"}, None),
        (None, {"UserAttributes": [{"Name": "custom:tier", "Value": "gold"}]}, None),
        (None, {"UserAttributes": [{"Name": "birthdate", "Value": "1990-5-1"}]}, None),
    ],
)
def test_sign_up_refuses_malformed_input(cognito, ddb_settings, username, extra, message):
    username = username or new_email()
    request = {"ClientId": WEB, "Username": username, "Password": PASSWORD, **extra}
    answer = refused(cognito, "InvalidParameterException", cognito.sign_up, **request)
    assert message is None or answer == message
    assert codes(ddb_settings, username) == []


def test_sign_up_needs_a_client_of_the_pool(cognito):
    message = refused(
        cognito,
        "ResourceNotFoundException",
        cognito.sign_up,
        ClientId="no-such-client",
        Username=new_email(),
        Password=PASSWORD,
    )
    assert message == "User pool client no-such-client does not exist."


# ---------------------------------------------------------------- ConfirmSignUp


def test_a_wrong_code_confirms_nothing_and_a_user_is_confirmed_once(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings, confirm=False)
    code = newest_code(ddb_settings, email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert refused(cognito, "CodeMismatchException", confirm, cognito, email, wrong) == (
        CODE_MISMATCH
    )
    with pytest.raises(cognito.exceptions.UserNotConfirmedException):
        password_sign_in(cognito, email, PASSWORD)

    confirm(cognito, email, code)
    assert can_sign_in(cognito, email, PASSWORD)
    assert refused(cognito, "NotAuthorizedException", confirm, cognito, email, code) == (
        "User cannot be confirmed. Current status is CONFIRMED"
    )


def test_a_sign_up_code_lasts_a_day(cognito, ddb_settings, clock):
    (early, _), (late, _) = (signed_up(cognito, ddb_settings, confirm=False) for _ in range(2))
    clock.advance(DAY_S - 1)
    confirm(cognito, early, newest_code(ddb_settings, early))
    clock.advance(2)
    stale = newest_code(ddb_settings, late)
    assert refused(cognito, "ExpiredCodeException", confirm, cognito, late, stale) == (CODE_EXPIRED)
    with pytest.raises(cognito.exceptions.UserNotConfirmedException):
        password_sign_in(cognito, late, PASSWORD)
    resend(cognito, late)
    confirm(cognito, late, newest_code(ddb_settings, late))
    assert can_sign_in(cognito, late, PASSWORD)


def test_repeated_wrong_codes_use_the_code_up(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings, confirm=False)
    code = newest_code(ddb_settings, email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        refused(cognito, "CodeMismatchException", confirm, cognito, email, wrong)
    refused(cognito, "TooManyFailedAttemptsException", confirm, cognito, email, code)
    resend(cognito, email)  # a new code gets a new count
    confirm(cognito, email, newest_code(ddb_settings, email))


# ---------------------------------------------------------------- ResendConfirmationCode


def test_a_resent_code_replaces_the_one_before(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings, confirm=False)
    first = newest_code(ddb_settings, email)
    assert resend(cognito, email) == masked(email)
    second, older = codes(ddb_settings, email)
    assert older == first
    if second != first:  # one chance in a million that the new code is the same
        assert refused(cognito, "CodeMismatchException", confirm, cognito, email, first) == (
            CODE_MISMATCH
        )
    confirm(cognito, email, second)
    assert can_sign_in(cognito, email, PASSWORD)


def test_resending_to_a_confirmed_or_unknown_user(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings)
    assert refused(cognito, "InvalidParameterException", resend, cognito, email, CONSOLE) == (
        "User is already confirmed."
    )
    nobody = new_email()
    # The web client hides who exists: a simulated delivery, and nothing is sent.
    assert resend(cognito, nobody) == masked(nobody)
    assert codes(ddb_settings, nobody) == []
    assert refused(cognito, "UserNotFoundException", resend, cognito, nobody, CONSOLE) == (
        NOT_FOUND
    )


def test_codes_are_rationed_to_five_an_hour(cognito, ddb_settings, clock):
    email, _ = signed_up(cognito, ddb_settings, confirm=False)
    for _ in range(4):
        resend(cognito, email)
    assert refused(cognito, "LimitExceededException", resend, cognito, email) == ATTEMPT_LIMIT
    assert len(codes(ddb_settings, email)) == 5
    clock.advance(HOUR_S)
    resend(cognito, email)
    confirm(cognito, email, newest_code(ddb_settings, email))


# ---------------------------------------------------------------- ForgotPassword


def forgot(cognito, email: str, client_id: str = WEB) -> dict[str, str]:
    details: dict[str, str] = cognito.forgot_password(ClientId=client_id, Username=email)[
        "CodeDeliveryDetails"
    ]
    return details


def test_a_forgotten_password_is_replaced_with_the_emailed_code(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings)
    assert forgot(cognito, email.upper()) == masked(email)
    code, _sign_up_code = codes(ddb_settings, email)
    reset(cognito, email, code)
    assert can_sign_in(cognito, email, NEW_PASSWORD)
    assert refused(
        cognito, "NotAuthorizedException", password_sign_in, cognito, email, PASSWORD
    ) == (INCORRECT)
    # A code works once; with none outstanding, Cognito asks for a new one.
    assert refused(cognito, "ExpiredCodeException", reset, cognito, email, code, PASSWORD) == (
        CODE_EXPIRED
    )
    assert can_sign_in(cognito, email, NEW_PASSWORD)


def test_a_reset_code_lasts_an_hour(cognito, ddb_settings, clock):
    email, _ = signed_up(cognito, ddb_settings)
    forgot(cognito, email)
    clock.advance(HOUR_S + 1)
    code = newest_code(ddb_settings, email)
    assert refused(cognito, "ExpiredCodeException", reset, cognito, email, code) == CODE_EXPIRED
    assert can_sign_in(cognito, email, PASSWORD)
    assert not can_sign_in(cognito, email, NEW_PASSWORD)


def test_a_wrong_code_or_a_weak_password_changes_nothing(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings)
    forgot(cognito, email)
    code = newest_code(ddb_settings, email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert refused(cognito, "CodeMismatchException", reset, cognito, email, wrong) == (
        CODE_MISMATCH
    )
    weak = refused(cognito, "InvalidPasswordException", reset, cognito, email, code, "weak-pw-1")
    assert weak == "Password did not conform with policy: Password not long enough"
    assert can_sign_in(cognito, email, PASSWORD)
    # The code is still good: the refusals did not use it.
    reset(cognito, email, code)
    assert can_sign_in(cognito, email, NEW_PASSWORD)


def test_five_wrong_reset_codes_use_the_code_up(cognito, ddb_settings):
    email, _ = signed_up(cognito, ddb_settings)
    forgot(cognito, email)
    code = newest_code(ddb_settings, email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        refused(cognito, "CodeMismatchException", reset, cognito, email, wrong)
    assert refused(cognito, "LimitExceededException", reset, cognito, email, code) == (
        ATTEMPT_LIMIT
    )
    assert can_sign_in(cognito, email, PASSWORD)


def test_recovering_an_unknown_or_unverified_user(cognito, ddb_settings):
    nobody = new_email()
    # The web client hides who exists: a simulated delivery, then a wrong code.
    assert forgot(cognito, nobody) == masked(nobody)
    assert codes(ddb_settings, nobody) == []
    assert refused(cognito, "CodeMismatchException", reset, cognito, nobody, "123456") == (
        CODE_MISMATCH
    )
    assert refused(cognito, "UserNotFoundException", forgot, cognito, nobody, CONSOLE) == (
        NOT_FOUND
    )
    unconfirmed, _ = signed_up(cognito, ddb_settings, confirm=False)
    assert refused(cognito, "InvalidParameterException", forgot, cognito, unconfirmed, CONSOLE) == (
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number"
    )
    assert len(codes(ddb_settings, unconfirmed)) == 1  # only the sign-up code
