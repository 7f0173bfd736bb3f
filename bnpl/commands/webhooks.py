"""`bnpl webhooks listen`: receive the sandbox merchant's webhooks on this machine, verify them
and print them; optionally forward them to the app being developed.

Without `--secret` it registers its own URL as a webhook endpoint of the sandbox merchant
(`createWebhookEndpoint`, signed with SigV4 as `bnpl gql --iam` signs), verifies with the secret
that answers, and disables the endpoint when it stops. An endpoint it left enabled at the same
URL (the stack or the machine stopped first) is disabled when it starts, so that no old
endpoint keeps sending to the new receiver with a secret it does not hold.
"""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from bnpl.commands import UsageError, dev_settings
from bnpl.graphql_client import GraphQLClient
from bnpl.settings import SANDBOX_MERCHANT_ID
from bnpl.webhook_receiver import (
    HOST,
    Console,
    ReceiverServer,
    Writer,
    create_app,
    listening_socket,
)

# What the endpoint is described as; also how a leftover of an earlier run is recognised.
DESCRIPTION = "bnpl webhooks listen"
API_TIMEOUT_S = 10.0

ENDPOINT_FIELDS = "id url status eventTypes description"
CREATE = (
    "mutation Create($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) "
    f"{{ endpoint {{ {ENDPOINT_FIELDS} }} secret }} }}"
)
DISABLE = "mutation Disable($id: ID!) { disableWebhookEndpoint(endpointId: $id) { id status } }"
ENDPOINTS = (
    "query Endpoints($merchantId: ID!) "
    f"{{ webhookEndpoints(merchantId: $merchantId) {{ {ENDPOINT_FIELDS} }} }}"
)


class ApiError(Exception):
    """The API answered with errors, or with something that is not a GraphQL answer."""


@dataclass(frozen=True, kw_only=True)
class Registered:
    """The endpoint this receiver registered, and its signing secret."""

    endpoint_id: str
    secret: str
    event_types: tuple[str, ...]


def subscribable_types() -> tuple[str, ...]:
    """Every event type an endpoint can take, as the GraphQL enum names them."""
    from services.credit.webhooks.events import SUBSCRIBABLE

    return tuple(event_type.name for event_type in SUBSCRIBABLE)


def parse_events(text: str | None) -> tuple[str, ...]:
    """`--events`: comma-separated types, as sent (`checkout.approved`) or as GraphQL names them
    (`CHECKOUT_APPROVED`); every type when not given.

    Raises:
        UsageError: an unknown type, or none at all.
    """
    known = subscribable_types()
    if text is None:
        return known
    chosen: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name = item.replace(".", "_").upper()
        if name not in known:
            raise UsageError(
                f"--events: {item!r} is not an event type; choose from "
                + ", ".join(_dotted(name) for name in known)
            )
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise UsageError("--events names no event type")
    return tuple(chosen)


def check_forward_url(url: str | None) -> str | None:
    """`--forward-to`, if it is an absolute http(s) URL.

    Raises:
        UsageError: it is not.
    """
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(f"--forward-to must be an http:// or https:// URL, not {url!r}")
    return url


class EndpointApi:
    """The merchant's webhook-endpoint operations, as the sandbox merchant."""

    def __init__(self, client: GraphQLClient, *, merchant_id: str = SANDBOX_MERCHANT_ID) -> None:
        self._client = client
        self._merchant_id = merchant_id

    def _data(self, query: str, variables: dict[str, Any], field: str) -> Any:
        response = self._client.post(query, variables)
        try:
            answer = response.json()
        except ValueError:
            raise ApiError(f"HTTP {response.status_code}, not a GraphQL answer") from None
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            raise ApiError("; ".join(str(error.get("message")) for error in errors))
        data = answer.get("data") if isinstance(answer, dict) else None
        if response.status_code != 200 or not isinstance(data, dict) or data.get(field) is None:
            raise ApiError(f"HTTP {response.status_code}, no {field} in the answer")
        return data[field]

    def create(self, url: str, event_types: Sequence[str]) -> Registered:
        """Register `url` for `event_types`."""
        variables = {
            "input": {
                "merchantId": self._merchant_id,
                "url": url,
                "eventTypes": list(event_types),
                "description": DESCRIPTION,
            }
        }
        answer = self._data(CREATE, variables, "createWebhookEndpoint")
        endpoint = answer["endpoint"]
        return Registered(
            endpoint_id=str(endpoint["id"]),
            secret=str(answer["secret"]),
            event_types=tuple(str(t) for t in endpoint["eventTypes"]),
        )

    def disable(self, endpoint_id: str) -> None:
        """Stop the endpoint's deliveries."""
        self._data(DISABLE, {"id": endpoint_id}, "disableWebhookEndpoint")

    def leftovers(self, url: str) -> list[str]:
        """The enabled endpoints an earlier `bnpl webhooks listen` registered at `url`."""
        endpoints = self._data(ENDPOINTS, {"merchantId": self._merchant_id}, "webhookEndpoints")
        return [
            str(e["id"])
            for e in endpoints
            if e.get("url") == url
            and e.get("status") == "ENABLED"
            and e.get("description") == DESCRIPTION
        ]


