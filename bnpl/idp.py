"""The dev identity provider: signs Cognito-shaped tokens and serves the keys that verify them.

Tokens carry exactly the claims Amazon Cognito writes, signed RS256 with a `kid` header, and the
keys are published as a JWKS at Cognito's path, so the verification code that runs against the
real user pool in AWS runs unchanged against this one. The private key lives in the project's data
folder and is created on first use; `bnpl token` and the running provider share it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bnpl.personas import PERSONAS
from bnpl.settings import DEV_SERVICE_CLIENT_SECRET, DevSettings

TokenUse = Literal["id", "access"]
ID_TOKEN: TokenUse = "id"  # noqa: S105 - a claim value, not a secret

USER_SCOPE = "aws.cognito.signin.user.admin"
SERVICE_SCOPE = "bnpl/merchant-proxy"
SERVICE_TOKEN_TTL_S = 3600
_MAX_BODY_BYTES = 16 * 1024
_FORM = "application/x-www-form-urlencoded"


# ---------------------------------------------------------------- signing key


@dataclass(frozen=True)
class SigningKey:
    """The provider's RSA key and its public JWK (`kid` = RFC 7638 thumbprint)."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def jwk(self) -> dict[str, str]:
        """The public key as Cognito publishes it in its JWKS."""
        public = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"kid": self.kid, "alg": "RS256", "kty": "RSA", "use": "sig", **_rsa_members(public)}


