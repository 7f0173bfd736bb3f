"""Carry the current trace on the calls a service makes to another: httpx and botocore hooks.

A hook, not a header at each call site: every call through these clients is traced, including
the ones added later. The headers are added after signing (SigV4 signs only what it lists, and
botocore never signs `X-Amzn-Trace-Id`), so they change no signature.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from botocore.client import BaseClient

from services.shared import trace


def _add_headers(request: httpx.Request) -> None:
    for name, value in trace.outgoing_headers().items():
        request.headers.setdefault(name, value)


def traced(**client_options: Any) -> httpx.Client:
    """An httpx client whose requests carry the current trace."""
    return httpx.Client(event_hooks={"request": [_add_headers]}, **client_options)


Client = TypeVar("Client", bound=BaseClient)


def trace_botocore(client: Client) -> Client:
    """`client`, whose requests carry the current trace (the scoring endpoint, locally)."""

    def add(request: Any, **_: Any) -> None:
        for name, value in trace.outgoing_headers().items():
            if name not in request.headers:
                request.headers[name] = value

    client.meta.events.register("before-send", add)
    return client
