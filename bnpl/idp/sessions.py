"""Sign-in sessions and their tokens: issuing ID, access and refresh tokens, refreshing, revoking,
and checking the access tokens that the user's own operations (GetUser...) carry.

A session is one sign-in, named by the `origin_jti` every token of it carries. Its refresh token
is stored only as a hash; RevokeToken marks the session revoked and GlobalSignOut moves the user
to a new epoch, so the session's refresh token stops refreshing and its access tokens stop
working against the pool.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, replace
from typing import Any

import jwt

from bnpl.idp import errors
from bnpl.idp.keys import signing_key
from bnpl.idp.pool import REFRESH_FLOW, AppClient
from bnpl.idp.provider import Provider
from bnpl.idp.sealing import looks_like_jwt
from bnpl.idp.store import Session
from bnpl.idp.tokens import ACCESS_TOKEN, ID_TOKEN, USER_SCOPE, mint_token
from bnpl.idp.users import User
from bnpl.idp.wire import MAX_TOKEN, Request


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mint(provider: Provider, user: User, client: AppClient, session: Session) -> dict[str, Any]:
    now = provider.now()
    common: dict[str, Any] = {
        "sub": user.sub,
        "groups": user.groups,
        "client_id": client.client_id,
        "now": now,
        "origin_jti": session.origin_jti,
        "event_id": session.event_id,
        "auth_time": session.auth_time,
    }
    id_token = mint_token(
        provider.settings,
        token_use=ID_TOKEN,
        email=user.email,
        email_verified=user.email_verified,
        attributes=user.attributes,
        ttl_s=client.id_token_validity_s,
        **common,
    )
    access_token = mint_token(
        provider.settings, token_use=ACCESS_TOKEN, ttl_s=client.access_token_validity_s, **common
    )
    return {
        "AccessToken": access_token,
        "ExpiresIn": client.access_token_validity_s,
        "TokenType": "Bearer",
        "IdToken": id_token,
    }


def sign_in(provider: Provider, user: User, client: AppClient) -> dict[str, Any]:
    """A new session for `user`: the AuthenticationResult with all three tokens."""
    now = provider.now()
    origin_jti = str(uuid.uuid4())
    refresh_token = provider.refresh_tokens.issue(
        {"jti": origin_jti, "pool": provider.pool.pool_id}
    )
    session = Session(
        origin_jti=origin_jti,
        username=user.username,
        client_id=client.client_id,
        refresh_hash=_token_hash(refresh_token),
        epoch=user.session_epoch,
        revoked=False,
        auth_time=int(now),
        event_id=str(uuid.uuid4()),
        expires_at=now + client.refresh_token_validity_s,
    )
    provider.store.put_session(session)
    return {**_mint(provider, user, client, session), "RefreshToken": refresh_token}


def _session_of_refresh_token(provider: Provider, token: str) -> Session | None:
    payload = provider.refresh_tokens.read(token)
    if payload is None or payload.get("pool") != provider.pool.pool_id:
        return None
    session = provider.store.session(str(payload.get("jti")))
    if session is None or not hmac.compare_digest(session.refresh_hash, _token_hash(token)):
        return None
    return session


def refresh(provider: Provider, client: AppClient, token: str) -> dict[str, Any]:
    """New ID and access tokens for the session of a refresh token (no new refresh token:
    the pool does not rotate them).

    Raises:
        CognitoError: NotAuthorizedException for a token that is not one, is another client's,
            was revoked or has expired.
    """
    if not client.allows("REFRESH_TOKEN_AUTH"):
        raise errors.invalid_parameter(f"{REFRESH_FLOW} flow not enabled for this client")
    session = _session_of_refresh_token(provider, token)
    if session is None or session.client_id != client.client_id:
        raise errors.not_authorized(errors.INVALID_REFRESH_TOKEN)
    user = provider.store.user(session.username)
    if user is None:
        raise errors.not_authorized(errors.INVALID_REFRESH_TOKEN)
    if session.revoked or session.epoch != user.session_epoch:
        raise errors.not_authorized(errors.REFRESH_TOKEN_REVOKED)
    if provider.now() >= session.expires_at:
        raise errors.not_authorized(errors.REFRESH_TOKEN_EXPIRED)
    return _mint(provider, user, client, session)


@dataclass(frozen=True)
class Caller:
    """The user an access token speaks for, and the session it belongs to."""

    user: User
    session: Session


def caller(provider: Provider, access_token: str) -> Caller:
    """Check an access token as Cognito checks those sent to the user's own operations.

    Raises:
        CognitoError: NotAuthorizedException for a token that is not a valid access token of
            this pool, has expired, or whose session was revoked; UserNotFoundException when its
            user is gone.
    """
    key = signing_key(provider.settings.signing_key_path)
    try:
        claims: dict[str, Any] = jwt.decode(
            access_token,
            key.private_key.public_key(),
            algorithms=["RS256"],
            issuer=provider.pool.issuer,
            # Time is judged by the pool's clock, below.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "require": ["exp", "iss"],
            },
        )
    except jwt.PyJWTError:
        raise errors.not_authorized(errors.INVALID_ACCESS_TOKEN) from None
    if (
        claims.get("token_use") != "access"
        or claims.get("scope") != USER_SCOPE
        or claims.get("client_id") not in provider.pool.clients
    ):
        raise errors.not_authorized(errors.INVALID_ACCESS_TOKEN)
    if provider.now() >= float(claims["exp"]):
        raise errors.not_authorized(errors.ACCESS_TOKEN_EXPIRED)
    session = provider.store.session(str(claims.get("origin_jti")))
    if session is None or session.username != claims.get("username"):
        raise errors.not_authorized(errors.INVALID_ACCESS_TOKEN)
    user = provider.store.user(session.username)
    if user is None:
        raise errors.user_not_found()
    if session.revoked or session.epoch != user.session_epoch:
        raise errors.not_authorized(errors.ACCESS_TOKEN_REVOKED)
    return Caller(user=user, session=session)


# ---------------------------------------------------------------- operations


def get_tokens_from_refresh_token(provider: Provider, request: Request) -> dict[str, Any]:
    """GetTokensFromRefreshToken: what Amplify (6.15.4 and later) refreshes with."""
    client = provider.client(request.string("ClientId", max_length=128))
    token = request.string("RefreshToken", max_length=MAX_TOKEN)
    if client.secret is not None and request.optional_string("ClientSecret") != client.secret:
        raise errors.not_authorized(f"Unable to verify secret for client {client.client_id}")
    return {"AuthenticationResult": refresh(provider, client, token)}


def revoke_token(provider: Provider, request: Request) -> dict[str, Any]:
    """RevokeToken: the refresh token stops refreshing, and the access tokens of its session
    stop working against the pool."""
    client = provider.client(request.string("ClientId", max_length=128))
    token = request.string("Token", max_length=MAX_TOKEN)
    if client.secret is not None and request.optional_string("ClientSecret") != client.secret:
        raise errors.CognitoError("UnauthorizedException", "Client authentication failed.")
    if looks_like_jwt(token):
        raise errors.CognitoError("UnsupportedTokenTypeException", "Unsupported token type.")
    session = _session_of_refresh_token(provider, token)
    if session is None:
        # As OAuth 2.0 token revocation (RFC 7009): a token that is not valid needs no revoking.
        return {}
    if session.client_id != client.client_id:
        raise errors.CognitoError(
            "UnauthorizedException", "The token was not issued to this client."
        )
    provider.store.revoke_session(session.origin_jti)
    return {}


def global_sign_out(provider: Provider, request: Request) -> dict[str, Any]:
    """GlobalSignOut: every session of the user is revoked at once."""
    signed_in = caller(provider, request.string("AccessToken", max_length=MAX_TOKEN))
    provider.update_user(
        signed_in.user.username, lambda user: replace(user, session_epoch=user.session_epoch + 1)
    )
    return {}
