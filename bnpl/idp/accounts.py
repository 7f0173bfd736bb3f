"""Becoming a user and recovering one: SignUp, ConfirmSignUp, ResendConfirmationCode,
ForgotPassword and ConfirmForgotPassword.

Email is the username: a new user gets a generated username (its `sub`), and a confirmation
code is emailed (to the dev outbox). Confirming proves the email, so it becomes verified. Codes
are rationed per user (LimitExceededException) and each allows a few wrong tries.

Clients that prevent user-existence errors (the web client) answer for an unknown user as for a
real one: a simulated delivery, or the error a wrong code would get.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from bnpl.idp import errors
from bnpl.idp.codes import RESET, SIGN_UP, delivery, with_code_sent
from bnpl.idp.pool import AppClient
from bnpl.idp.provider import Provider
from bnpl.idp.sign_in import set_password
from bnpl.idp.store import EmailTakenError
from bnpl.idp.users import (
    CONFIRMED,
    UNCONFIRMED,
    User,
    Verifier,
    email_key,
    is_email,
    validated_attributes,
)
from bnpl.idp.wire import MAX_USERNAME, Request


def _client_and_username(provider: Provider, request: Request) -> tuple[AppClient, str]:
    client = provider.client(request.string("ClientId", max_length=128))
    username = request.string("Username", max_length=MAX_USERNAME)
    provider.check_secret_hash(client, username, request.optional_string("SecretHash"))
    return client, username


def _known(provider: Provider, client: AppClient, username: str) -> User | None:
    """The user, or None for an unknown one when the client hides that; else
    UserNotFoundException."""
    user = provider.store.find(username)
    if user is None and not client.prevent_user_existence_errors:
        raise errors.user_not_found(errors.USER_CLIENT_NOT_FOUND)
    return user


def _checked_password(provider: Provider, request: Request, member: str) -> str:
    password = request.password(member)
    violation = provider.pool.password_policy.violation(password)
    if violation is not None:
        raise errors.CognitoError("InvalidPasswordException", violation)
    return password


def sign_up(provider: Provider, request: Request) -> dict[str, Any]:
    """SignUp: a new, unconfirmed user, and its confirmation code on the way."""
    _, username = _client_and_username(provider, request)
    if not is_email(username):
        raise errors.invalid_parameter("Username should be an email.")
    password = _checked_password(provider, request, "Password")
    attributes = validated_attributes(request.attributes("UserAttributes"))
    email = attributes.pop("email", username)
    if email_key(email) != email_key(username):
        raise errors.invalid_parameter("The email attribute must be the username.")
    now = provider.now()
    sub = str(uuid.uuid4())
    user = User(
        username=sub,
        status=UNCONFIRMED,
        email=username,
        email_verified=False,
        credentials=Verifier.for_password(provider.pool.name, sub, password),
        attributes=attributes,
        created_at=now,
        updated_at=now,
        code_sends=(now,),
    )
    try:
        user = provider.store.create(user)
    except EmailTakenError:
        raise errors.CognitoError("UsernameExistsException", errors.EMAIL_EXISTS) from None
    details = provider.codes.send(user, SIGN_UP, provider.pool.sign_up_code_ttl_s)
    return {"UserConfirmed": False, "CodeDeliveryDetails": details, "UserSub": sub}


def confirm_sign_up(provider: Provider, request: Request) -> dict[str, Any]:
    """ConfirmSignUp: the code proves the email; the user may sign in from now on."""
    client, username = _client_and_username(provider, request)
    code = request.string("ConfirmationCode", max_length=2048)
    user = _known(provider, client, username)
    if user is None:
        raise errors.code_mismatch()
    if user.confirmed:
        raise errors.not_authorized(f"User cannot be confirmed. Current status is {user.status}")
    exhausted = errors.CognitoError(
        "TooManyFailedAttemptsException", errors.TOO_MANY_FAILED_ATTEMPTS
    )
    provider.codes.use(user, SIGN_UP, code, exhausted=exhausted)
    provider.update_user(
        user.username,
        lambda u: replace(u, status=CONFIRMED, email_verified=True, updated_at=provider.now()),
    )
    return {}


def resend_confirmation_code(provider: Provider, request: Request) -> dict[str, Any]:
    """ResendConfirmationCode: a new sign-up code (the old one stops working)."""
    client, username = _client_and_username(provider, request)
    user = _known(provider, client, username)
    if user is None:
        return {"CodeDeliveryDetails": delivery(username if is_email(username) else "x@x")}
    if user.confirmed:
        raise errors.invalid_parameter("User is already confirmed.")
    user = provider.update_user(
        user.username, lambda u: with_code_sent(provider.pool, u, provider.now())
    )
    details = provider.codes.send(user, SIGN_UP, provider.pool.sign_up_code_ttl_s)
    return {"CodeDeliveryDetails": details}


def forgot_password(provider: Provider, request: Request) -> dict[str, Any]:
    """ForgotPassword: a reset code to the user's verified email."""
    client, username = _client_and_username(provider, request)
    user = _known(provider, client, username)
    if user is None:
        return {"CodeDeliveryDetails": delivery(username if is_email(username) else "x@x")}
    if not user.email_verified:
        raise errors.invalid_parameter(
            "Cannot reset password for the user as there is no registered/verified email or "
            "phone_number"
        )
    user = provider.update_user(
        user.username, lambda u: with_code_sent(provider.pool, u, provider.now())
    )
    details = provider.codes.send(user, RESET, provider.pool.reset_code_ttl_s)
    return {"CodeDeliveryDetails": details}


def confirm_forgot_password(provider: Provider, request: Request) -> dict[str, Any]:
    """ConfirmForgotPassword: the reset code and a new password that meets the policy."""
    client, username = _client_and_username(provider, request)
    code = request.string("ConfirmationCode", max_length=2048)
    password = _checked_password(provider, request, "Password")
    user = _known(provider, client, username)
    if user is None:
        raise errors.code_mismatch()
    provider.codes.use(user, RESET, code, exhausted=errors.limit_exceeded())
    set_password(provider, user.username, password)
    return {}
