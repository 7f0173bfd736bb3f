"""Fixtures for the services' functional tests: apps in process or on a real uvicorn, and the
merchants their checkouts belong to."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from bnpl.dynamodb_local import free_port
from services.credit.checkouts.domain import Merchant
from services.credit.checkouts.store import DynamoMerchantRepository
from services.shared.settings import Settings
from tests.conftest import IdentityProvider, service_environ
from tests.functional.services.webhook_harness import fresh_tables

SHOP_ARN = "arn:aws:iam::111122223333:user/shop-backend"
RIVAL_ARN = "arn:aws:iam::444455556666:role/rival-backend"
SHOP = Merchant(id="m_shop", name="Shop", principal_arns=frozenset({SHOP_ARN}))
RIVAL = Merchant(id="m_rival", name="Rival", principal_arns=frozenset({RIVAL_ARN}))


class HeaderRecorder:
    """Wraps a service's ASGI app and keeps the raw headers of every request it receives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[list[tuple[bytes, bytes]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests.append(list(scope["headers"]))
        await self.app(scope, receive, send)

    def header(self, name: str, index: int = -1) -> bytes | None:
        """The raw value of header `name` in request `index`, exactly as it arrived."""
        wanted = name.lower().encode()
        return next((v for k, v in self.requests[index] if k == wanted), None)


class ServedApp:
    """An ASGI app on a real uvicorn server, on a free port, in a background thread."""

    def __init__(self, app: ASGIApp) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", ws="none"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def merchants(ddb_settings: Settings) -> tuple[Merchant, Merchant]:
    """Two merchants, each with its own backend principal."""
    repository = DynamoMerchantRepository(ddb_settings)
    repository.save(SHOP)
    repository.save(RIVAL)
    return SHOP, RIVAL


@pytest.fixture
def webhook_settings(dynamodb_local: str, identity_provider: IdentityProvider) -> Settings:
    """Settings on webhook tables (and the checkouts and merchants they read) of one test's own."""
    return fresh_tables(dynamodb_local, service_environ(identity_provider))
