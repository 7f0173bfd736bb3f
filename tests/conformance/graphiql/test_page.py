"""GraphiQL on `GET /graphql`, served from this machine: the page, its assets and the
configuration it embeds. No browser: the page is read as HTML."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.api_key import ApiKey
from appsync.auth.modes import AuthMode
from appsync.config import ApiConfig
from appsync.graphiql import GraphiQLConfig, SignInUser, UserPoolSignIn
from tests.conformance.graphiql.api import (
    ACCESS_KEY,
    CLIENT_ID,
    EXPIRED_KEY,
    LIVE_KEY,
    REGION,
    SECRET_KEY,
    asset_files,
    build_app,
    graphiql_config,
)

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:4000"
HTML = {"accept": "text/html,application/xhtml+xml"}
SIGN_IN = "http://127.0.0.1:4003/"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class _Page(HTMLParser):
    """Every URL the page refers to, and its embedded configuration."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.config_text = ""
        self._in_config = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.urls += [(tag, value) for name, value in attrs if name in {"src", "href"} and value]
        self._in_config = tag == "script" and attributes.get("id") == "graphiql-config"

    def handle_endtag(self, tag: str) -> None:
        self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_text += data

    @property
    def config(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.config_text)
        return loaded


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    _, app = build_app(tmp_path, sign_in_endpoint=SIGN_IN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http


async def page_of(client: httpx.AsyncClient) -> _Page:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200, response.text
    return _Page(response.text)


async def test_a_browser_gets_the_page_and_a_query_in_the_url_still_runs(client):
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    assert '<select id="auth-identity"' in page.text
    # A browser opening a URL with a query runs it (AppSync serves GET), as it did before.
    ran = await client.get(
        "/graphql", params={"query": "{ whoami { kind } }"}, headers={**HTML, "x-api-key": LIVE_KEY}
    )
    assert ran.json() == {"data": {"whoami": {"kind": "API_KEY"}}}
    # Without text/html and without a query, GET is a malformed GraphQL request, not the page.
    plain = await client.get(
        "/graphql", headers={"accept": "application/json", "x-api-key": LIVE_KEY}
    )
    assert plain.status_code == 400
    assert plain.json()["errors"][0]["errorType"] == "MalformedHttpRequestException"


async def test_the_page_refers_only_to_its_own_server(client):
    response = await client.get("/graphql", headers=HTML)
    page = _Page(response.text)
    assert {tag for tag, _ in page.urls} == {"link", "script"}
    for _, url in page.urls:
        parts = urlsplit(url)
        assert parts.scheme in {"", "data"}, url
        assert parts.scheme == "data" or url.startswith("/graphql/assets/"), url
    # Nothing anywhere in the page (text, configuration) names another host.
    for url in re.findall(r"(?:https?|wss?)://[^\s\"'<>]+", response.text):
        assert urlsplit(url).hostname in {"127.0.0.1", "localhost"}, url
    # And the browser is told so: scripts from here only; requests to here and the sign-in API.
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"].split() == [
        "'self'",
        "ws://127.0.0.1:4000",
        "wss://127.0.0.1:4000",
        "http://127.0.0.1:4003",
    ]


async def test_every_asset_answers_with_its_type_and_is_kept_for_a_year(client):
    page = await page_of(client)
    scripts = [url for tag, url in page.urls if tag == "script"]
    sheets = [url for tag, url in page.urls if tag == "link" and not url.startswith("data:")]
    assert len(scripts) == 7
    assert len(sheets) == 2
    vendor = asset_files()
    for url in scripts + sheets:
        response = await client.get(url)
        name = urlsplit(url).path.rsplit("/", 1)[1]
        assert response.status_code == 200, url
        assert response.headers["content-type"] == CONTENT_TYPES[Path(name).suffix]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        if name in vendor:
            assert response.content == vendor[name].read_bytes()
    assert {urlsplit(url).path.rsplit("/", 1)[1] for url in scripts + sheets} >= set(vendor)


async def test_an_asset_asked_for_by_another_digest_is_sent_but_not_kept(client):
    stale = await client.get("/graphql/assets/graphiql.min.js?v=0000000000000000")
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "no-cache"
    assert (await client.get("/graphql/assets/graphiql.min.js.map")).status_code == 404
    assert (await client.get("/graphql/assets/..%2Fpage.py")).status_code == 404


