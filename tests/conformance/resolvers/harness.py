"""Drive an `AppSyncApi` end to end for the resolver and limit conformance suites.

`Harness.build(...)` writes the given APPSYNC_JS files to a folder, builds the API (AWS_IAM is
its only mode, so the SDL needs no directives) and serves it over its ASGI app; `query(...)`
posts a SigV4-signed request and returns the JSON body.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.iam import IamConfig, IamPrincipal
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.calls import DataSource

URL = "http://appsync.test/graphql"
PRINCIPAL = IamPrincipal(
    access_key_id="AKIDTESTRESOLVERS001",
    secret_access_key="test-secret",
    account_id="111122223333",
    user_arn="arn:aws:iam::111122223333:user/tester",
    username="tester",
)


@dataclass
class Recorder:
    """A Lambda handler that records its events (from its worker thread) and answers with
    `answer(event)`."""

    answer: Callable[[Any], Any]
    events: list[Any] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)

    def __call__(self, event: Any, context: Any) -> Any:
        self.events.append(event)
        self.threads.append(threading.current_thread().name)
        return self.answer(event)


def config(**limits: Any) -> ApiConfig:
    """An AWS_IAM-only API config, with the given limit settings."""
    return ApiConfig(
        default_mode=AuthMode.IAM,
        iam=IamConfig(region="us-east-1", principals=(PRINCIPAL,)),
        **limits,
    )


def build_api(
    tmp_path: Path,
    *,
    sdl: str,
    bindings: Sequence[Binding],
    data_sources: Mapping[str, DataSource],
    code: Mapping[str, str] | None = None,
    **limits: Any,
) -> AppSyncApi:
    """Write `code` (file name → source) under `tmp_path`, and build the API over it."""
    for name, source in (code or {}).items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    return AppSyncApi(
        sdl=sdl,
        config=config(**limits),
        bindings=bindings,
        data_sources=data_sources,
        code_dir=tmp_path,
    )


def signed_headers(body: bytes) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"content-type": "application/json"}
    )
    credentials = Credentials(PRINCIPAL.access_key_id, PRINCIPAL.secret_access_key)
    SigV4Auth(credentials, "appsync", "us-east-1").add_auth(request)
    return dict(request.headers.items())


class Client:
    """Posts signed GraphQL requests to an API's ASGI app."""

    def __init__(self, api: AppSyncApi) -> None:
        self.api = api
        self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(api)))

    async def query(self, query: str, variables: Mapping[str, Any] | None = None) -> Any:
        """The response body of one request (asserting HTTP 200)."""
        body = json.dumps({"query": query, "variables": variables}).encode()
        response = await self._http.post(URL, content=body, headers=signed_headers(body))
        assert response.status_code == 200, response.text
        return response.json()

    async def aclose(self) -> None:
        await self._http.aclose()
