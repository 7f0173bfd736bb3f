"""The emulator tells a listener of the errors each operation answered (the local stack counts
them by errorType); an operation without errors, or a document refused before it ran, does not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.iam import IamConfig
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.lambda_function import LambdaDataSource
from tests.functional.appsync.test_api_lambda import PRINCIPAL, SDL, Handler, post

pytestmark = pytest.mark.anyio

Heard = list[list[Mapping[str, Any]]]


@pytest.fixture
async def heard() -> Heard:
    return []


@pytest.fixture
async def client(heard: Heard):
    api = AppSyncApi(
        sdl=SDL,
        config=ApiConfig(
            default_mode=AuthMode.IAM,
            iam=IamConfig(region="us-east-1", principals=(PRINCIPAL,)),
        ),
        bindings=[Binding(type_name="Query", field_name="item", data_source="items")],
        data_sources={"items": LambdaDataSource("items", handler=Handler(), function_name="items")},
        code_dir=Path(),
    )

    def listen(errors: Sequence[Mapping[str, Any]]) -> None:
        heard.append(list(errors))

    api.on_errors = listen
    transport = httpx.ASGITransport(app=create_app(api))
    async with httpx.AsyncClient(transport=transport) as http:
        yield http


async def test_the_listener_hears_each_operations_error_entries(client, heard):
    response = await post(client, '{ a: item(id: "missing") { id } b: item(id: "x") { id } }')
    assert response.json()["errors"][0]["errorType"] == "NotFound"
    assert [[(e["path"], e["errorType"]) for e in errors] for errors in heard] == [
        [(["a"], "NotFound")]
    ]


async def test_nothing_is_heard_without_errors_or_for_a_document_that_did_not_run(client, heard):
    assert (await post(client, '{ item(id: "x") { id } }')).status_code == 200
    assert (await post(client, "{ nothing }")).json()["errors"]
    assert heard == []
