"""Verify the Cognito-shaped JWT every request carries, and say who is calling.

Every service verifies the caller's token itself (zero trust), against the same JWKS as AppSync.
The same code runs against real Cognito in AWS and the dev identity provider locally: both sign
RS256 tokens with a `kid` and publish the keys at `{issuer}/.well-known/jwks.json`.

A refused token gets AppSync's own words, whatever the reason: the reason (expired, forged,
another app's) helps an attacker more than a customer, so it goes to the log (INFO, once per
request, never the token) and the caller gets `UnauthorizedException` "You are not authorized to
make this call.".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from services.shared.errors import DependencyFailure, UnauthorizedException
from services.shared.settings import Settings

logger = logging.getLogger(__name__)

# Pinned: accepting whatever `alg` the header names is how `none` and HS256-with-the-public-key
# forgeries get in.
ALGORITHMS = ("RS256",)
# Clock skew tolerated between the issuer and us, in seconds.
LEEWAY_S = 5
# How long the key set is reused before it is fetched again. An unknown `kid` forces one early
# refresh (at most every 30 s), so a rotated key is picked up without waiting for this.
JWKS_LIFESPAN_S = 3600
_TOKEN_USES = frozenset({"id", "access"})
# What AppSync answers for any token it refuses.
NOT_AUTHORIZED = "You are not authorized to make this call."


def refused(reason: str) -> UnauthorizedException:
    """The error for a refused token: AppSync's generic words; `reason` goes to the log only."""
    logger.info("token refused: %s", reason)
    return UnauthorizedException(NOT_AUTHORIZED)


@dataclass(frozen=True, kw_only=True)
class CustomerPrincipal:
    """A signed-in shopper (or analyst): a user of the Cognito user pool.

    Attributes:
        sub: the user's subject; the id of their customer profile.
        email: the token's `email` claim (id tokens only; access tokens carry none).
        groups: `cognito:groups`.
        token: the JWT exactly as received, without any `Bearer ` prefix.
        claims: every verified claim.
    """

    sub: str
    email: str | None
    groups: tuple[str, ...]
    token: str = field(repr=False)
    claims: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class ServicePrincipal:
    """The credit proxy, holding a client-credentials access token of the service app client.

    Only this principal may tell a service which IAM caller AppSync verified.

    Attributes:
        client_id: the service app client.
        token: the JWT exactly as received, without any `Bearer ` prefix.
        claims: every verified claim.
    """

    client_id: str
    token: str = field(repr=False)
    claims: Mapping[str, Any] = field(repr=False)


Principal = CustomerPrincipal | ServicePrincipal


def bearer_token(authorization: str | None) -> str:
    """The JWT inside an `Authorization` value, which may or may not start with `Bearer `.

    Raises:
        UnauthorizedException: the header is missing or empty (logged as such).
    """
    value = (authorization or "").strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    if not value:
        raise refused("Missing authorization token")
    return value


class TokenVerifier:
    """Checks Cognito ID and access tokens against the user pool's published keys.

    Rules: RS256 only; `iss` is the pool's issuer; `token_use` is `id` or `access`; the app client
    (`aud` of an id token, `client_id` of an access token) is one of the customer app clients or
    the service client (access tokens only); `exp` and `iat` are present and valid with a few
    seconds of leeway.

    Example:
        >>> verifier = TokenVerifier(Settings.from_environ())
        >>> principal = verifier.verify(request.headers.get("authorization"))  # doctest: +SKIP
    """

    def __init__(self, settings: Settings) -> None:
        self._issuer = settings.cognito_issuer
        self._customer_clients = frozenset(settings.cognito_client_ids)
        self._service_client = settings.service_client_id
        # PyJWKClient is thread-safe and caches the key set; its per-kid cache is left off
        # because it never expires, and a key removed from the JWKS must stop verifying.
        self._jwks = jwt.PyJWKClient(
            settings.cognito_jwks_url,
            cache_keys=False,
            lifespan=JWKS_LIFESPAN_S,
            timeout=settings.http_timeout_s,
        )

    def verify(self, authorization: str | None) -> Principal:
        """Verify the token in an `Authorization` value and return the caller.

        Args:
            authorization: the header value: a JWT, optionally prefixed with `Bearer `.

        Returns:
            A `ServicePrincipal` for the service client's access token, else a
            `CustomerPrincipal`.

        Raises:
            UnauthorizedException: the token is missing, malformed, expired, forged, or issued
                for another pool or app client (the reason is logged, not answered).
            DependencyFailure: the key set could not be fetched.
        """
        token = bearer_token(authorization)
        claims = self._claims(token)
        use = claims["token_use"]
        if use not in _TOKEN_USES:
            raise refused(f"Token use {use!r} is not accepted")
        client = claims.get("aud") if use == "id" else claims.get("client_id")
        if use == "access" and client == self._service_client:
            return ServicePrincipal(client_id=client, token=token, claims=claims)
        if not isinstance(client, str) or client not in self._customer_clients:
            raise refused("Token was not issued for this application")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise refused("Token has no subject")
        email = claims.get("email")
        groups = claims.get("cognito:groups") or []
        return CustomerPrincipal(
            sub=sub,
            email=email if isinstance(email, str) and email else None,
            groups=tuple(g for g in groups if isinstance(g, str)),
            token=token,
            claims=claims,
        )

    def _claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise refused("Token is malformed") from None
        # Refuse other algorithms before touching the network: junk tokens must not be able to
        # make us refetch the key set.
        if header.get("alg") not in ALGORITHMS:
            raise refused("Token algorithm is not accepted")
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            logger.warning("fetching the JWKS failed: %s", exc)
            raise DependencyFailure("Could not fetch the token signing keys") from None
        except jwt.PyJWTError:
            raise refused("Token signing key is unknown") from None
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=list(ALGORITHMS),
                issuer=self._issuer,
                leeway=LEEWAY_S,
                # Access tokens have no `aud`; the app client is checked by hand in `verify`.
                options={"verify_aud": False, "require": ["exp", "iat", "iss", "token_use"]},
            )
        except jwt.ExpiredSignatureError:
            raise refused("Token has expired") from None
        except jwt.InvalidIssuerError:
            raise refused("Token was issued by another identity provider") from None
        except jwt.PyJWTError as exc:
            raise refused(f"Token is invalid: {exc}") from None
