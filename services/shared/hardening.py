"""What every service adds to its answers and refuses before its routes see a request.

- Security headers on every answer, errors included: the answers carry personal and credit data
  and are never to be cached (`no-store`), sniffed into another type, framed or sent on as a
  referrer. A header the route set itself is kept.
- Requests whose headers add up to more than `MAX_HEADER_BYTES` are refused with 431 before any
  routing or token check: legitimate callers send a few hundred bytes (a token is about 1 KB),
  and API Gateway in front of the services in AWS allows 10 KB.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_HEADER_BYTES = 16 * 1024
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
_TOO_LARGE = orjson.dumps(
    {"error": "ValidationError", "message": "The request's headers are too large"}
)


class HardeningMiddleware:
    """Adds `SECURITY_HEADERS` to every HTTP answer; refuses oversized headers (431)."""

    def __init__(self, app: ASGIApp, *, max_header_bytes: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in SECURITY_HEADERS if header[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        size = sum(len(name) + len(value) for name, value in scope["headers"])
        if size > self.max_header_bytes:
            await secured(
                {
                    "type": "http.response.start",
                    "status": 431,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(_TOO_LARGE)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _TOO_LARGE})
            return
        await self.app(scope, receive, secured)
