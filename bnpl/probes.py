"""Readiness probes for supervised children: a process is ready once it serves."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

Probe = Callable[[], bool]


def http_probe(
    url: str, *, any_status: bool = False, timeout_s: float = 1.0, ca_file: Path | None = None
) -> Probe:
    """A probe that is ready when `GET url` answers 200 (or anything, with `any_status`).

    An `https://` URL is ready only once its certificate verifies against `ca_file` (the
    system's CAs without it) for the URL's host: a listener presenting the wrong certificate
    is not serving.
    """
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host, path = parts.hostname or "127.0.0.1", parts.path or "/"
    port = parts.port or (443 if secure else 80)

    def connect() -> http.client.HTTPConnection:
        if not secure:
            return http.client.HTTPConnection(host, port, timeout=timeout_s)
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        return http.client.HTTPSConnection(host, port, timeout=timeout_s, context=context)

    def probe() -> bool:
        connection = connect()
        try:
            connection.request("GET", path)
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()
        return any_status or status == 200

    return probe


def all_ready(*probes: Probe) -> Probe:
    """A probe that is ready when every one of `probes` is (a process with several listeners)."""

    def probe() -> bool:
        return all(check() for check in probes)

    return probe


def tcp_probe(host: str, port: int, *, timeout_s: float = 1.0) -> Probe:
    """A probe that is ready when a TCP connection to `host:port` is accepted."""

    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                return True
        except OSError:
            return False

    return probe