def _writer(stream: TextIO) -> Writer:
    def write(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()  # a pipe (`| grep`) sees each line as it happens

    return write


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops registering as Ctrl-C does, so the endpoint is still disabled."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(
    *,
    port: int,
    forward_to: str | None,
    secret: str | None,
    events: str | None,
    as_json: bool,
) -> int:
    """Listen until Ctrl-C or SIGTERM.

    Args:
        port: the port on 127.0.0.1 (0: a free one).
        forward_to: also POST each verified event here, and answer with its status.
        secret: verify with this secret, for an endpoint registered elsewhere; without it,
            register an endpoint for the sandbox merchant and disable it on exit.
        events: comma-separated event types to register for (every type by default).
        as_json: print each event's JSON, one per line, on stdout; everything else on stderr.

    Returns:
        0 when stopped; 1 when the port is taken or the API cannot register the endpoint.
    """
    forward_url = check_forward_url(forward_to)
    if secret is not None:
        if events is not None:
            raise UsageError("--events chooses what to register for; with --secret nothing is")
        _check_secret(secret)
    event_types = parse_events(events) if secret is None else ()
    console = Console(
        out=_writer(sys.stdout),
        notes=_writer(sys.stderr if as_json else sys.stdout),
        as_json=as_json,
    )
    try:
        sock = listening_socket(port)
    except OSError as exc:
        sys.stderr.write(
            f"bnpl webhooks listen: cannot listen on {HOST}:{port} ({exc.strerror or exc}); "
            "choose another --port\n"
        )
        return 1
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    with closing(sock), _sigterm_interrupts():
        console.note(f"Listening on {url}")
        if forward_url:
            console.note(f"Forwarding verified events to {forward_url}")
        try:
            if secret is not None:
                console.note("Ready: verifying with the given secret (Ctrl-C stops)")
                return (
                    0 if _serve(sock, secret=secret, console=console, forward_to=forward_url) else 1
                )
            return _register_and_serve(sock, url, event_types, console, forward_url)
        except KeyboardInterrupt:
            return 0


def _check_secret(secret: str) -> None:
    from standardwebhooks.webhooks import Webhook

    message = "--secret must be the endpoint's signing secret: whsec_ and base64"
    if not secret.startswith("whsec_"):
        raise UsageError(message)
    try:
        Webhook(secret)
    except Exception as exc:  # binascii.Error, or the library's error for an empty secret
        raise UsageError(message) from exc


def _register_and_serve(
    sock: socket.socket,
    url: str,
    event_types: Sequence[str],
    console: Console,
    forward_to: str | None,
) -> int:
    settings = dev_settings()
    endpoint = settings.graphql_url
    with httpx.Client(timeout=API_TIMEOUT_S) as http:
        api = EndpointApi(GraphQLClient(endpoint, iam_region=settings.region, http=http))
        try:
            for leftover in api.leftovers(url):
                api.disable(leftover)
                console.note(f"Disabled {leftover}, left at {url} by an earlier run")
            registered = api.create(url, event_types)
        except httpx.TransportError as exc:
            sys.stderr.write(
                f"bnpl webhooks listen: cannot reach the API at {endpoint} "
                f"({type(exc).__name__}); is `bnpl dev` up?\n"
            )
            return 1
        except ApiError as exc:
            sys.stderr.write(f"bnpl webhooks listen: the API answered: {exc}\n")
            return 1
        try:
            console.note(f"Endpoint {registered.endpoint_id} for {_described(registered)}")
            console.note(f"Signing secret {registered.secret} (for an app behind --forward-to)")
            console.note(
                f"Ready: events for {SANDBOX_MERCHANT_ID} are delivered here (Ctrl-C stops)"
            )
            started = _serve(sock, secret=registered.secret, console=console, forward_to=forward_to)
        finally:
            _disable(api, registered.endpoint_id, console)
    return 0 if started else 1


def _described(registered: Registered) -> str:
    if set(registered.event_types) == set(subscribable_types()):
        return "every event type"
    return ", ".join(_dotted(name) for name in registered.event_types)


def _dotted(name: str) -> str:
    """CHECKOUT_APPROVED as it is sent: checkout.approved."""
    return name.lower().replace("_", ".", 1)


def _disable(api: EndpointApi, endpoint_id: str, console: Console) -> None:
    try:
        api.disable(endpoint_id)
    except (httpx.HTTPError, ApiError) as exc:
        sys.stderr.write(
            f"bnpl webhooks listen: could not disable {endpoint_id} ({exc}); the next listen "
            "on this port disables it\n"
        )
        return
    console.note(f"Disabled {endpoint_id}")


def _serve(sock: socket.socket, *, secret: str, console: Console, forward_to: str | None) -> bool:
    """Serve until stopped; False if the server could not start (uvicorn logged why)."""
    server = ReceiverServer(create_app(secret=secret, console=console, forward_to=forward_to))
    server.run(sockets=[sock])
    return server.started
