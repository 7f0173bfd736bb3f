"""Fixtures for the resolver conformance suite (appsync.md §4, §6.4)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from appsync.api import AppSyncApi
from appsync.datasources.lambda_function import LambdaDataSource
from tests.conformance.resolvers.harness import Client, Recorder

MakeLambda = Callable[[str, Callable[[Any], Any]], tuple[LambdaDataSource, Recorder]]


@pytest.fixture
def make_lambda() -> Iterator[MakeLambda]:
    """`make_lambda(name, answer)`: an in-process Lambda data source answering `answer(event)`,
    and the recorder of its events; its worker thread is stopped after the test."""
    made: list[LambdaDataSource] = []

    def make(name: str, answer: Callable[[Any], Any]) -> tuple[LambdaDataSource, Recorder]:
        recorder = Recorder(answer)
        source = LambdaDataSource(name, handler=recorder, function_name=name)
        made.append(source)
        return source, recorder

    yield make
    for source in made:
        source.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[AppSyncApi], Client]]:
    """`serve(api)`: a client on the API's HTTP app, closed after the test."""
    clients: list[Client] = []

    def make(api: AppSyncApi) -> Client:
        client = Client(api)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
