"""OPENID_CONNECT: tokens from any OIDC provider, verified as AppSync verifies them.

AppSync (developer guide, "OPENID_CONNECT authorization"; checklist §1.1) discovers the provider
at `<issuer>/.well-known/openid-configuration`, takes its `jwks_uri`, requires `iat`, checks the
optional `iatTTL` / `authTTL` (milliseconds) and matches the `clientId` regular expression against
the `aud` or the `azp` claim.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from appsync.auth.modes import AuthMode, Caller, Unauthenticated
from appsync.auth.tokens import ALGORITHMS_BY_KEY_TYPE

_MEMO_SIZE = 4096
_EXPIRED = "Token has expired."
# What AppSync answered for a clientId mismatch (aws/aws-appsync-community#115, checklist §1.5).
_CLIENT_MISMATCH = "Unauthorized"


@dataclass(frozen=True, kw_only=True)
class OidcConfig:
    """AppSync's `openIDConnectConfig`, plus an optional fixed JWKS location.

    Attributes:
        issuer: `issuer`; must equal the tokens' `iss`.
        client_id: `clientId`, a regular expression matched against `aud` or `azp` (None: any).
        iat_ttl_ms: `iatTTL`, how long after `iat` a token is accepted (0: no limit).
        auth_ttl_ms: `authTTL`, how long after `auth_time` a token is accepted (0: no limit).
        jwks_url: the JWKS; None discovers it from the issuer as AppSync does.
    """

    issuer: str
    client_id: str | None = None
    iat_ttl_ms: int = 0
    auth_ttl_ms: int = 0
    jwks_url: str | None = None


class OidcAuthenticator:
    """Verifies OIDC tokens against the provider's JWKS. Verified claims are memoised by token,
    and the time limits are checked again on every hit.

    Args:
        config: the provider.
        check_issuer: compare `iss` with the configured issuer. AppSync skips this when
            OPENID_CONNECT is the API's only mode.
    """

    def __init__(self, config: OidcConfig, *, check_issuer: bool = True) -> None:
        self.config = config
        self.check_issuer = check_issuer
        self._client_re = re.compile(config.client_id) if config.client_id else None
        self._jwks: jwt.PyJWKClient | None = None
        self._jwks_lock = threading.Lock()
        self._memo: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def is_provider_token(self, claims: dict[str, Any]) -> bool:
        """Whether (unverified) claims say they come from this provider."""
        return claims.get("iss") == self.config.issuer

    async def authenticate(self, token: str) -> Caller:
        """Verify `token` and build the caller AppSync would see.

        Raises:
            Unauthenticated: with AppSync's message for the failure.
        """
        claims = self._memo.get(token)
        if claims is None:
            # Discovery and the JWKS are fetched over HTTP: keep that off the event loop.
            claims = await asyncio.to_thread(self._verify, token)
            self._memo[token] = claims
            if len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
        else:
            try:
                self._check_times(claims, time.time())
            except Unauthenticated:
                self._memo.pop(token, None)
                raise
        identity = {"sub": claims.get("sub"), "issuer": claims.get("iss"), "claims": claims}
        return Caller(mode=AuthMode.OIDC, identity=identity)

    def _signing_keys(self) -> jwt.PyJWKClient:
        with self._jwks_lock:
            if self._jwks is None:
                url = self.config.jwks_url or _discover_jwks_uri(self.config.issuer)
                self._jwks = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)
            return self._jwks

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            key = self._signing_keys().get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS_BY_KEY_TYPE.get(key.key_type or "", []),
                issuer=self.config.issuer if self.check_issuer else None,
                options={
                    "verify_aud": False,  # AppSync's own clientId rule below
                    "verify_iss": self.check_issuer,
                    "require": ["iat"],
                },
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated(_EXPIRED) from None
        except jwt.InvalidSignatureError:  # a DecodeError subclass: a forgery, not garbage
            raise Unauthenticated() from None
        except jwt.DecodeError:
            raise Unauthenticated("Unable to parse JWT token.") from None
        except (jwt.PyJWTError, Unauthenticated):
            raise Unauthenticated() from None
        if self._client_re is not None and not self._client_matches(claims):
            raise Unauthenticated(_CLIENT_MISMATCH)
        self._check_times(claims, time.time())
        return claims

    def _client_matches(self, claims: dict[str, Any]) -> bool:
        assert self._client_re is not None
        audience = claims.get("aud")
        candidates = list(audience) if isinstance(audience, list) else [audience]
        candidates.append(claims.get("azp"))
        return any(isinstance(c, str) and self._client_re.fullmatch(c) for c in candidates)

    def _check_times(self, claims: dict[str, Any], now: float) -> None:
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= now:
            raise Unauthenticated(_EXPIRED)
        if self.config.iat_ttl_ms and now - claims["iat"] > self.config.iat_ttl_ms / 1000:
            raise Unauthenticated(_EXPIRED)
        auth_time = claims.get("auth_time")
        # `auth_time` is optional (the guide: tokens "may include" it); without it authTTL has
        # nothing to measure. UNVERIFIED whether AppSync then refuses the token instead.
        if (
            self.config.auth_ttl_ms
            and isinstance(auth_time, int | float)
            and now - auth_time > self.config.auth_ttl_ms / 1000
        ):
            raise Unauthenticated(_EXPIRED)


def _discover_jwks_uri(issuer: str) -> str:
    """The provider's `jwks_uri`, from its OpenID Connect discovery document."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = httpx.get(url, timeout=5)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError):
        raise Unauthenticated() from None
    jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(jwks_uri, str):
        raise Unauthenticated()
    return jwks_uri
