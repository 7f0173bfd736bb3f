"""One real-time WebSocket connection, served as AppSync serves it (appsync.md §7.2, §11).

AppSync serves the protocol on its own host, `wss://<id>.appsync-realtime-api.<region>.amazonaws.com
/graphql`; the emulator serves it on its HTTP port, at `/graphql/realtime` (where amplify-js dials
for a host that is not an AppSync domain) and at `/graphql` (where clients that swap the host name,
like gql's `AppSyncWebsocketsTransport`, dial).

The life of a connection:
1. The upgrade is accepted with the `graphql-ws` subprotocol; the credentials come from a
   `header-<base64url>` subprotocol, the `header` query parameter or the HTTP headers, and are
   checked as a signed `POST https://<host>/graphql/connect` with body `{}`. Bad credentials get
   `connection_error` and the socket is closed (amplify-js retries forever on a refused upgrade).
2. `connection_init` → `connection_ack {connectionTimeoutMs: 300000}`; `ka` every
   `keep_alive_s` from then on. Messages before the ack are ignored, as the AWS guide says.
3. `start` → `start_ack` or an `error` for its id; events arrive as `data`; `stop` → `complete`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from appsync.auth.iam import SignedRequest
from appsync.auth.lambda_authorizer import AuthorizationRequest
from appsync.auth.modes import Unauthenticated
from appsync.realtime import protocol
from appsync.realtime.registry import Subscription, SubscriptionHub
from appsync.realtime.start import SubscriptionRefused

if TYPE_CHECKING:
    from appsync.api import AppSyncApi

__all__ = ["DEFAULT_KEEP_ALIVE_S", "MAX_SUBSCRIPTIONS_PER_CONNECTION", "realtime_endpoint"]

logger = logging.getLogger("appsync")

# AppSync does not document its `ka` period, only that clients close after connectionTimeoutMs
# (5 minutes) without one; observed AppSync connections get one about every minute. UNVERIFIED.
DEFAULT_KEEP_ALIVE_S = 60.0
MAX_SUBSCRIPTIONS_PER_CONNECTION = 200  # AppSync quota (appsync.md §8)
_UNAUTHORIZED = "com.amazonaws.deepdish.graphql.auth#UnauthorizedException"
# Lambda authorizers see this operation name for a connect (AWS guide, "AWS_LAMBDA").
_CONNECT_OPERATION = "DeepDish:Connect"


def realtime_endpoint(
    api: AppSyncApi, *, keep_alive_s: float = DEFAULT_KEEP_ALIVE_S
) -> tuple[SubscriptionHub, Callable[[WebSocket], Awaitable[None]]]:
    """The API's subscription hub and the Starlette WebSocket endpoint that serves it.

    Args:
        api: the API; the hub attaches to it, so its mutations publish to subscribers.
        keep_alive_s: seconds between `ka` messages.
    """
    hub = SubscriptionHub(api)

    async def endpoint(websocket: WebSocket) -> None:
        await _Connection(api, hub, websocket, keep_alive_s).serve()

    return hub, endpoint


def _source_ip(websocket: WebSocket) -> list[str]:
    forwarded = [
        ip.strip() for ip in websocket.headers.get("x-forwarded-for", "").split(",") if ip.strip()
    ]
    return forwarded + ([websocket.client.host] if websocket.client else [])


class _Connection:
    def __init__(
        self, api: AppSyncApi, hub: SubscriptionHub, websocket: WebSocket, keep_alive_s: float
    ) -> None:
        self._api, self._hub, self._ws = api, hub, websocket
        self._keep_alive_s = keep_alive_s
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._open = True
        self._subscriptions: dict[str, Subscription] = {}
        self._source_ip = _source_ip(websocket)
        self._host = websocket.headers.get("host", "localhost")

    def _send(self, frame: str) -> None:
        if self._open:
            self._outbox.put_nowait(frame)

    async def serve(self) -> None:
        ws = self._ws
        offered: list[str] = list(ws.scope.get("subprotocols") or [])
        if protocol.SUBPROTOCOL not in offered:
            # AppSync answers other subprotocols with this error code (third-party reports of
            # `SubProtocolNotSupportedError`, errorCode 400); the message is UNVERIFIED.
            await ws.accept()
            await self._refuse("UnsupportedProtocol", "Unsupported WebSocket subprotocol.", 400)
            return
        await ws.accept(subprotocol=protocol.SUBPROTOCOL)
        if not await self._authorized(offered):
            return
        writer = asyncio.create_task(self._write())
        keep_alive: asyncio.Task[None] | None = None
        try:
            while (text := await self._receive()) is not None:
                frame = _parse(text)
                if frame is not None and frame.get("type") == "connection_init":
                    if keep_alive is None:
                        self._send(protocol.connection_ack())
                        keep_alive = asyncio.create_task(self._keep_alive())
                elif keep_alive is not None:
                    # "All messages sent before receiving connection_ack are ignored."
                    await self._handle(frame)
        except WebSocketDisconnect:
            pass
        finally:
            self._open = False
            for subscription in self._subscriptions.values():
                subscription.close()
            self._subscriptions.clear()
            if keep_alive is not None:
                keep_alive.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keep_alive
            self._outbox.put_nowait(None)
            await writer

    async def _receive(self) -> str | None:
        """The next message's text; None once the client has gone."""
        message = await self._ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is None and message.get("bytes") is not None:
            text = message["bytes"].decode("utf-8", "replace")
        return text if isinstance(text, str) else ""

    async def _handle(self, frame: dict[str, Any] | None) -> None:
        kind = frame.get("type") if frame is not None else None
        if frame is None:
            problem = _error("UnknownOperationError", "Unable to parse message.")
            self._send(protocol.error(None, [problem]))
        elif kind == "start":
            await self._start(frame)
        elif kind == "stop":
            self._stop(frame)
        else:
            problem = _error("UnknownOperationError", f"Unknown operation type: {kind}")
            self._send(protocol.error(_id(frame), [problem]))

    async def _authorized(self, offered: list[str]) -> bool:
        ws = self._ws
        try:
            headers = protocol.connection_headers(
                subprotocols=offered,
                query_header=ws.query_params.get("header"),
                http_headers=ws.headers,
            )
        except protocol.ConnectionHeaderError as exc:
            await self._refuse(_UNAUTHORIZED, str(exc), 400)
            return False
        host = headers.get("host") or self._host
        signed = SignedRequest(
            method="POST",
            url=f"https://{host}/graphql/connect",
            headers=headers,
            body=b"{}",
            source_ip=self._source_ip,
        )
        connect = AuthorizationRequest(
            query="", operation_name=_CONNECT_OPERATION, variables={}, headers=headers
        )
        try:
            await self._api.authenticate(signed, authorization_request=connect)
        except Unauthenticated as exc:
            # errorCode 401 is what makes amplify-js give up rather than retry (appsync.md §11).
            await self._refuse(_UNAUTHORIZED, exc.message, 401)
            return False
        self._host = host
        return True

    async def _refuse(self, error_type: str, message: str, code: int) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self._ws.send_text(protocol.connection_error(error_type, message, code))
            await self._ws.close(code=1000)

    async def _start(self, frame: dict[str, Any]) -> None:
        subscription_id = _id(frame)
        if subscription_id is None:
            self._send(
                protocol.error(None, [_error("ValidationError", "Subscription id missing.")])
            )
            return
        if subscription_id in self._subscriptions:
            # "This ID must be unique for each subscription, otherwise the server returns an
            # error indicating that the subscription ID is duplicated" (AWS guide); exact wording
            # UNVERIFIED.
            self._send(
                protocol.error(
                    subscription_id,
                    [_error("DuplicatedOperationError", "Duplicate subscription ID.")],
                )
            )
            return
        if len(self._subscriptions) >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
            self._send(
                protocol.error(
                    subscription_id,
                    [
                        _error(
                            "LimitExceededError",
                            "Maximum number of subscriptions reached for this connection.",
                        )
                    ],
                )
            )
            return
        try:
            subscription = await self._hub.start(
                subscription_id,
                frame.get("payload"),
                source_ip=self._source_ip,
                default_host=self._host,
                send=self._send,
            )
        except SubscriptionRefused as refused:
            self._send(protocol.error(subscription_id, refused.errors))
            return
        if not self._open:  # the client left while the start was being authorized
            subscription.close()
            return
        self._subscriptions[subscription_id] = subscription
        self._send(protocol.start_ack(subscription_id))

    def _stop(self, frame: dict[str, Any]) -> None:
        subscription_id = _id(frame)
        if subscription_id is None:
            return
        subscription = self._subscriptions.pop(subscription_id, None)
        if subscription is not None:
            subscription.close()
        self._send(protocol.complete(subscription_id))

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self._keep_alive_s)
            self._send(protocol.KEEP_ALIVE)

    async def _write(self) -> None:
        while (frame := await self._outbox.get()) is not None:
            if self._ws.application_state is not WebSocketState.CONNECTED:
                continue
            try:
                await self._ws.send_text(frame)
            except (WebSocketDisconnect, RuntimeError, OSError):
                self._open = False


def _parse(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None


def _id(frame: dict[str, Any]) -> str | None:
    value = frame.get("id")
    return value if isinstance(value, str) and value else None


def _error(error_type: str, message: str) -> dict[str, str]:
    return {"errorType": error_type, "message": message}
