"""Tokens with exactly the claims Cognito writes, signed with the dev identity provider's key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import jwt

from bnpl.idp.keys import SigningKey, signing_key
from bnpl.settings import DevSettings

TokenUse = Literal["id", "access"]
ID_TOKEN: TokenUse = "id"  # noqa: S105 - a claim value, not a secret
ACCESS_TOKEN: TokenUse = "access"  # noqa: S105 - a claim value, not a secret

USER_SCOPE = "aws.cognito.signin.user.admin"
SERVICE_SCOPE = "bnpl/merchant-proxy"
SERVICE_TOKEN_TTL_S = 3600
# Claims the pool writes itself: a user attribute of the same name never replaces one.
_RESERVED_CLAIMS = frozenset(
    {"sub", "iss", "aud", "token_use", "cognito:username", "cognito:groups", "email"}
    | {"email_verified", "origin_jti", "event_id", "auth_time", "iat", "exp", "jti"}
)


def _sign(key: SigningKey, claims: Mapping[str, Any]) -> str:
    return jwt.encode(dict(claims), key.private_key, algorithm="RS256", headers={"kid": key.kid})


def mint_token(
    settings: DevSettings,
    *,
    sub: str,
    email: str | None = None,
    groups: Iterable[str] = (),
    token_use: TokenUse = ID_TOKEN,
    client_id: str | None = None,
    ttl_s: int = 3600,
    now: float | None = None,
    email_verified: bool = True,
    attributes: Mapping[str, str] | None = None,
    origin_jti: str | None = None,
    event_id: str | None = None,
    auth_time: int | None = None,
) -> str:
    """Sign a user's id or access token with exactly the claims Cognito puts in it.

    Args:
        settings: where the key lives and which pool/app client the token is for.
        sub: the user's subject (also their Cognito username).
        email: the verified email of an id token (omitted when `None`).
        groups: `cognito:groups`; the claim is left out when empty, as Cognito does.
        token_use: `"id"` (app client in `aud`) or `"access"` (app client in `client_id`).
        client_id: the app client; the web client by default.
        ttl_s: seconds until `exp`.
        now: the issue time (epoch seconds); the current time by default.
        email_verified: the id token's `email_verified`.
        attributes: the user's other attributes (`given_name`...), which id tokens carry.
        origin_jti: the sign-in the token belongs to (shared by the tokens of one sign-in and
            their refreshes); a new one by default.
        event_id: the sign-in event; a new one by default.
        auth_time: when the user signed in (epoch seconds); the issue time by default.

    Returns:
        The compact JWT, usable as the `Authorization` header.

    Raises:
        ValueError: an empty `sub`, a `token_use` other than id/access, or a `ttl_s` below 1.
    """
    if token_use not in ("id", "access"):
        raise ValueError(f"token_use must be 'id' or 'access', not {token_use!r}")
    if not sub.strip():
        raise ValueError("sub must not be empty")
    if ttl_s <= 0:
        raise ValueError(f"ttl_s must be positive, not {ttl_s}")
    issued = int(time.time() if now is None else now)
    client = client_id or settings.web_client_id
    group_list = list(dict.fromkeys(groups))
    claims: dict[str, Any] = {"sub": sub}
    if group_list:
        claims["cognito:groups"] = group_list
    if token_use == ID_TOKEN:
        claims |= {"iss": settings.issuer, "aud": client, "cognito:username": sub}
        claims |= {k: v for k, v in (attributes or {}).items() if k not in _RESERVED_CLAIMS}
        if email is not None:
            claims |= {"email": email, "email_verified": email_verified}
    else:
        claims |= {"iss": settings.issuer, "version": 2, "client_id": client}
        claims |= {"scope": USER_SCOPE, "username": sub}
    claims |= {
        "token_use": token_use,
        "origin_jti": origin_jti or str(uuid.uuid4()),
        "event_id": event_id or str(uuid.uuid4()),
        "auth_time": issued if auth_time is None else auth_time,
        "iat": issued,
        "exp": issued + ttl_s,
        "jti": str(uuid.uuid4()),
    }
    return _sign(signing_key(settings.signing_key_path), claims)


def mint_service_token(
    settings: DevSettings,
    *,
    client_id: str,
    scope: str = SERVICE_SCOPE,
    ttl_s: int = SERVICE_TOKEN_TTL_S,
    now: float | None = None,
) -> str:
    """Sign the access token Cognito issues to an app client for a client-credentials grant."""
    issued = int(time.time() if now is None else now)
    claims = {"sub": client_id, "token_use": "access", "scope": scope, "auth_time": issued}
    claims |= {"iss": settings.issuer, "exp": issued + ttl_s, "iat": issued, "version": 2}
    claims |= {"jti": str(uuid.uuid4()), "client_id": client_id}
    return _sign(signing_key(settings.signing_key_path), claims)
