"""The receiver behind `bnpl webhooks listen`: an HTTP endpoint on this machine that verifies
merchant webhooks (Standard Webhooks, by the `standardwebhooks` library), prints one line per
event and, when asked, forwards each verified event to the developer's own app.

A request is accepted only when one of its `webhook-signature` signatures is the secret's HMAC of
`<webhook-id>.<webhook-timestamp>.<body>` and its timestamp is within five minutes of this
machine's clock: the checks a merchant's receiver makes. During a secret rotation the sender
signs with both secrets, so a receiver holding either accepts. A refused request is answered 400
and never forwarded.

Delivery is at least once: the sender tries again, under the same `webhook-id`, until it gets a
2xx answer. The receiver remembers the ids it accepted lately and marks a repeat "again".
"""

from __future__ import annotations

import json
import signal
import socket
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import Any

import httpx
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

HOST = "127.0.0.1"
SIGNED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# The sender gives each attempt 15 seconds; a slower app is answered 502 before the sender gives
# up, so the line printed here says why the sender will try again.
FORWARD_TIMEOUT_S = 10.0
RECENT_IDS = 1000
_SHOWN_MAX_CHARS = 120
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# The library's messages, in the words of the check that failed.
_REASONS = {
    "Invalid Signature Headers": "webhook-timestamp is not a Unix time in seconds",
    "Message timestamp too old": "webhook-timestamp is more than 5 minutes old "
    "(a replayed request, or this machine's clock is wrong)",
    "Message timestamp too new": "webhook-timestamp is more than 5 minutes in the future "
    "(this machine's clock is wrong?)",
    "No matching signature found": "no signature matches the secret "
    "(signed with another secret, or the body was changed)",
}

Clock = Callable[[], datetime]
Writer = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class Verified:
    """A request whose signature and timestamp checked out, and the event it carries."""

    webhook_id: str
    event: Any


@dataclass(frozen=True, kw_only=True)
class Refused:
    """A request that is not a webhook signed with the secret, and why."""

    webhook_id: str | None
    reason: str


def verify(webhook: Webhook, body: bytes, headers: Mapping[str, str]) -> Verified | Refused:
    """Check one request's signature and timestamp against `webhook`'s secret.

    Args:
        webhook: the endpoint's secret, as the library holds it.
        body: the request body exactly as received.
        headers: the request headers (any case).

    Example:
        >>> from datetime import UTC, datetime
        >>> hook = Webhook("whsec_c2VjcmV0")
        >>> body = b'{"type": "webhook.test"}'
        >>> signature = hook.sign("evt_1", datetime.now(UTC), body)
        >>> headers = {
        ...     "webhook-id": "evt_1",
        ...     "webhook-timestamp": str(int(datetime.now(UTC).timestamp())),
        ...     "webhook-signature": signature,
        ... }
        >>> verify(hook, body, headers)
        Verified(webhook_id='evt_1', event={'type': 'webhook.test'})
        >>> verify(hook, body + b" ", headers).reason.startswith("no signature matches")
        True
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    webhook_id = lowered.get("webhook-id") or None
    missing = [name for name in SIGNED_HEADERS if not lowered.get(name)]
    if missing:
        return Refused(webhook_id=webhook_id, reason=f"no {', '.join(missing)} header")
    try:
        event = webhook.verify(body, lowered)
    except WebhookVerificationError as exc:
        return Refused(webhook_id=webhook_id, reason=_REASONS.get(str(exc), str(exc)))
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError
        return Refused(webhook_id=webhook_id, reason="signed, but the body is not JSON")
    assert webhook_id is not None
    return Verified(webhook_id=webhook_id, event=event)


class RecentIds:
    """The last `capacity` webhook ids accepted, to tell a redelivery from a new event."""

    def __init__(self, capacity: int = RECENT_IDS) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, webhook_id: str) -> bool:
        """Remember `webhook_id`; whether it was among the recent ones already."""
        again = webhook_id in self._ids
        self._ids[webhook_id] = None
        self._ids.move_to_end(webhook_id)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return again


def shown(text: object) -> str:
    """`text` safe to print: anything a request sent may hold terminal escapes, so text that is
    not printable ASCII is shown as a Python literal; long text is cut."""
    value = str(text)[:_SHOWN_MAX_CHARS]
    return value if value.isascii() and value.isprintable() else ascii(value)


def summary(event: Any) -> str:
    """`checkout.approved #3 checkout=chk_...`: the event's type, its place among its checkout's
    events and the checkout, as far as the body has them."""
    body = event if isinstance(event, dict) else {}
    parts = [shown(body.get("type", "(no type)"))]
    if "sequence" in body:
        parts.append(f"#{shown(body['sequence'])}")
    checkout_id = _checkout_id(body.get("data"))
    if checkout_id is not None:
        parts.append(f"checkout={shown(checkout_id)}")
    return " ".join(parts)


def _checkout_id(data: Any) -> object | None:
    if not isinstance(data, dict):
        return None
    checkout, plan = data.get("checkout"), data.get("plan")
    found: object | None = None
    if isinstance(checkout, dict):
        found = checkout.get("id")
    elif isinstance(plan, dict):
        found = plan.get("checkoutId")
    return found


def local_now() -> datetime:
    """This machine's time, in its own zone."""
    return datetime.now().astimezone()


