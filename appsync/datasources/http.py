"""HTTP data sources: the request an APPSYNC_JS handler returns, sent with httpx.

The connection pool must survive whatever the callers do. httpcore's pool can lose a slot for
good when a request waiting for a connection is cancelled (encode/httpcore#1093, open on 1.0.9):
after enough of them, every request fails with `PoolTimeout` until the process restarts. The
request's 30 s limit cancels calls, so three guards keep the pool whole:

- at most `max_connections` requests enter the pool at once (the rest wait on a semaphore in
  front of it), so the pool is never contended and its waiting list stays empty;
- each request runs in its own task, shielded from the caller's cancellation: a call the
  deadline gave up on finishes (or hits httpx's own timeouts) and returns its connection;
- should the pool still time out, it is replaced by a fresh one (logged once per replacement),
  when the data source built it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from appsync import tracing

logger = logging.getLogger("appsync")

# AppSync refuses to let resolver code set these; the HTTP client sets them itself.
_FORBIDDEN_HEADERS = frozenset(
    {"host", "connection", "user-agent", "expectation", "transfer-encoding", "content-length"}
)
MAX_CONNECTIONS = 64
"""Connections to one endpoint (and so requests in flight to it)."""


@dataclass(frozen=True)
class HttpOutcome:
    """What a response handler sees: `ctx.result` on an answer, `ctx.error` on a failure."""

    result: dict[str, Any] | None
    error: dict[str, Any] | None


def pooled_client(timeout_s: float, max_connections: int = MAX_CONNECTIONS) -> httpx.AsyncClient:
    """An async client with a pool sized for one data source."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.AsyncClient(timeout=timeout_s, limits=limits)


class HttpDataSource:
    """An HTTP endpoint (`http_config.endpoint`).

    Args:
        name: the data source's name.
        endpoint: its base URL.
        client: a client to send with, owned by the caller (never replaced).
        client_factory: builds the client instead; the data source owns it, closes it in
            `aclose`, and replaces it should its pool time out.
        max_connections: requests in flight at once (at most the client's pool size).
    """

    def __init__(
        self,
        name: str,
        *,
        endpoint: str,
        client: httpx.AsyncClient | None = None,
        client_factory: Callable[[], httpx.AsyncClient] | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if (client is None) == (client_factory is None):
            raise ValueError(f"{name}: give exactly one of client or client_factory")
        self.name = name
        self.endpoint = endpoint.rstrip("/")
        self._client = client
        self._factory = client_factory
        self._max_connections = max_connections
        self._gate: asyncio.Semaphore | None = None
        self._gate_loop: asyncio.AbstractEventLoop | None = None
        # Requests in flight per client (strong references: a request the caller gave up on
        # runs on), so a replaced client is closed once its last request is done.
        self._running: dict[httpx.AsyncClient, set[asyncio.Task[Any]]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def send(self, request: Mapping[str, Any]) -> HttpOutcome:
        """Send the request object `{method, resourcePath, params{query, headers, body}}`.

        A non-2xx status is not an error (the handler decides); a failure to send is, with the
        `{message, type}` of AppSync's `ctx.error`.
        """
        params = request.get("params") or {}
        headers = {
            str(k): str(v)
            for k, v in (params.get("headers") or {}).items()
            if str(k).lower() not in _FORBIDDEN_HEADERS
        }
        # AppSync (X-Ray on) passes the trace on to HTTP data sources, beside what the handler set.
        given = {k.lower() for k in headers}
        trace = tracing.current()
        for name, value in (trace.headers() if trace is not None else {}).items():
            if name not in given:
                headers[name] = value
        body = params.get("body")
        content = body if isinstance(body, str | None) else json.dumps(body)
        try:
            outgoing = self._http().build_request(
                str(request.get("method", "GET")).upper(),
                self.endpoint + str(request.get("resourcePath", "")),
                params=params.get("query") or None,
                headers=headers,
                # JSON.stringify escapes lone surrogates; a string that still cannot be UTF-8
                # goes out with them replaced, as a Java service's encoder would send it.
                content=content.encode("utf-8", "replace") if content is not None else None,
            )
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            # A URL or header the request handler built that no HTTP request can carry.
            return HttpOutcome(None, {"message": f"Invalid request: {exc}", "type": "HttpError"})
        try:
            response = await self._send(outgoing)
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

    async def _send(self, outgoing: httpx.Request) -> httpx.Response:
        """Send through the gate, in a task the caller's cancellation does not reach."""
        gate = self._gate_for_loop()
        await gate.acquire()
        client = self._http()
        task = asyncio.ensure_future(client.send(outgoing))
        running = self._running.setdefault(client, set())
        running.add(task)

        def finished(done: asyncio.Task[httpx.Response]) -> None:
            running.discard(done)
            gate.release()
            if not done.cancelled() and isinstance(done.exception(), httpx.PoolTimeout):
                self._retire(client)
            if client is not self._client and not running:
                self._running.pop(client, None)
                self._close_later(client)

        task.add_done_callback(finished)
        return await asyncio.shield(task)

    def _gate_for_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate, self._gate_loop = asyncio.Semaphore(self._max_connections), loop
        return self._gate

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            assert self._factory is not None
            self._client = self._factory()
        return self._client

    def _retire(self, timed_out: httpx.AsyncClient) -> None:
        """Replace a pool that timed out (with the gate in front, only a lost slot does that);
        the old one is closed once its requests in flight are done."""
        if self._factory is None or self._client is not timed_out:
            return
        logger.warning(
            "data source %s: its connection pool timed out; a fresh one replaces it", self.name
        )
        self._client = self._factory()

    def _close_later(self, client: httpx.AsyncClient) -> None:
        closing = asyncio.ensure_future(client.aclose())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        """Close the client, if the data source built it."""
        if self._factory is not None and self._client is not None:
            await self._client.aclose()
            self._client = None
