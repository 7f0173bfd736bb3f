"""Serve the identity provider from a background thread on a free port, for tests and
benchmarks that talk to it over real HTTP while controlling its clock and its tables.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from bnpl import tables
from bnpl.idp.app import create_app
from bnpl.idp.models import MODELS as USER_POOL_MODELS
from bnpl.idp.pool import UserPool
from bnpl.idp.provider import Provider, build
from bnpl.idp.seed import seed_personas
from bnpl.settings import DevSettings
from services.shared.settings import Settings
from services.user.messaging.outbox import OutboxMessageModel, OutboxSender

STARTUP_TIMEOUT_S = 30.0


@contextmanager
def serving(app: Starlette, host: str = "127.0.0.1") -> Iterator[str]:
    """Run `app` (its lifespan included) until the block ends; yields its base URL.

    Raises:
        RuntimeError: the server did not start in time.
    """
    with socket.socket() as probe:
        probe.bind((host, 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"idp-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the identity provider did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)


@contextmanager
def user_pool_server(
    settings: DevSettings,
    service_settings: Settings,
    *,
    pool: UserPool | None = None,
    clock: Callable[[], float] = time.time,
    rate_clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[str, Provider]]:
    """The whole identity provider over HTTP, its user pool on `service_settings`' tables
    (created if missing, personas seeded), codes going to the dev outbox.

    Yields:
        The provider's base URL (the user-pool endpoint) and the pool it serves.
    """
    tables.create_tables(service_settings, (*USER_POOL_MODELS, OutboxMessageModel))
    provider = build(
        settings,
        service_settings,
        sender=OutboxSender(service_settings),
        pool=pool,
        clock=clock,
        rate_clock=rate_clock,
    )
    seed_personas(provider)
    with serving(create_app(settings, user_pool_factory=lambda: provider)) as url:
        yield url, provider


class ManualClock:
    """A clock that only moves when told (for expiries and lockouts under test)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def reset(self) -> None:
        """Back to the real time of day."""
        self.now = time.time()
