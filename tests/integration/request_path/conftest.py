"""The request path in process, with every real component on it.

GraphQL client → emulator (`build_api` + `create_app`) → APPSYNC_JS HTTP resolvers → user service
(over ASGI); and Lambda resolvers → the credit proxy handler (run by the emulator) → the credit
service on a real uvicorn. Both services are wrapped in a recorder of the headers they receive.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from appsync.app import create_app as create_emulator_app
from bnpl.emulator import build_api, data_sources, stop_lambda_workers
from bnpl.graphql_client import sigv4_headers
from bnpl.sandbox import sandbox_merchant
from services.credit.app import create_app as create_credit_app
from services.credit.checkouts.store import DynamoMerchantRepository
from services.shared.settings import Settings
from services.user.app import create_app as create_user_app
from tests.conftest import IdentityProvider
from tests.functional.services.conftest import HeaderRecorder, ServedApp
from tests.integration.request_path.documents import TABLES, URL

USER_SERVICE_URL = "http://user-service.test"


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def backend(ddb_settings: Settings) -> Iterator[tuple[Settings, HeaderRecorder]]:
    """The credit service on uvicorn, knowing the sandbox merchant the emulator signs as, and the
    settings that point the emulator's credit proxies at it."""
    DynamoMerchantRepository(ddb_settings).save(sandbox_merchant())
    recorder = HeaderRecorder(create_credit_app(ddb_settings))
    with ServedApp(recorder) as server:
        yield (
            replace(ddb_settings, credit_service_url=server.url, user_service_url=USER_SERVICE_URL),
            recorder,
        )


@dataclass
class Stack:
    graphql: httpx.AsyncClient
    user: HeaderRecorder
    credit: HeaderRecorder

    async def customer(self, authorization: str, body: bytes) -> httpx.Response:
        headers = {"authorization": authorization, "content-type": "application/json"}
        return await self.graphql.post(URL, content=body, headers=headers)

    async def merchant(self, body: bytes) -> httpx.Response:
        return await self.graphql.post(
            URL, content=body, headers=sigv4_headers(URL, body, region="us-east-1")
        )

    def reached(self) -> str | None:
        """Which service the request got to, if any (and never both)."""
        assert not (self.user.requests and self.credit.requests)
        return "user" if self.user.requests else "credit" if self.credit.requests else None


@pytest.fixture
async def stack(
    backend: tuple[Settings, HeaderRecorder], idp: IdentityProvider
) -> AsyncIterator[Stack]:
    settings, credit = backend
    user = HeaderRecorder(create_user_app(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=user)) as to_user:
        sources = data_sources(settings, to_user)
        emulator = create_emulator_app(build_api(settings, sources))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator)) as graphql:
                credit.requests.clear()
                yield Stack(graphql=graphql, user=user, credit=credit)
        finally:
            stop_lambda_workers(sources)


@pytest.fixture
def snapshot(scan: Callable[[str], list[dict[str, Any]]]) -> Callable[[], dict[str, list[str]]]:
    """Every item of the tables a bad request could write to, in a comparable form."""

    def take() -> dict[str, list[str]]:
        return {name: sorted(json.dumps(i, sort_keys=True) for i in scan(name)) for name in TABLES}

    return take
