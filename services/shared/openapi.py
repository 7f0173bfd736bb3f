"""Building blocks of the services' OpenAPI 3.1 documents (served at `/openapi.json`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.shared.money import CURRENCIES

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {
            "type": "string",
            "description": "Stable error code, e.g. ValidationError, NotFound, Conflict.",
        },
        "message": {"type": "string"},
        "details": {
            "type": "object",
            "description": "Machine-readable context; `field` names the offending input.",
        },
    },
}

MONEY = {
    "type": "object",
    "required": ["amount", "currency"],
    "additionalProperties": False,
    "properties": {
        "amount": {"type": "integer", "description": "Minor units: 1999 is 19.99 GBP."},
        "currency": {"type": "string", "enum": sorted(CURRENCIES)},
    },
}

_DESCRIPTIONS = {
    400: "Invalid request; `details.field` names the input at fault.",
    401: "Missing, expired or otherwise invalid token (UnauthorizedException).",
    403: "The caller may not do this (Unauthorized).",
    404: "Not found (NotFound).",
    409: "Conflicts with what is stored (Conflict).",
    413: "Request body too large (ValidationError).",
    410: "Gone: the thing has expired (e.g. ChallengeExpired).",
    429: "Too many requests; `details.retryAfterSeconds` says when to retry (RateLimited).",
    502: "A dependency failed; nothing was written (DependencyFailure).",
}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema in `components.schemas`."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    """A response (or request body) carrying JSON of `schema`."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def link(
    path: str, method: str, parameter: str, value: str = "$response.body#/id"
) -> dict[str, Any]:
    """A response link to `method` on `path`, so clients go on without building its URL.

    `value` is the runtime expression that fills the path's `parameter`: by default the `id`
    of what the response carries.
    """
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method}", "parameters": {parameter: value}}


def errors(*statuses: int) -> dict[str, Any]:
    """Error responses for `statuses`, plus 401 (every route needs a token)."""
    return {
        str(status): json_body(ref("Error"), _DESCRIPTIONS[status])
        for status in sorted({401, *statuses})
    }


def document(
    *,
    title: str,
    description: str,
    paths: Mapping[str, Any],
    schemas: Mapping[str, Any],
) -> dict[str, Any]:
    """A whole OpenAPI 3.1 document with the shared schemas, bearer auth and `/health`."""
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "security": [{"cognito": []}],
        "paths": {
            "/health": {
                "get": {
                    "summary": "Liveness probe",
                    "security": [],
                    "responses": {"200": {"description": "The service is up."}},
                }
            },
            **paths,
        },
        "components": {
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": (
                        "A Cognito id or access token, in Authorization or, from AppSync HTTP "
                        "resolvers, in X-Forwarded-Authorization."
                    ),
                }
            },
            "schemas": {"Error": ERROR, "Money": MONEY, **schemas},
        },
    }
