"""CORS as Cognito's user-pool API answers it: any origin may call it (a browser app signs in
from wherever it is served), with the headers AWS clients send. The provider's other routes keep
their own, narrower policy.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_HEADERS = (
    "content-type",
    "x-amz-target",
    "x-amz-user-agent",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "cache-control",
    "authorization",
)
EXPOSED_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
PREFLIGHT_MAX_AGE_S = 86400


class UserPoolApiCors:
    """Answers CORS for `POST /` itself and passes every other path to `app` untouched."""

    def __init__(self, app: ASGIApp, path: str = "/") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(headers)(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and "origin" in headers:
                answered = MutableHeaders(scope=message)
                answered["Access-Control-Allow-Origin"] = "*"
                answered["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, with_cors)

    @staticmethod
    def _preflight(headers: Headers) -> Response:
        method = headers["access-control-request-method"].upper()
        requested = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
            if name.strip()
        }
        if method != "POST" or not requested <= set(ALLOWED_HEADERS):
            # The browser refuses the call for want of the headers below.
            return Response(status_code=403)
        return Response(
            status_code=200,
            headers={
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": ",".join(ALLOWED_HEADERS),
                "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
            },
        )
