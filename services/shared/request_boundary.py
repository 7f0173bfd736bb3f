"""The outermost layer of every service: each request run in its trace, logged once answered,
counted, reported to X-Ray, and never answered with a stack trace."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.shared import trace
from services.shared.errors import InternalError, NotFound
from services.shared.ids import is_valid_text
from services.shared.json_answers import error_response
from services.shared.metrics import NO_METRICS, MetricsSink, count
from services.shared.xray import SegmentSender

_TRACE_HEADERS = frozenset({trace.REQUEST_ID_HEADER.encode(), trace.TRACE_HEADER.encode()})
_GENERIC_500 = "An internal error occurred"
# Paths a load balancer polls: its health checks are not load.
_UNCOUNTED = frozenset({"/health", "/openapi.json"})


class ErrorBoundaryMiddleware:
    """Runs every request in its trace (`services.shared.trace`: the caller's request id and
    X-Ray root, or new ones), logs it once answered (status, duration), and turns an unexpected
    exception into a generic 500 `InternalError` (logged once, with its traceback); a path that
    is not valid Unicode is a 404 `NotFound`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        segments: SegmentSender | None = None,
        metrics: MetricsSink = NO_METRICS,
    ) -> None:
        self.app = app
        self.service = service
        self.logger = logging.getLogger(f"services.{service}")
        self.segments = segments or SegmentSender.from_environ()
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADERS
        }
        with trace.bound(trace.from_headers(headers)):
            await self._answer(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_valid_text(scope["path"]):
            # A server that let a lone surrogate through would hand it to route parameters; no
            # resource has such a name.
            await error_response(NotFound("Not Found"))(scope, receive, send)
            self.logger.info("%s %r 404", scope["method"], scope["path"])
            return
        began, began_at = time.perf_counter(), time.time()
        status = 500
        started = False

        async def send_and_record(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except Exception:
            self.logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                await error_response(InternalError(_GENERIC_500))(scope, receive, send)
            status = 500
        finally:
            elapsed_ms = (time.perf_counter() - began) * 1000
            self.logger.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "hop": self.service,
                    "http_status": status,
                    "duration_ms": round(elapsed_ms, 1),
                },
            )
            if scope["path"] not in _UNCOUNTED:
                # 0 or 1, so the average is the 5xx rate: the service sits behind a TCP load
                # balancer, which counts no HTTP statuses.
                self.metrics.emit(count("Requests"), count("ServerErrors", int(status >= 500)))
            current = trace.current()
            if current is not None:
                self.segments.send(
                    current,
                    name=self.service,
                    began=began_at,
                    ended=began_at + elapsed_ms / 1000,
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                )