def _rsa_members(jwk: Mapping[str, Any]) -> dict[str, str]:
    return {"e": str(jwk["e"]), "n": str(jwk["n"])}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint of an RSA public JWK: the `kid`, stable for as long as the key is."""
    # SHA-256 over the required members in lexicographic order, without whitespace.
    members = {**_rsa_members(jwk), "kty": "RSA"}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


_KEY_CACHE: dict[tuple[Path, int, int], SigningKey] = {}


def signing_key(path: Path) -> SigningKey:
    """Load the RSA private key at `path` (PEM), creating it (mode 0600) on first use.

    Raises:
        ValueError: the file exists but does not hold an RSA private key.
    """
    if not path.exists():
        _create_key_file(path)
    stat = path.stat()
    cache_key = (path.resolve(), stat.st_ino, stat.st_mtime_ns)
    cached = _KEY_CACHE.get(cache_key)
    if cached is not None:
        return cached
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not a PEM RSA private key; delete it to get a new one")
    key = SigningKey(
        private_key=loaded,
        kid=jwk_thumbprint(RSAAlgorithm.to_jwk(loaded.public_key(), as_dict=True)),
    )
    _KEY_CACHE[cache_key] = key
    return key


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Write a private temporary file, then hard-link it into place: the link fails if another
    # process (`bnpl dev` and `bnpl token` at once) created the key first, and nobody ever reads
    # a half-written key.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dev-idp-key-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


# ---------------------------------------------------------------- tokens


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
        if email is not None:
            claims |= {"email": email, "email_verified": True}
    else:
        claims |= {"iss": settings.issuer, "version": 2, "client_id": client}
        claims |= {"scope": USER_SCOPE, "username": sub}
    claims |= {
        "token_use": token_use,
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "auth_time": issued,
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


# ---------------------------------------------------------------- HTTP app


class _RequestError(Exception):
    """A request refused with a stable error code (OAuth2's codes on the token endpoint)."""

    def __init__(self, code: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status


def _oauth_error(rejected: _RequestError) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if rejected.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="bnpl-dev-idp"'
    return JSONResponse(
        {"error": rejected.code, "error_description": rejected.description},
        status_code=rejected.status,
        headers=headers,
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    return (client_id, secret) if separator else None


async def _token_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM:
        raise _RequestError("invalid_request", f"Content-Type must be {_FORM}")
    body = await request.body()
    if len(body) > _MAX_BODY_BYTES:
        raise _RequestError("invalid_request", "request body too large")
    try:
        params = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as exc:
        raise _RequestError("invalid_request", "request body is not UTF-8") from exc
    repeated = sorted(name for name, values in params.items() if len(values) > 1)
    if repeated:
        raise _RequestError("invalid_request", f"repeated parameter(s): {', '.join(repeated)}")
    return {name: values[0] for name, values in params.items()}


def _authenticate_client(
    settings: DevSettings, authorization: str | None, form: Mapping[str, str]
) -> str:
    """The id of the client, authenticated by HTTP Basic or by the form (never both)."""
    if authorization is not None and "client_secret" in form:
        raise _RequestError("invalid_request", "authenticate the client one way only")
    credentials = (
        _basic_credentials(authorization)
        if authorization is not None
        else (form.get("client_id", ""), form.get("client_secret", ""))
    )
    client_id, secret = credentials or ("", "")
    # Both comparisons always run, so timing does not tell which part was wrong.
    id_ok = hmac.compare_digest(client_id.encode(), settings.service_client_id.encode())
    secret_ok = hmac.compare_digest(secret.encode(), DEV_SERVICE_CLIENT_SECRET.encode())
    if not (id_ok and secret_ok):
        raise _RequestError("invalid_client", "Client authentication failed", status=401)
    return client_id


_DEV_TOKEN_FIELDS = frozenset({"persona", "sub", "groups", "tokenUse", "email"})


async def _dev_token_request(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > _MAX_BODY_BYTES:
        raise _RequestError("body_too_large", "the request body is too large", status=413)
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise _RequestError("invalid_json", "the request body is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise _RequestError("invalid_request", "the request body must be a JSON object")
    unknown = sorted(set(payload) - _DEV_TOKEN_FIELDS)
    if unknown:
        raise _RequestError("invalid_request", f"unknown field(s): {', '.join(unknown)}")
    if ("persona" in payload) == ("sub" in payload):
        raise _RequestError("invalid_request", "give exactly one of persona or sub")
    persona = payload.get("persona")
    if "persona" in payload and (not isinstance(persona, str) or persona not in PERSONAS):
        known = ", ".join(PERSONAS)
        raise _RequestError("unknown_persona", f"no persona {payload['persona']!r}; known: {known}")
    if "sub" in payload and (not isinstance(payload["sub"], str) or not payload["sub"].strip()):
        raise _RequestError("invalid_request", "sub must be a non-empty string")
    groups = payload.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise _RequestError("invalid_request", "groups must be a list of non-empty strings")
    if payload.get("tokenUse", "id") not in ("id", "access"):
        raise _RequestError("invalid_request", "tokenUse must be 'id' or 'access'")
    email = payload.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise _RequestError("invalid_request", "email must be an email address")
    return payload


def create_app(settings: DevSettings | None = None) -> Starlette:
    """The provider's ASGI app (`uvicorn --factory bnpl.idp:create_app`).

    Args:
        settings: the local stack's settings; read from the environment by default.
    """
    settings = settings or DevSettings.from_environ()
    key = signing_key(settings.signing_key_path)  # create the key now, not on the first request

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def token_endpoint(request: Request) -> JSONResponse:
        """Cognito's client-credentials grant, for the service app client only."""
        try:
            form = await _token_form(request)
            client_id = _authenticate_client(settings, request.headers.get("authorization"), form)
            grant_type = form.get("grant_type")
            if not grant_type:
                raise _RequestError("invalid_request", "grant_type is required")
            if grant_type != "client_credentials":
                raise _RequestError("unsupported_grant_type", f"grant_type {grant_type!r}")
            requested = form.get("scope", SERVICE_SCOPE).split()
            if not requested or any(scope != SERVICE_SCOPE for scope in requested):
                raise _RequestError("invalid_scope", f"the client may request {SERVICE_SCOPE}")
        except _RequestError as rejected:
            return _oauth_error(rejected)
        return JSONResponse(
            {
                "access_token": mint_service_token(settings, client_id=client_id),
                "expires_in": SERVICE_TOKEN_TTL_S,
                "token_type": "Bearer",
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    async def dev_tokens(request: Request) -> JSONResponse:
        """A token for a persona or any subject, for pages and scripts."""
        try:
            payload = await _dev_token_request(request)
        except _RequestError as rejected:
            body = {"error": rejected.code, "message": rejected.description}
            return JSONResponse(body, status_code=rejected.status)
        persona = PERSONAS.get(payload["persona"]) if "persona" in payload else None
        token = mint_token(
            settings,
            sub=persona.sub if persona else payload["sub"],
            email=payload.get("email") or (persona.email if persona else None),
            groups=[*(persona.groups if persona else ()), *payload.get("groups", [])],
            token_use=payload.get("tokenUse", "id"),
        )
        return JSONResponse({"token": token})

    def known_pool(request: Request) -> JSONResponse | None:
        pool = request.path_params["user_pool_id"]
        if pool == settings.user_pool_id:
            return None
        return JSONResponse(
            {"error": "user_pool_not_found", "message": f"no user pool {pool!r}"}, status_code=404
        )

    async def jwks(request: Request) -> JSONResponse:
        return known_pool(request) or JSONResponse({"keys": [key.jwk]})

    async def openid_configuration(request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        return known_pool(request) or JSONResponse(
            {
                "issuer": settings.issuer,
                "jwks_uri": f"{base}/{settings.user_pool_id}/.well-known/jwks.json",
                "token_endpoint": f"{base}/oauth2/token",
                "grant_types_supported": ["client_credentials"],
                "response_types_supported": ["token"],
                "scopes_supported": [SERVICE_SCOPE, USER_SCOPE],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/{user_pool_id}/.well-known/jwks.json", jwks, methods=["GET"]),
            Route(
                "/{user_pool_id}/.well-known/openid-configuration",
                openid_configuration,
                methods=["GET"],
            ),
            Route("/oauth2/token", token_endpoint, methods=["POST"]),
            Route("/dev/tokens", dev_tokens, methods=["POST"]),
        ],
        # Pages served by the local stack (any port on this machine) may fetch dev tokens; no
        # other origin may.
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origin_regex=r"https?://(127\.0\.0\.1|localhost)(:\d+)?",
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
            )
        ],
    )
