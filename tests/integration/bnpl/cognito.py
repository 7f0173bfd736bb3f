"""What the Cognito tests share: the local app clients, a password that meets the pool's
policy, Cognito's messages, and helpers that sign users up and in over botocore's client."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

from services.shared.settings import Settings
from services.user.messaging.outbox import newest_messages

WEB = "bnpl-local-web"
CONSOLE = "bnpl-local-graphiql"
PASSWORD = "Checkout-Shopper-42"
WRONG = "Checkout-Shopper-43"
INCORRECT = "Incorrect username or password."
EXCEEDED = "Password attempts exceeded"
CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
ATTEMPT_LIMIT = "Attempt limit exceeded, please try after some time."


def new_email() -> str:
    return f"shopper-{uuid.uuid4().hex[:10]}@example.test"


def codes(ddb_settings: Settings, email: str) -> list[str]:
    """The codes the dev outbox holds for `email`, newest first."""
    return [m.code for m in newest_messages(ddb_settings, limit=50, destination=email)]


def newest_code(ddb_settings: Settings, email: str) -> str:
    return codes(ddb_settings, email)[0]


def signed_up(cognito, ddb_settings, *, confirm: bool = True, **attributes: str) -> tuple[str, str]:
    """A new user (email, sub) with `attributes`, confirmed with the code from the dev outbox."""
    email = new_email()
    pairs = [{"Name": name, "Value": value} for name, value in attributes.items()]
    sub = cognito.sign_up(ClientId=WEB, Username=email, Password=PASSWORD, UserAttributes=pairs)[
        "UserSub"
    ]
    if confirm:
        code = newest_code(ddb_settings, email)
        cognito.confirm_sign_up(ClientId=WEB, Username=email, ConfirmationCode=code)
    return email, sub


def password_sign_in(cognito, username: str, password: str) -> dict[str, Any]:
    answer: dict[str, Any] = cognito.initiate_auth(
        ClientId=CONSOLE,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return answer


def tokens_of(cognito, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """A new session's AuthenticationResult (signed in on the console client)."""
    result: dict[str, Any] = password_sign_in(cognito, username, password)["AuthenticationResult"]
    return result


def refused(cognito, exception: str, call, /, *args, **kwargs) -> str:
    """The message of the Cognito exception `call` raises (it must raise `exception`)."""
    with pytest.raises(getattr(cognito.exceptions, exception)) as raised:
        call(*args, **kwargs)
    message: str = raised.value.response["Error"]["Message"]
    return message


def attributes(cognito, access_token: str) -> dict[str, str]:
    """GetUser's attributes as a dict."""
    answer = cognito.get_user(AccessToken=access_token)
    return {a["Name"]: a["Value"] for a in answer["UserAttributes"]}


def verified(user_pool, token: str, **expect: Any) -> dict[str, Any]:
    """Check a token as a Cognito client does: the served JWKS, RS256, the pool's issuer."""
    url, provider = user_pool
    keys = httpx.get(f"{url}/{provider.pool.pool_id}/.well-known/jwks.json").json()
    key = jwt.PyJWKSet.from_dict(keys)[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        issuer=provider.pool.issuer,
        options={"verify_aud": False},
    )
    for name, value in expect.items():
        assert claims[name] == value, name
    return claims