async def test_the_page_embeds_the_configuration_it_was_given(client):
    # Passwords and IAM secrets are embedded on purpose: the page is a development tool and the
    # app that configures it offers those credentials (bnpl dev prints its own at start-up).
    config = (await page_of(client)).config
    assert config == {
        "title": "GraphiQL test",
        "endpoint": "/graphql",
        "realtimePath": "/graphql/realtime",
        "defaultQuery": "{ whoami { kind } }",
        "defaultMode": "AMAZON_COGNITO_USER_POOLS",
        "modes": ["AMAZON_COGNITO_USER_POOLS", "API_KEY", "AWS_IAM"],
        "tokens": True,
        "userPool": {
            "endpoint": SIGN_IN,
            "secureEndpoint": SIGN_IN,
            "clientId": CLIENT_ID,
            "users": [
                {
                    "name": "ada",
                    "email": "ada@example.test",
                    "password": "ada-pass-1",
                    "description": "known",
                },
                {
                    "name": "bob",
                    "email": "bob@example.test",
                    "password": None,
                    "description": "no password given",
                },
            ],
        },
        "iam": {
            "region": REGION,
            "signers": [
                {"label": "test merchant", "accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY}
            ],
        },
        # Only keys that still work are offered.
        "apiKeys": [LIVE_KEY],
    }
    assert EXPIRED_KEY not in json.dumps(config)


async def test_only_the_apis_own_modes_are_offered(tmp_path):
    api = AppSyncApi(
        sdl="type Query { ping: String }",
        config=ApiConfig(
            default_mode=AuthMode.API_KEY, api_keys=(ApiKey(id=LIVE_KEY, expires=2**40),)
        ),
        bindings=[],
        data_sources={},
        code_dir=tmp_path,
    )
    app = create_app(api, graphiql=graphiql_config(SIGN_IN))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        config = (await page_of(http)).config
    assert (config["userPool"], config["iam"], config["tokens"]) == (None, None, False)
    assert config["apiKeys"] == [LIVE_KEY]


async def test_names_in_the_configuration_cannot_end_its_script_element(tmp_path):
    hostile = "</script><script>alert(1)</script> & <!--"
    config = graphiql_config(
        SIGN_IN,
        title=hostile,
        user_pool=UserPoolSignIn(
            endpoint=SIGN_IN,
            client_id=CLIENT_ID,
            users=(SignInUser(name=hostile, email="x@example.test"),),
        ),
    )
    _, app = build_app(tmp_path, graphiql=config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        response = await http.get("/graphql", headers=HTML)
    assert "<script>alert(1)" not in response.text
    page = _Page(response.text)
    assert page.config["title"] == hostile
    assert page.config["userPool"]["users"][0]["name"] == hostile  # type: ignore[index]


@pytest.mark.parametrize("installed", ["missing folder", "not configured"])
async def test_without_its_assets_the_page_says_to_run_npm_ci(tmp_path, installed):
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    if installed == "missing folder":
        _, app = build_app(code_dir, node_modules=tmp_path / "node_modules")
    else:
        api, _ = build_app(code_dir)
        app = create_app(api)  # an app given no GraphiQL configuration
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        response = await http.get("/graphql", headers=HTML)
        post = await http.post("/graphql", json={"query": "{ whoami { kind } }"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "GraphiQL's assets are not installed: run <code>npm ci</code>" in response.text
    if installed == "missing folder":
        assert str(tmp_path / "node_modules" / "graphiql" / "graphiql.min.js") in response.text
    # The API itself is unaffected.
    assert post.status_code == 401


async def test_an_asset_map_replaces_the_node_modules_folder(tmp_path):
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    files = dict(asset_files())
    files["graphiql.min.css"] = tmp_path / "custom.css"
    files["graphiql.min.css"].write_text("body { color: red }", encoding="utf-8")
    _, app = build_app(code_dir, graphiql=GraphiQLConfig(assets=files))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        page = await page_of(http)
        [css] = [url for _, url in page.urls if "graphiql.min.css" in url]
        assert (await http.get(css)).text == "body { color: red }"
