"""Cognito user pool tokens, verified as AppSync verifies them."""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from appsync.auth.modes import AuthMode, Caller, Unauthenticated
from appsync.auth.tokens import unverified_claims

_MEMO_SIZE = 4096


@dataclass(frozen=True, kw_only=True)
class UserPoolConfig:
    """AppSync's `userPoolConfig` plus where to find the pool's signing keys.

    Attributes:
        issuer: the pool's issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
        jwks_url: the pool's JWKS (`<issuer>/.well-known/jwks.json` in AWS).
        default_action: what a signed-in caller may do on fields without a Cognito directive.
        app_id_client_regex: app clients whose tokens are accepted (None: all).
    """

    issuer: str
    jwks_url: str
    default_action: Literal["ALLOW", "DENY"] = "ALLOW"
    app_id_client_regex: str | None = None


class CognitoAuthenticator:
    """Verifies ID and access tokens: RS256 signature from the JWKS, issuer, expiry, token use,
    app client. Verified claims are memoised by token (the same token arrives with every request
    of a session), with expiry checked again on every hit."""

    def __init__(self, config: UserPoolConfig) -> None:
        self.config = config
        self._jwks = jwt.PyJWKClient(config.jwks_url, cache_keys=True, lifespan=3600, timeout=5)
        self._client_re = re.compile(config.app_id_client_regex or ".*")
        self._memo: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def is_pool_token(self, token: str) -> bool:
        """Whether an (unverified) token claims to come from this pool."""
        claims = unverified_claims(token)
        return claims is not None and self.is_pool_claims(claims)

    def is_pool_claims(self, claims: dict[str, Any]) -> bool:
        """Whether (unverified) claims say they come from this pool."""
        return claims.get("iss") == self.config.issuer

    async def authenticate(self, token: str, *, source_ip: list[str]) -> Caller:
        """Verify `token` and build the caller AppSync would see.

        Raises:
            Unauthenticated: with AppSync's message for the failure.
        """
        claims = self._memo.get(token)
        if claims is None:
            # The first sight of a key fetches the JWKS over HTTP: keep that off the event loop.
            claims = await asyncio.to_thread(self._verify, token)
            self._memo[token] = claims
            if len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
        elif claims["exp"] <= time.time():
            self._memo.pop(token, None)
            raise Unauthenticated("Token has expired.")
        groups = claims.get("cognito:groups") or []
        identity = {
            "sub": claims["sub"],
            "issuer": claims["iss"],
            "username": claims.get("cognito:username") or claims.get("username"),
            "claims": claims,
            "sourceIp": source_ip,
            "defaultAuthStrategy": self.config.default_action,
            "groups": groups or None,
        }
        return Caller(mode=AuthMode.COGNITO, identity=identity, groups=frozenset(groups))

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],  # pinned: `none` and HS256-with-the-public-key never pass
                issuer=self.config.issuer,
                options={"verify_aud": False, "require": ["exp", "iat", "iss", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Token has expired.") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated() from None
        except jwt.DecodeError:
            raise Unauthenticated("Unable to parse JWT token.") from None
        except jwt.PyJWTError:
            raise Unauthenticated() from None
        use = claims["token_use"]
        # ID tokens name their app client in `aud`, access tokens in `client_id`.
        client = claims.get("aud") if use == "id" else claims.get("client_id")
        if use not in ("id", "access") or not isinstance(client, str):
            raise Unauthenticated()
        if not self._client_re.fullmatch(client):
            raise Unauthenticated()
        return claims
