"""AppSync's real-time WebSocket protocol: its messages and where a connection's credentials are.

The protocol is Apollo's old `graphql-ws` with AppSync's changes (appsync.md §7.2; AWS developer
guide "Building a real-time WebSocket client"): a `start` carries `payload.data`, the GraphQL
request as a JSON *string*, and `payload.extensions.authorization`, the request's own credentials;
the server answers `start_ack`, then `data` per event; `connection_ack` carries
`connectionTimeoutMs`; `ka` keeps the connection alive.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CONNECTION_TIMEOUT_MS",
    "SUBPROTOCOL",
    "ConnectionHeaderError",
    "complete",
    "connection_ack",
    "connection_error",
    "connection_headers",
    "data_frame",
    "error",
    "start_ack",
]

SUBPROTOCOL = "graphql-ws"
CONNECTION_TIMEOUT_MS = 300_000
KEEP_ALIVE = '{"type":"ka"}'


class ConnectionHeaderError(ValueError):
    """The `header` the client sent cannot be decoded."""


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def connection_ack() -> str:
    """The answer to `connection_init`."""
    return _dumps(
        {"type": "connection_ack", "payload": {"connectionTimeoutMs": CONNECTION_TIMEOUT_MS}}
    )


def connection_error(error_type: str, message: str, error_code: int) -> str:
    """A refused connection (the server closes it next). The shape is the one AppSync sends for
    bad credentials on connect (graphql-python/gql's AppSync test server mirrors it)."""
    error = {"errorType": error_type, "message": message, "errorCode": error_code}
    return _dumps({"type": "connection_error", "payload": {"errors": [error]}})


def start_ack(subscription_id: str) -> str:
    """The subscription is registered."""
    return _dumps({"type": "start_ack", "id": subscription_id})


def complete(subscription_id: str) -> str:
    """The answer to `stop`."""
    return _dumps({"type": "complete", "id": subscription_id})


def error(subscription_id: str | None, errors: Sequence[Mapping[str, Any]]) -> str:
    """A refused `start` (or, without an id, a refused message): `errors` of
    `{errorType, message}` entries, as the AWS guide's example shows."""
    frame: dict[str, Any] = {"type": "error"}
    if subscription_id is not None:
        frame["id"] = subscription_id
    frame["payload"] = {"errors": list(errors)}
    return _dumps(frame)


def data_frame(subscription_id: str, encoded_payload: str) -> str:
    """A `data` message around a payload already encoded (shared by every subscriber with the
    same document, so the payload is encoded once per event)."""
    return f'{{"id":{_dumps(subscription_id)},"type":"data","payload":{encoded_payload}}}'


def encode_payload(payload: Mapping[str, Any]) -> str:
    """JSON text of a `data` message's payload."""
    return _dumps(payload)


def _decode(text: str) -> dict[str, Any]:
    # Both alphabets, padded or not: `?header=` uses standard base64, the `header-` subprotocol
    # base64url, and amplify-js sends the latter unpadded (appsync.md §11).
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        decoded = json.loads(raw)
    except (binascii.Error, ValueError):
        raise ConnectionHeaderError("Unable to decode the header parameter.") from None
    if not isinstance(decoded, dict):
        raise ConnectionHeaderError("The header parameter must encode a JSON object.")
    return decoded


def connection_headers(
    *, subprotocols: list[str], query_header: str | None, http_headers: Mapping[str, str]
) -> dict[str, str]:
    """The credentials of a connection, lower-cased, from where AppSync reads them: a
    `header-<base64url>` subprotocol (amplify-js ≥ 6.6), else the `header` query parameter, else
    the upgrade request's own HTTP headers.

    Raises:
        ConnectionHeaderError: a header parameter is present but does not decode.
    """
    for protocol in subprotocols:
        if protocol.startswith("header-"):
            return lower_keys(_decode(protocol.removeprefix("header-")))
    if query_header:
        return lower_keys(_decode(query_header))
    return {k.lower(): v for k, v in http_headers.items()}


def lower_keys(headers: Mapping[str, Any]) -> dict[str, str]:
    """Header names lower-cased (SigV4 and our authenticators read them so), values as text."""
    return {str(k).lower(): v if isinstance(v, str) else _dumps(v) for k, v in headers.items()}
