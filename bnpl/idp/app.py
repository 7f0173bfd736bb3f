"""The dev identity provider's HTTP app: Cognito's user-pool API (`POST /`, bnpl.idp.cognito_api),
JWKS and OpenID configuration at Cognito's paths, Cognito's client-credentials token endpoint, and
dev tokens for personas.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bnpl.idp import startup
from bnpl.idp.cognito_api import endpoint
from bnpl.idp.cors import UserPoolApiCors
from bnpl.idp.keys import signing_key
from bnpl.idp.provider import Provider
from bnpl.idp.tokens import (
    SERVICE_SCOPE,
    SERVICE_TOKEN_TTL_S,
    USER_SCOPE,
    mint_service_token,
    mint_token,
)
from bnpl.personas import PERSONAS
from bnpl.settings import DEV_SERVICE_CLIENT_SECRET, DevSettings

_MAX_BODY_BYTES = 16 * 1024
_FORM = "application/x-www-form-urlencoded"


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


def create_app(
    settings: DevSettings | None = None,
    *,
    user_pool_factory: Callable[[], Provider] | None = None,
) -> Starlette:
    """The provider's ASGI app (`uvicorn --factory bnpl.idp.app:create_app`).

    Args:
        settings: the local stack's settings; read from the environment by default.
        user_pool_factory: builds the user pool behind `POST /`; by default the stack's, on the
            tables the environment's service settings name (built at start-up, in the
            background, since DynamoDB Local may still be starting).
    """
    settings = settings or DevSettings.from_environ()
    key = signing_key(settings.signing_key_path)  # create the key now, not on the first request
    handle = startup.user_pool_handle(settings, user_pool_factory)

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
        lifespan=startup.warming(handle),
        routes=[
            Route("/", endpoint(handle), methods=["POST"]),
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
        # Cognito's user-pool API answers any origin; pages served by the local stack (any port on
        # this machine) may also fetch dev tokens, and no other origin may.
        middleware=[
            Middleware(UserPoolApiCors),
            Middleware(
                CORSMiddleware,
                allow_origin_regex=r"https?://(127\.0\.0\.1|localhost)(:\d+)?",
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
            ),
        ],
    )
