"""The sender's HTTP client: the SSRF guard applied where it counts, at connect time.

A URL checked when the merchant registered it can later resolve elsewhere (a DNS record changed,
or a name that answers a public address once and a private one the next time). So the guard
runs again inside the connection pool: the host is resolved once, every address is checked
(`addresses.permitted`), and the socket connects to a checked address. TLS still verifies the
certificate against the URL's host name. Redirects are not followed and no proxy from the
environment is used: either would send the request somewhere nobody checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

from services.credit.webhooks.addresses import permitted

USER_AGENT = "bnpl-webhooks/1"


class RefusedAddress(httpcore.ConnectError):
    """The receiver's host resolves only to addresses the sender may not reach."""


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's own socket backend, connecting only to permitted addresses."""

    def __init__(self, *, allow_local: bool) -> None:
        self._allow_local = allow_local
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [str(info[4][0]) for info in found]
        allowed = [a for a in addresses if permitted(_ip(a), allow_local=self._allow_local)]
        if not allowed:
            raise RefusedAddress(f"{host} resolves to no public address")
        error: Exception | None = None
        for address in dict.fromkeys(allowed):
            try:
                return self._backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise RefusedAddress("webhooks are never sent to a Unix socket")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 scope id is not an address


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a pool whose every connection goes through `GuardedBackend`."""

    def __init__(self, *, allow_local: bool, max_connections: int = 32) -> None:
        super().__init__()
        # httpx builds its pool without a way to pass a network backend; the pool below is the
        # same as its default one but for that backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            network_backend=GuardedBackend(allow_local=allow_local),
        )


def sender_client(*, allow_local: bool, timeout_s: float) -> httpx.Client:
    """The client every attempt is sent with."""
    return httpx.Client(
        transport=GuardedTransport(allow_local=allow_local),
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )
