"""Request ids and X-Ray trace headers, as AppSync gives them.

AppSync names every request with a UUID and returns it in `x-amzn-RequestId`. With X-Ray on, it
continues the caller's `X-Amzn-Trace-Id` (or starts a trace), passes the header to its resolvers
in `ctx.request.headers` and to HTTP data sources. The emulator always does, and also puts the
request id beside it in `ctx.request.headers` (`x-amzn-requestid`), so what a resolver or a
Lambda logs can name the request the client was told about.

The current request's ids live in a context variable for the emulator's own log lines and its
calls to HTTP data sources. A Lambda function runs elsewhere in AWS: it reads them from its event.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-amzn-requestid"
TRACE_HEADER = "x-amzn-trace-id"
# As AppSync writes it in its answers.
RESPONSE_HEADER = "x-amzn-RequestId"

_ROOT = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")

logger = logging.getLogger("appsync.requests")


@dataclass
class RequestTrace:
    """One API request's id, its X-Ray trace root, and who made it once authenticated."""

    request_id: str
    root: str
    sampled: str = "1"
    sub: str | None = None

    def header(self) -> str:
        """The `X-Amzn-Trace-Id` for a hop made from this request (a new segment as parent)."""
        return f"Root={self.root};Parent={secrets.token_hex(8)};Sampled={self.sampled}"

    def headers(self) -> dict[str, str]:
        """What a resolver's request headers and a data-source call carry of this request."""
        return {REQUEST_ID_HEADER: self.request_id, TRACE_HEADER: self.header()}


def start(headers: Mapping[str, str]) -> RequestTrace:
    """A new request: a new id, and the caller's trace root when its header has a valid one."""
    fields = dict(
        part.strip().partition("=")[::2] for part in headers.get(TRACE_HEADER, "").split(";")
    )
    root = fields.get("Root", "")
    if not _ROOT.fullmatch(root):
        root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return RequestTrace(
        request_id=str(uuid.uuid4()),
        root=root,
        sampled="0" if fields.get("Sampled") == "0" else "1",
    )


_current: contextvars.ContextVar[RequestTrace | None] = contextvars.ContextVar(
    "appsync_request", default=None
)


def current() -> RequestTrace | None:
    """The request being answered, if any."""
    return _current.get()


def identify(identity: Mapping[str, Any] | None) -> None:
    """Name the authenticated caller of the current request in its log lines: a user's `sub`,
    an IAM caller's ARN (an API key names no one)."""
    trace = _current.get()
    if trace is not None and identity:
        who = identity.get("sub") or identity.get("userArn")
        trace.sub = str(who) if who else None


def with_trace(headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` as resolvers see them: the request's id and trace header added."""
    trace = _current.get()
    return {**headers, **trace.headers()} if trace is not None else dict(headers)


class TraceFilter(logging.Filter):
    """Puts the current request's id and trace root on every log record made while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        trace = _current.get()
        if trace is not None:
            record.request_id = trace.request_id
            record.trace_id = trace.root
            if trace.sub is not None:
                record.sub = trace.sub
        return True


class RequestTraceMiddleware:
    """Gives each HTTP request on `paths` its trace, answers with `x-amzn-RequestId`, and logs
    it once it is answered: method, path, status, duration, caller's address."""

    def __init__(self, app: ASGIApp, *, paths: tuple[str, ...] = ("/graphql",)) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        trace = start(headers)
        token = _current.set(trace)
        began = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (RESPONSE_HEADER.encode(), trace.request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            logger.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "hop": "appsync",
                    "http_status": status,
                    "duration_ms": round((time.perf_counter() - began) * 1000, 1),
                    "client": f"{client[0]}:{client[1]}" if client else None,
                },
            )
            _current.reset(token)
