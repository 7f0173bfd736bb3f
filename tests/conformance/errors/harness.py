"""Serve an SDL through the emulator's HTTP app, in process, with API-key auth.

`serve(sdl, bindings=..., code={...}, lambdas={...})` writes the APPSYNC_JS files given in `code`
to a temporary folder, binds them to a NONE data source (or to the in-process Lambda handlers in
`lambdas`), and yields an httpx client that sends AppSync's `x-api-key` on every request.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.api_key import ApiKey
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.lambda_function import LambdaDataSource
from appsync.resolver import DataSource

URL = "http://appsync.test/graphql"
API_KEY = "da2-conformance"


@contextlib.asynccontextmanager
async def serve(
    sdl: str,
    *,
    bindings: Sequence[Binding] = (),
    code: Mapping[str, str] | None = None,
    lambdas: Mapping[str, Callable[[Any, Any], Any]] | None = None,
    **config: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the emulator serving `sdl` (data source `none` is NONE)."""
    with tempfile.TemporaryDirectory() as folder:
        code_dir = Path(folder)
        for name, text in (code or {}).items():
            (code_dir / name).write_text(text, encoding="utf-8")
        functions = [
            LambdaDataSource(name, handler=handler, function_name=name)
            for name, handler in (lambdas or {}).items()
        ]
        sources: dict[str, DataSource] = {"none": None}
        sources.update({f.name: f for f in functions})
        api = AppSyncApi(
            sdl=sdl,
            config=ApiConfig(
                default_mode=AuthMode.API_KEY,
                api_keys=(ApiKey(id=API_KEY, expires=2**40),),
                **config,
            ),
            bindings=list(bindings),
            data_sources=sources,
            code_dir=code_dir,
        )
        transport = httpx.ASGITransport(app=create_app(api))
        try:
            async with httpx.AsyncClient(
                transport=transport, headers={"x-api-key": API_KEY}
            ) as client:
                yield client
        finally:
            for function in functions:
                function.close()


async def post(
    client: httpx.AsyncClient, query: str, variables: Mapping[str, Any] | None = None, **extra: Any
) -> httpx.Response:
    """POST one GraphQL request."""
    return await client.post(URL, json={"query": query, "variables": variables, **extra})


def at(query: str, text: str, line: int = 1) -> list[dict[str, Any]]:
    """AppSync's `locations` for the first occurrence of `text` in a one-line `query`."""
    return [{"line": line, "column": query.index(text) + 1, "sourceName": None}]


def refused(query: str, where: str, message: str) -> dict[str, Any]:
    """The body AppSync answers for a request refused before any resolver ran (HTTP 200)."""
    return {
        "data": None,
        "errors": [{"path": None, "locations": at(query, where), "message": message}],
    }
