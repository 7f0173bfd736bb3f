"""A signed-in user's own operations, authorised by their access token: GetUser,
UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute, ChangePassword.

A new email takes effect at once, unverified, and a code to verify it is emailed (the pool does
not keep the old value until the new one is verified, as Terraform leaves that setting off).
Wrong current passwords given to ChangePassword count as failed sign-ins, so they cannot be used
to guess around the lockout.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

from bnpl.idp import errors
from bnpl.idp.codes import VERIFY_EMAIL, with_code_sent
from bnpl.idp.provider import Provider
from bnpl.idp.sessions import caller
from bnpl.idp.sign_in import admitted, record_failure, set_password
from bnpl.idp.store import ConflictError, EmailTakenError
from bnpl.idp.users import User, email_key, validated_attributes
from bnpl.idp.wire import MAX_TOKEN, Request

_UPDATE_ATTEMPTS = 8


def _access_token(request: Request) -> str:
    return request.string("AccessToken", max_length=MAX_TOKEN)


def get_user(provider: Provider, request: Request) -> dict[str, Any]:
    """GetUser: the caller's username and attributes."""
    user = caller(provider, _access_token(request)).user
    return {"Username": user.username, "UserAttributes": user.attribute_list()}


def update_user_attributes(provider: Provider, request: Request) -> dict[str, Any]:
    """UpdateUserAttributes: new values at once; a new email also gets a verification code."""
    signed_in = caller(provider, _access_token(request)).user
    pairs = request.attributes("UserAttributes")
    if not pairs:
        raise errors.missing("userAttributes")
    written = validated_attributes(pairs)
    new_email = written.pop("email", None)
    for _ in range(_UPDATE_ATTEMPTS):
        user = provider.store.user(signed_in.username)
        if user is None:
            raise errors.user_not_found()
        changed = replace(
            user,
            attributes=MappingProxyType({**user.attributes, **written}),
            updated_at=provider.now(),
        )
        try:
            if new_email is None or email_key(new_email) == email_key(user.email):
                provider.store.save(changed)
                return {}
            changed = with_code_sent(
                provider.pool,
                replace(changed, email=new_email, email_verified=False),
                provider.now(),
            )
            changed = provider.store.change_email(changed, previous_email=user.email)
        except EmailTakenError:
            raise errors.alias_exists() from None
        except ConflictError:
            continue
        details = provider.codes.send(changed, VERIFY_EMAIL, provider.pool.attribute_code_ttl_s)
        return {"CodeDeliveryDetailsList": [details]}
    raise errors.CognitoError("TooManyRequestsException", errors.RATE_EXCEEDED)


def _email_attribute(request: Request) -> None:
    name = request.string("AttributeName", max_length=32)
    if name != "email":
        raise errors.invalid_parameter(f"Attribute {name} cannot be verified by a code.")


def get_user_attribute_verification_code(provider: Provider, request: Request) -> dict[str, Any]:
    """GetUserAttributeVerificationCode: a new code for the caller's email."""
    signed_in = caller(provider, _access_token(request)).user
    _email_attribute(request)
    user = provider.update_user(
        signed_in.username, lambda u: with_code_sent(provider.pool, u, provider.now())
    )
    details = provider.codes.send(user, VERIFY_EMAIL, provider.pool.attribute_code_ttl_s)
    return {"CodeDeliveryDetails": details}


def verify_user_attribute(provider: Provider, request: Request) -> dict[str, Any]:
    """VerifyUserAttribute: the code proves the caller's (new) email."""
    user = caller(provider, _access_token(request)).user
    _email_attribute(request)
    code = request.string("Code", max_length=2048)
    provider.codes.use(user, VERIFY_EMAIL, code, exhausted=errors.limit_exceeded())

    def verified(current: User) -> User:
        if email_key(current.email) != email_key(user.email):
            # The email changed again after this code was sent: it proves nothing now.
            raise errors.code_mismatch()
        return replace(current, email_verified=True, updated_at=provider.now())

    provider.update_user(user.username, verified)
    return {}


def change_password(provider: Provider, request: Request) -> dict[str, Any]:
    """ChangePassword: the current password, proven again, for a new one."""
    user = caller(provider, _access_token(request)).user
    previous = request.password("PreviousPassword")
    proposed = request.password("ProposedPassword")
    violation = provider.pool.password_policy.violation(proposed)
    if violation is not None:
        raise errors.CognitoError("InvalidPasswordException", violation)
    try:
        admitted(provider, user)
    except errors.CognitoError:
        raise errors.limit_exceeded() from None
    if not user.credentials.matches(provider.pool.name, user.username, previous):
        record_failure(provider, user.username)
        raise errors.not_authorized()
    set_password(provider, user.username, proposed)
    return {}
