"""What JWT-based modes share: reading a token's claims before deciding who verifies it."""

from __future__ import annotations

from typing import Any

import jwt

# Which signature algorithms a JWKS key may verify, by its `kty`: pinning the family to the key
# stops `alg: none` and HS256-signed-with-the-public-key forgeries.
ALGORITHMS_BY_KEY_TYPE = {
    "RSA": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
    "EC": ["ES256", "ES384", "ES512"],
    "oct": ["HS256", "HS384", "HS512"],
}


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization` header; AppSync accepts it with or without `Bearer `."""
    return authorization.removeprefix("Bearer ").strip()


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The token's claims without checking anything, or None if it is not a JWT.

    Only used to route a token to the mode that will verify it (by `iss`).
    """
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None
