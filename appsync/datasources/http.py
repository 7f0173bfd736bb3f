"""HTTP data sources: the request an APPSYNC_JS handler returns, sent with httpx."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

# AppSync refuses to let resolver code set these; the HTTP client sets them itself.
_FORBIDDEN_HEADERS = frozenset(
    {"host", "connection", "user-agent", "expectation", "transfer-encoding", "content-length"}
)


@dataclass(frozen=True)
class HttpOutcome:
    """What a response handler sees: `ctx.result` on an answer, `ctx.error` on a failure."""

    result: dict[str, Any] | None
    error: dict[str, Any] | None


class HttpDataSource:
    """An HTTP endpoint (`http_config.endpoint`), called with one shared async client."""

    def __init__(self, name: str, *, endpoint: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self.endpoint = endpoint.rstrip("/")
        self._client = client

    async def send(self, request: Mapping[str, Any]) -> HttpOutcome:
        """Send the request object `{method, resourcePath, params{query, headers, body}}`.

        A non-2xx status is not an error (the handler decides); a transport failure is, with
        the `{message, type}` of AppSync's `ctx.error`.
        """
        params = request.get("params") or {}
        headers = {
            str(k): str(v)
            for k, v in (params.get("headers") or {}).items()
            if str(k).lower() not in _FORBIDDEN_HEADERS
        }
        body = params.get("body")
        content = body if isinstance(body, str | None) else json.dumps(body)
        try:
            response = await self._client.request(
                str(request.get("method", "GET")).upper(),
                self.endpoint + str(request.get("resourcePath", "")),
                params=params.get("query") or None,
                headers=headers,
                content=content,
            )
        except httpx.HTTPError as exc:
            return HttpOutcome(
                None, {"message": str(exc) or type(exc).__name__, "type": "HttpError"}
            )
        return HttpOutcome(
            {
                "statusCode": response.status_code,
                "headers": dict(response.headers),
                "body": response.text,
            },
            None,
        )