class Console:
    """What the receiver prints: one line per event and per refusal.

    Args:
        out: writes one line of the event stream (stdout).
        notes: writes one line about the stream (stdout too, or stderr under `--json`).
        as_json: write each accepted event as its JSON, one per line; the rest goes to `notes`.
        clock: the time printed at the start of a line.
    """

    def __init__(
        self, *, out: Writer, notes: Writer, as_json: bool = False, clock: Clock = local_now
    ) -> None:
        self._out = out
        self._notes = notes
        self._as_json = as_json
        self._clock = clock

    def _line(self, text: str) -> str:
        return f"{self._clock():%H:%M:%S}  {text}"

    def _stream(self, text: str) -> None:
        (self._notes if self._as_json else self._out)(self._line(text))

    def note(self, text: str) -> None:
        """A message about the receiver itself (listening, registered, stopped)."""
        self._notes(text)

    def accepted(self, verified: Verified, *, again: bool) -> None:
        """A verified event: its summary line, or its JSON under `--json`."""
        tail = "  again" if again else ""
        if self._as_json:
            self._out(json.dumps(verified.event))
            if again:
                self._notes(self._line(f"again [{shown(verified.webhook_id)}]"))
            return
        self._out(self._line(f"--> {summary(verified.event)} [{shown(verified.webhook_id)}]{tail}"))

    def refused(self, refused: Refused, *, status: int = 400) -> None:
        """A request that was not accepted, answered `status`."""
        about = shown(refused.webhook_id) if refused.webhook_id else "no webhook-id"
        self._stream(f"REFUSED ({status}) [{about}]: {refused.reason}")

    def forwarded(self, webhook_id: str, *, url: str, status: int) -> None:
        """The developer's app answered the forwarded event `status`."""
        self._stream(f"<-- [{status}] POST {url} [{shown(webhook_id)}]")

    def forward_failed(self, webhook_id: str, *, url: str, error: str) -> None:
        """The developer's app could not be reached or did not answer in time."""
        self._stream(f"<-- [502] POST {url} [{shown(webhook_id)}]: {error}")


def create_app(
    *,
    secret: str,
    console: Console,
    forward_to: str | None = None,
    http: httpx.AsyncClient | None = None,
    recent: RecentIds | None = None,
) -> Starlette:
    """The receiver: every path answers, POST only.

    Args:
        secret: the endpoint's signing secret (`whsec_` and base64).
        console: where lines are printed.
        forward_to: POST each verified event here too, and answer with its status.
        http: the client that forwards; one is made (and closed) by the app's lifespan if not
            given.
        recent: the ids accepted so far (a fresh, bounded set by default).

    Raises:
        ValueError: `secret` is not base64.
        EmptyWebhookSecretError: it holds no key (the library's error).
    """
    webhook = Webhook(secret)
    ids = recent or RecentIds()
    client: httpx.AsyncClient | None = http

    async def receive(request: Request) -> Response:
        if request.method != "POST":
            console.refused(
                Refused(
                    webhook_id=None, reason=f"{request.method} {shown(request.url.path)}: POST only"
                ),
                status=405,
            )
            return PlainTextResponse("webhooks are POST requests", 405, headers={"Allow": "POST"})
        body = await request.body()
        result = verify(webhook, body, request.headers)
        if isinstance(result, Refused):
            console.refused(result)
            return PlainTextResponse(result.reason, 400)
        console.accepted(result, again=ids.seen(result.webhook_id))
        if forward_to is None:
            return Response(status_code=204)
        assert client is not None
        return await _forward(
            client,
            forward_to,
            webhook_id=result.webhook_id,
            body=body,
            request=request,
            console=console,
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        nonlocal client
        if client is not None or forward_to is None:
            yield
            return
        # The app on this machine is reached directly: no proxy from the environment.
        async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT_S, trust_env=False) as client:
            yield

    return Starlette(routes=[Route("/{path:path}", receive, methods=_METHODS)], lifespan=lifespan)


async def _forward(
    client: httpx.AsyncClient,
    url: str,
    *,
    webhook_id: str,
    body: bytes,
    request: Request,
    console: Console,
) -> Response:
    """POST the body and the signed headers, unchanged, so the app verifies them itself."""
    headers = {name: request.headers[name] for name in SIGNED_HEADERS}
    headers["content-type"] = request.headers.get("content-type", "application/json")
    try:
        answer = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        console.forward_failed(webhook_id, url=url, error=f"{type(exc).__name__}: {exc}")
        return PlainTextResponse(f"{url} did not answer", 502)
    console.forwarded(webhook_id, url=url, status=answer.status_code)
    return Response(status_code=answer.status_code)


def listening_socket(port: int, host: str = HOST) -> socket.socket:
    """A TCP socket bound to `host:port` (0: a free port) and listening, so that a request
    sent before the server starts waits instead of being refused.

    Raises:
        OSError: the port is taken or not ours to use.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class ReceiverServer(uvicorn.Server):
    """uvicorn serving one app on a socket bound beforehand, quietly.

    Ctrl-C or SIGTERM stops it and `serve` returns; uvicorn's own handler would raise the
    signal again afterwards, and the command still has its endpoint to disable. A second Ctrl-C
    skips waiting for open connections.
    """

    def __init__(self, app: Starlette) -> None:
        super().__init__(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                # Nothing stands in front of the receiver: a client's X-Forwarded-For is not
                # its address.
                proxy_headers=False,
                server_header=False,
                ws="none",
                timeout_graceful_shutdown=2,
            )
        )

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Stop on SIGINT and SIGTERM (only the main thread can hear signals)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(_signum: int, _frame: FrameType | None) -> None:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

        stops = (signal.SIGINT, signal.SIGTERM)
        previous = {signum: signal.signal(signum, stop) for signum in stops}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
